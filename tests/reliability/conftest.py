# SPDX-License-Identifier: LGPL-2.1-or-later
"""The fixture most reliability tests share: a private bus and apppassd (APPPASS_DAEMON, the
sanitizer build in CI) with the default configuration, on a fresh state directory, except that
users may change entries as fast as they like: these tests drive the store and the event loop
as hard as they can, which the per-user write limit exists to prevent."""

import pytest

import testenv
from testenv import TestEnv


UNLIMITED_WRITES = {"user_writes_per_minute": "0"}


@pytest.fixture
def env():
    testenv.require_test_users()
    with TestEnv(config=UNLIMITED_WRITES) as e:
        yield e
