# SPDX-License-Identifier: LGPL-2.1-or-later
import pytest

import testenv


@pytest.fixture(scope="session", autouse=True)
def test_users():
    testenv.require_test_users()


@pytest.fixture
def env():
    with testenv.TestEnv() as e:
        yield e


@pytest.fixture
def client(env):
    c = env.client()
    yield c
    c.close()
