# SPDX-License-Identifier: LGPL-2.1-or-later
# Dovecot IMAP with passdb pam and the app-passwords-only example stack as /etc/pam.d/dovecot,
# through Python's imaplib. Each refusal is also checked in Dovecot's log, so that a test
# cannot pass because of something else (throttling, a dead daemon): the PAM answer must be
# PAM_AUTH_ERR. Failures come from their own 127.0.0.x so that they do not add up in the
# daemon's throttle.
import json
import re

from conftest import EXAMPLES, PamStack
from e2e_support import (IMAP_AUTH_FAILED, MAIN_PASSWORD, create_password, imap_login,
                         list_entries, run, run_as)

REFUSED = f"refused: {IMAP_AUTH_FAILED}"


def pam_failed(user, source):
    return (rf"pam\({re.escape(user)},{re.escape(source)}(,<[^>]*>)?\): "
            r"pam_authenticate\(\) failed: Authentication failure")


def logged_in(user, source):
    return rf"imap-login: Info: Login: user=<{re.escape(user)}>, method=PLAIN, rip={re.escape(source)},"


def refused_with_auth_error(dovecot, user, password, source):
    dovecot.log.mark()
    assert imap_login(dovecot.port, user, password, source) == REFUSED
    dovecot.log.wait_for(pam_failed(user, source))


def test_login_with_app_password_selects_inbox_and_records_the_use(dovecot, users):
    user = users["mail"]
    password = create_password(user, "Phone mail")
    dovecot.log.mark()
    assert imap_login(dovecot.port, user, password, "127.0.0.1") == "selected 0"
    dovecot.log.wait_for(logged_in(user, "127.0.0.1"))

    entry = list_entries(user)["Phone mail"]
    assert (entry["last_service"], entry["last_remote_host"]) == ("dovecot", "127.0.0.1")
    assert entry["last_used"] is not None

    # As a person types it from the screen: groups of four, upper case.
    typed = " ".join(password[i:i + 4] for i in range(0, 24, 4)).upper()
    assert imap_login(dovecot.port, user, typed, "127.0.0.1") == "selected 0"


def test_wrong_app_password_fails(dovecot, users):
    user = users["mail"]
    # Well-formed, but none of the user's (who has two by now).
    wrong = "abcdefghjkmnpqrstuvwxyza"
    assert create_password(user, "Second device") != wrong
    refused_with_auth_error(dovecot, user, wrong, "127.0.0.2")


def test_main_password_fails(dovecot, users):
    refused_with_auth_error(dovecot, users["mail"], MAIN_PASSWORD, "127.0.0.3")


def test_deleted_app_password_fails_and_list_shows_the_last_use(dovecot, users):
    user = users["mail"]
    password = create_password(user, "Old tablet")
    assert imap_login(dovecot.port, user, password, "127.0.0.1") == "selected 0"

    result = run_as(user, "apppass", "delete", "--yes", "Old tablet")
    assert result.returncode == 0, result.stderr
    refused_with_auth_error(dovecot, user, password, "127.0.0.4")

    entries = list_entries(user)
    assert sorted(entries) == ["Phone mail", "Second device"]
    phone = entries["Phone mail"]
    assert (phone["last_service"], phone["last_remote_host"]) == ("dovecot", "127.0.0.1")
    assert entries["Second device"]["last_used"] is None

    # The table a person reads: the entry's row names the service and the host.
    table = run_as(user, "apppass", "list")
    assert table.returncode == 0, table.stderr
    (row,) = [line for line in table.stdout.splitlines() if line.startswith(phone["id"])]
    assert "dovecot from 127.0.0.1" in row
    (row,) = [line for line in table.stdout.splitlines()
              if line.startswith(entries["Second device"]["id"])]
    assert "never" in row
    assert "Old tablet" not in table.stdout


def test_a_main_password_login_shows_up_in_apppass_report(dovecot, users):
    """The report before enforcing, with the real Dovecot: the documented stack with a
    record_main_password line (dovecot-report-main-password) lets a user without app passwords
    in with the main password, and root's `apppass report` then names that login, its host and
    that the user has no app passwords yet. A wrong main password is neither let in nor counted."""
    user = users["reauth"]  # no app passwords: test_60_reauth.py is the only one to make any
    assert list_entries(user) == {}
    stack = PamStack("dovecot", (EXAMPLES / "dovecot-report-main-password").read_text())
    try:
        dovecot.log.mark()
        assert imap_login(dovecot.port, user, MAIN_PASSWORD, "127.0.0.5") == "selected 0"
        dovecot.log.wait_for(logged_in(user, "127.0.0.5"))
        refused_with_auth_error(dovecot, user, "Not-The-Main-Password-7", "127.0.0.6")
    finally:
        stack.restore()  # back to the app-passwords-only stack of the fixture
    result = run("apppass", "report", "--service", "dovecot", "--json")
    rows = [r for r in json.loads(result.stdout)["logins"] if r["user"] == user]
    assert [(r["service"], r["logins"], r["last_remote_host"], r["app_passwords"]) for r in rows] == [
        ("dovecot", 1, "127.0.0.5", 0)]
    table = run("apppass", "report", "--service", "dovecot").stdout
    (row,) = [line for line in table.splitlines() if line.split()[1:2] == [user]]
    assert "127.0.0.5" in row and row.rstrip().endswith("none yet")
