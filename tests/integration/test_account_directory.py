# SPDX-License-Identifier: LGPL-2.1-or-later
"""Only a definite "no such account" ends an app password whose account looks gone. The real
daemon under nss_wrapper, with an account served by a directory the test can make fail
(nss_group_directory.cc, loaded as an NSS module the way LDAP or SSSD would be): while the
directory answers EPERM or ENOENT (which some modules also say for "no such user"), a login with an app
password made for that account is refused as a temporary failure, nothing in the store changes,
and the throttle does not move; once the directory answers again, the password works. And an
account deleted from the directory is refused within the second that VerifyPassword may remember
it for (nss_memo.hh: changes of a directory touch no file the daemon could watch)."""
import os
import time

import pytest

from nss_directory import nss_wrapped
from testenv import BusCallError, TestEnv

ALIAS = "apppasstest-alias"   # the directory's account, uid 2904
LOGIN = "apppasstest-gina"    # the files account with the same uid


@pytest.fixture
def directory():
    with nss_wrapped("root:x:0:0:root:/root:/bin/sh\n%s:x:2904:2904::/nonexistent:/bin/sh\n" % LOGIN,
                     "root:x:0:\n%s:x:2904:\n" % LOGIN, "APPPASS_TEST_USERS_DOWN", "users-down") as wrapped:
        yield wrapped


def verify_error(client, user, password):
    with pytest.raises(BusCallError) as info:
        client.verify(user, password, "dovecot", "192.0.2.5")
    return info.value


# EPERM, and ENOENT: what glibc hands back from libnss_sss when SSSD's socket is missing.
@pytest.mark.parametrize("answer", ["EPERM", "ENOENT"])
def test_an_account_directory_that_fails_refuses_the_login_and_ends_nothing(directory, answer):
    env_vars, down = directory
    with TestEnv(daemon_env=env_vars) as env:
        client = env.client()
        entry_id, password = client.create(ALIAS, "phone")
        # Made for the directory's name of uid 2904; the files name of that uid logs in with it.
        assert client.verify(LOGIN, password, "dovecot", "192.0.2.5") == entry_id

        with open(down, "w") as flag:
            flag.write(answer)
        try:
            # Far past throttle_user_failures (3) and throttle_host_failures (10): none counted.
            for _ in range(12):
                error = verify_error(client, LOGIN, password)
                assert error.short == "StoreUnavailable", error
                assert error.message.startswith('app password "phone" refused for now: the user database '
                                                 "could not be read while looking up user %s: " % ALIAS), error
            # Nothing ended: the entry is there and no tombstone was made.
            assert [e["id"] for e in client.list(LOGIN)] == [entry_id]
            assert client.call("ListRevoked", LOGIN, signature="s") == []
        finally:
            os.unlink(down)
        assert client.verify(LOGIN, password, "dovecot", "192.0.2.5") == entry_id
        assert "account-removed" not in env.daemon.log_text()


# nss_memo.hh's time to live, and a margin for a busy machine.
MEMORY_SECONDS = 1.0


def test_an_account_deleted_from_the_directory_is_refused_once_its_second_is_over(directory):
    env_vars, gone = directory
    with TestEnv(daemon_env=env_vars) as env:
        client = env.client()
        entry_id, password = client.create(ALIAS, "phone")
        assert client.verify(ALIAS, password, "dovecot", "192.0.2.5") == entry_id
        with open(gone, "w") as flag:
            flag.write("GONE")
        try:
            time.sleep(MEMORY_SECONDS + 0.5)
            error = verify_error(client, ALIAS, password)
            assert (error.short, error.message) == ("NoSuchUser", 'there is no user "%s"' % ALIAS), error
        finally:
            os.unlink(gone)
        assert client.verify(ALIAS, password, "dovecot", "192.0.2.5") == entry_id
