# SPDX-License-Identifier: LGPL-2.1-or-later
"""The fixture most reliability tests share: a private bus and apppassd (APPPASS_DAEMON, the
sanitizer build in CI) with the default configuration, on a fresh state directory."""

import pytest

import testenv
from testenv import TestEnv


@pytest.fixture
def env():
    testenv.require_test_users()
    with TestEnv() as e:
        yield e
