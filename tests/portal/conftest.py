# SPDX-License-Identifier: LGPL-2.1-or-later
import pytest

from testenv import TestEnv, require_test_users
from portal_env import Portal, Totp, ensure_users


@pytest.fixture(scope="module")
def env():
    require_test_users()
    ensure_users()
    with TestEnv() as e:
        yield e


@pytest.fixture(scope="module")
def totp():
    return Totp()


@pytest.fixture(scope="module")
def portal(env):
    p = Portal(env)
    yield p
    p.stop()
