# SPDX-License-Identifier: LGPL-2.1-or-later
# The pam-auth-update profile apppass-revoke that libpam-apppass ships: once an administrator
# enables it, every tool that changes a password through common-password revokes the user's app
# passwords; chpasswd (root, scripts) and passwd (the user, on a terminal) are tried here, with
# Dovecot as the login that must stop working. Disabled (its default), nothing is revoked.
import json
import pathlib
import re

import pexpect
import pytest

from conftest import login_user
from e2e_support import IMAP_AUTH_FAILED, MAIN_PASSWORD, USER_ENV, imap_login, run

USER = "apppass-e2e-passwd"
COMMON_PASSWORD = pathlib.Path("/etc/pam.d/common-password")
PROFILE = pathlib.Path("/usr/share/pam-configs/apppass-revoke")
REVOKE_LINE = re.compile(r"^password\s+required\s+pam_apppass\.so\s+revoke_on_password_change\s*$", re.M)


@pytest.fixture(scope="module")
def user():
    with login_user(USER, "/bin/bash") as name:
        yield name


@pytest.fixture
def profile_enabled():
    """pam-auth-update --enable apppass-revoke for one test; common-password byte for byte as it
    was afterwards."""
    saved = COMMON_PASSWORD.read_bytes()
    run("pam-auth-update", "--enable", "apppass-revoke")
    try:
        yield
    finally:
        run("pam-auth-update", "--disable", "apppass-revoke")
        assert COMMON_PASSWORD.read_bytes() == saved


def create_as_root(user, name):
    """`apppass --user USER create NAME` by root, standard output not a terminal."""
    result = run("apppass", "--user", user, "create", name, "--service", "dovecot")
    return result.stdout.strip()


def passwd_on_a_terminal(user, current, new):
    """Real passwd run by the user on a pseudo-terminal, answering its three questions. Returns
    (exit status, everything it printed)."""
    env = dict(USER_ENV, HOME=f"/home/{user}", USER=user, LOGNAME=user)
    child = pexpect.spawn("runuser", ["-u", user, "--", "passwd"], env=env, encoding="utf-8",
                          timeout=60)
    child.expect(r"(?i)current password: ")
    child.sendline(current)
    index = child.expect([r"(?i)new password: ", pexpect.EOF])
    if index == 0:
        child.sendline(new)
        child.expect(r"(?i)retype new password: ")
        child.sendline(new)
        child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus, child.before


def test_the_profile_is_shipped_but_not_enabled_on_installation():
    assert PROFILE.is_file()
    assert "Default: no" in PROFILE.read_text().splitlines()
    assert not REVOKE_LINE.search(COMMON_PASSWORD.read_text())


def test_enabled_it_comes_after_the_password_change_itself(profile_enabled):
    lines = [line for line in COMMON_PASSWORD.read_text().splitlines()
             if line.startswith("password")]
    revoke = [i for i, line in enumerate(lines) if REVOKE_LINE.match(line)]
    unix = [i for i, line in enumerate(lines) if "pam_unix.so" in line]
    assert len(revoke) == 1 and unix and unix[-1] < revoke[0], lines


def test_chpasswd_revokes_every_app_password_once_enabled(dovecot, user, profile_enabled):
    phone = create_as_root(user, "Phone")
    laptop = create_as_root(user, "Laptop")
    assert imap_login(dovecot.port, user, phone) == "selected 0"

    run("chpasswd", input=f"{user}:Second-Main-Password-2\n")

    assert imap_login(dovecot.port, user, phone) == f"refused: {IMAP_AUTH_FAILED}"
    assert imap_login(dovecot.port, user, laptop) == f"refused: {IMAP_AUTH_FAILED}"
    assert json.loads(run("apppass", "--user", user, "list", "--json").stdout)["entries"] == []


def test_chpasswd_revokes_nothing_while_disabled(dovecot, user):
    phone = create_as_root(user, "Phone while disabled")
    run("chpasswd", input=f"{user}:{MAIN_PASSWORD}\n")
    assert imap_login(dovecot.port, user, phone) == "selected 0"
    run("apppass", "--user", user, "delete", "--all", "--yes")


def test_passwd_by_the_user_revokes_and_a_failed_change_revokes_nothing(dovecot, user, profile_enabled):
    run("chpasswd", input=f"{user}:{MAIN_PASSWORD}\n")  # before any app password exists
    tablet = create_as_root(user, "Tablet")

    status, printed = passwd_on_a_terminal(user, "not-the-main-password", "Third-Main-Password-3")
    assert status != 0, printed
    assert imap_login(dovecot.port, user, tablet) == "selected 0"

    status, printed = passwd_on_a_terminal(user, MAIN_PASSWORD, "Third-Main-Password-3")
    assert status == 0, printed
    assert "password updated successfully" in printed
    assert imap_login(dovecot.port, user, tablet) == f"refused: {IMAP_AUTH_FAILED}"
