# SPDX-License-Identifier: LGPL-2.1-or-later
"""An app password belongs to the account it was made for, not to a uid: when the account is
removed and its uid given to a new account, the new account cannot log in with the old one's
app passwords, and `apppass purge-orphans` removes what the gone accounts left. Real accounts
made with useradd and removed with userdel (under the system lock, as every helper that
touches /etc/passwd), the real daemon, real PAM (pamtester with pam_wrapper)."""
import os
import pwd
import random
import subprocess

import pytest

import testenv
from testenv import USER_A, BusCallError

MODULE = os.environ["APPPASS_PAM_MODULE"]
CLI = os.path.join(testenv.BUILD_DIR, "tools", "apppass", "apppass")
# Names of this run only: other checkouts may run this test at the same time on this machine.
OLD = "apppass-gone%d" % os.getpid()
NEW = "apppass-new%d" % os.getpid()
SYSTEM_LOCK = "/tmp/apppass-system.lock"


def as_system(*argv):
    subprocess.run(["flock", SYSTEM_LOCK] + list(argv), check=True, stdout=subprocess.DEVNULL)


def remove_account(name):
    # 6: no such user, which is what is wanted.
    done = subprocess.run(["flock", SYSTEM_LOCK, "userdel", name], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)
    assert done.returncode in (0, 6), "userdel %s: exit status %d" % (name, done.returncode)


def free_uid():
    """A uid no account has, picked at random so that concurrent runs rarely pick the same one
    (add_account_with_a_free_uid retries when one did)."""
    taken = {p.pw_uid for p in pwd.getpwall()}
    return random.choice([uid for uid in range(59000, 60000) if uid not in taken])


@pytest.fixture
def accounts():
    for name in (OLD, NEW):
        remove_account(name)
    yield
    for name in (OLD, NEW):
        remove_account(name)


def add_account(name, uid):
    # No group of its own: nothing left behind that a later useradd could trip over.
    as_system("useradd", "--uid", str(uid), "--no-user-group", "--no-create-home", "--shell",
              "/usr/sbin/nologin", name)


def add_account_with_a_free_uid(name):
    for _ in range(20):
        uid = free_uid()
        done = subprocess.run(["flock", SYSTEM_LOCK, "useradd", "--uid", str(uid), "--no-user-group",
                               "--no-create-home", "--shell", "/usr/sbin/nologin", name],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if done.returncode == 0:
            return uid
        assert done.returncode == 4, "useradd %s: exit status %d" % (name, done.returncode)  # 4: uid taken
    raise RuntimeError("no free uid for " + name)


def pam_login(env, user, password):
    return testenv.pam_login(env, MODULE, user, password, "imap")


def error_of(call):
    with pytest.raises(BusCallError) as info:
        call()
    return info.value


def test_a_reused_uid_does_not_inherit_the_old_accounts_app_passwords(env, accounts):
    uid = add_account_with_a_free_uid(OLD)
    entry_id, password = env.client().create(OLD, "old phone")
    assert pam_login(env, OLD, password) == 0
    remove_account(OLD)
    add_account(NEW, uid)
    e = error_of(lambda: env.client().verify(NEW, password, "imap", "192.0.2.7"))
    assert e.short == "Revoked"
    assert e.message == 'app password "old phone" was made for the account %s, which no longer exists' % OLD
    assert "(%s) of %s ended at its use: account-removed" % (entry_id, OLD) in env.daemon.log_text()
    # The entry is gone for good, so the new account starts with nothing, and does not even see
    # the old account's revoked passwords.
    assert env.client().list(NEW) == []
    assert env.client().call("ListRevoked", NEW, signature="s") == []
    assert pam_login(env, NEW, password) != 0
    assert error_of(lambda: env.client().verify(NEW, password, "imap", "")).short == "NoAppPasswords"


def test_an_account_keeps_its_app_passwords_under_its_own_name(env, accounts):
    uid = add_account_with_a_free_uid(OLD)
    entry_id, password = env.client().create(OLD, "laptop")
    assert env.client().verify(OLD, password, "imap", "") == entry_id
    assert [e["id"] for e in env.client().list(OLD)] == [entry_id]


def test_a_deleted_account_is_refused_at_its_very_next_login(env, accounts):
    """VerifyPassword remembers the account it looked up (nss_memo.hh) only while /etc/passwd is
    unchanged: userdel rewrites it, so the very next login is refused, with no wait."""
    add_account_with_a_free_uid(OLD)
    entry_id, password = env.client().create(OLD, "phone")
    assert env.client().verify(OLD, password, "imap", "") == entry_id
    remove_account(OLD)
    e = error_of(lambda: env.client().verify(OLD, password, "imap", ""))
    assert (e.short, e.message) == ("NoSuchUser", 'there is no user "%s"' % OLD)


def test_a_renamed_account_is_refused_under_its_old_name_at_once(env, accounts):
    add_account_with_a_free_uid(OLD)
    entry_id, password = env.client().create(OLD, "phone")
    assert env.client().verify(OLD, password, "imap", "") == entry_id
    as_system("usermod", "--login", NEW, OLD)
    e = error_of(lambda: env.client().verify(OLD, password, "imap", ""))
    assert (e.short, e.message) == ("NoSuchUser", 'there is no user "%s"' % OLD)


def test_purge_orphans_removes_what_gone_accounts_left_and_is_for_root_only(env, accounts):
    uid = add_account_with_a_free_uid(OLD)
    env.client().create(OLD, "one")
    env.client().create(OLD, "two")
    kept_id, kept = env.client().create(USER_A, "kept")
    assert env.client().call("PurgeOrphans", signature="") == []
    remove_account(OLD)
    assert error_of(lambda: env.call_as(USER_A, "call", "PurgeOrphans", signature="")).short == "AccessDenied"
    assert env.client().call("PurgeOrphans", signature="") == [{"user": OLD, "uid": uid, "entries": 2}]
    assert env.client().call("PurgeOrphans", signature="") == []
    assert env.client().verify(USER_A, kept, "imap", "") == kept_id


def test_purge_orphans_on_the_command_line(env, accounts):
    uid = add_account_with_a_free_uid(OLD)
    env.client().create(OLD, "one")
    remove_account(OLD)
    done = subprocess.run([CLI, "purge-orphans"], capture_output=True, text=True, env=env.environ(), timeout=60)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == "Removed 1 app password of %s (uid %d), whose account no longer exists.\n" % (OLD, uid)
    done = subprocess.run([CLI, "purge-orphans", "--json"], capture_output=True, text=True, env=env.environ(),
                          timeout=60)
    assert (done.returncode, done.stdout) == (0, '{\n  "purged": []\n}\n')
