# SPDX-License-Identifier: LGPL-2.1-or-later
"""denied_groups fails closed: the real daemon under nss_wrapper, with its users from files and
its groups from a group directory that the test can make unreachable (nss_group_directory.cc,
loaded as an NSS module, the way LDAP or SSSD would be). While the directory is down,
getgrouplist() quietly lists only the primary group; the daemon must refuse the app passwords
of a member of a denied group rather than take that for "not a member"."""
import os

import pytest

from nss_directory import nss_wrapped
from testenv import BusCallError, TestEnv

MEMBER = "apppasstest-erin"      # in apppasstest-denied, which only the directory knows
OUTSIDER = "apppasstest-frank"   # in no group of the directory, without app passwords
DENIED = "apppasstest-denied"


@pytest.fixture
def directory():
    with nss_wrapped("root:x:0:0:root:/root:/bin/sh\n"
                     "%s:x:2901:2901::/nonexistent:/bin/sh\n"
                     "%s:x:2903:2903::/nonexistent:/bin/sh\n" % (MEMBER, OUTSIDER),
                     "root:x:0:\n%s:x:2901:\n%s:x:2903:\n" % (MEMBER, OUTSIDER),
                     "APPPASS_TEST_GROUPS_DOWN", "directory-down") as wrapped:
        yield wrapped


def verify_error(client, user, password):
    with pytest.raises(BusCallError) as info:
        client.verify(user, password, "dovecot", "192.0.2.5")
    return info.value


def test_denied_groups_fail_closed_when_the_group_directory_is_down(directory):
    env_vars, down = directory
    with TestEnv(daemon_env=env_vars) as env:
        client = env.client()
        # Made while no rule applied.
        entry_id, password = client.create(MEMBER, "phone")
        assert client.verify(MEMBER, password, "dovecot", "192.0.2.5") == entry_id

        env.daemon.restart(config={"denied_groups": DENIED})
        client = env.client()
        # Directory up: the rule applies (control case).
        error = verify_error(client, MEMBER, password)
        assert error.short == "NoAppPasswords" and DENIED in error.message, error

        # Directory down: refused all the same, with the reason in the message and the log.
        open(down, "w").close()
        try:
            error = verify_error(client, MEMBER, password)
            assert error.short != "NoAppPasswords", error   # not a "go on to the main password"
            assert "group 2902" in error.message, error
            # A user without app passwords is answered as before: their stack goes on.
            assert verify_error(client, OUTSIDER, password).short == "NoAppPasswords"
        finally:
            os.unlink(down)
        # Back up: the rule applies again, nothing was changed.
        assert verify_error(client, MEMBER, password).short == "NoAppPasswords"
        assert len(client.list(MEMBER)) == 1
