# SPDX-License-Identifier: LGPL-2.1-or-later
"""A locked or expired account's app passwords are refused: the real daemon, a real user whose
shadow entry is changed with usermod -L and chage -E 0 (apppass-dave, used by no other test),
and put back after each test."""
import subprocess

import pytest

from testenv import MAIN_PASSWORD, USER_LOCKABLE, BusCallError

USER = USER_LOCKABLE
HOST = "192.0.2.77"


def shadow_tool(*args):
    subprocess.run(list(args), check=True, timeout=30)


@pytest.fixture
def unlocked_user():
    shadow_tool("usermod", "-U", USER)
    shadow_tool("chage", "-E", "-1", USER)
    yield USER
    shadow_tool("usermod", "-U", USER)
    shadow_tool("chage", "-E", "-1", USER)


def refusal(client, password):
    with pytest.raises(BusCallError) as info:
        client.verify(USER, password, "dovecot", HOST)
    return info.value


def test_a_locked_account_has_its_app_passwords_refused(client, unlocked_user):
    entry_id, password = client.create(USER, "phone")
    assert client.verify(USER, password, "dovecot", HOST) == entry_id
    shadow_tool("usermod", "-L", USER)
    # More refusals than the free failures: a lock is not counted as guessing.
    for _ in range(5):
        error = refusal(client, password)
        assert error.short == "BadPassword", error
        assert "is locked" in error.message
    # Wrong passwords get the same answer: the lock is no oracle.
    assert refusal(client, "abcd" * 6).short == "BadPassword"
    shadow_tool("usermod", "-U", USER)
    assert client.verify(USER, password, "dovecot", HOST) == entry_id


def test_an_expired_account_has_its_app_passwords_refused(client, unlocked_user):
    entry_id, password = client.create(USER, "phone")
    shadow_tool("chage", "-E", "0", USER)
    error = refusal(client, password)
    assert error.short == "BadPassword" and "has expired" in error.message, error
    shadow_tool("chage", "-E", "-1", USER)
    assert client.verify(USER, password, "dovecot", HOST) == entry_id


def test_a_locked_account_without_app_passwords_still_goes_on_to_its_main_password(client, unlocked_user):
    # Nothing changes for a user without entries: NoAppPasswords, and the stack's pam_unix then
    # refuses the locked main password as it always did.
    shadow_tool("usermod", "-L", USER)
    error = refusal(client, "abcd" * 6)
    assert error.short == "NoAppPasswords", error


def test_an_account_that_never_had_a_main_password_is_not_locked(client, unlocked_user):
    # useradd's default "!" alone: nothing was locked, the account may use app passwords only.
    entry_id, password = client.create(USER, "robot")
    try:
        shadow_tool("usermod", "-p", "!", USER)
        assert client.verify(USER, password, "dovecot", HOST) == entry_id
    finally:
        subprocess.run(["chpasswd"], input=("%s:%s\n" % (USER, MAIN_PASSWORD)).encode(),
                       check=True, timeout=30)
