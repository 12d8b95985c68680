# SPDX-License-Identifier: LGPL-2.1-or-later
"""apppass as scripts use it (no terminal): every command and option, its output, its
messages and its exit status, against the real apppassd on a private bus, as real users."""

import calendar
import datetime
import json
import os
import re
import subprocess
import time

import pytest

import testenv

from cli_runner import (ENTRY_ID, PASSWORD, cli, env, listed, ok, run,  # noqa: F401 (fixtures)
                        tool_environment)
from testenv import USER_A, USER_B, USER_DENIED, BusCallError

UNREACHABLE = re.compile(
    r"apppass: apppassd is not running or the system bus cannot be reached \(.+\); "
    r'start it with "systemctl start apppassd" as root\.\n')


def create(env, cli, *args, user=USER_A):
    """Creates an entry without a terminal; returns the password the tool printed."""
    output = ok(env, cli, "create", *args, user=user)
    assert PASSWORD.fullmatch(output.rstrip("\n")) and output.endswith("\n") \
        and output.count("\n") == 1, output
    return output.rstrip("\n")


def now_us():
    return int(time.time() * 1_000_000)


def iso_to_us(text):
    return calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ")) * 1_000_000


# create and list


def test_create_prints_only_the_password_and_list_shows_it_never_used(env, cli):
    before = now_us()
    password = create(env, cli, "iPhone Mail")
    [entry] = listed(env, cli, user=USER_A)
    assert ENTRY_ID.fullmatch(entry["id"])
    assert entry == {
        "id": entry["id"], "name": "iPhone Mail", "created": entry["created"],
        "last_used": None, "last_service": None, "last_remote_host": None,
        "expires": None, "services": [], "networks": [],
        "expire_unused_seconds": None, "stops_if_unused_until": None, "old_password_until": None,
    }
    assert before // 1_000_000 * 1_000_000 <= iso_to_us(entry["created"]) <= now_us()
    # The printed password is the one the daemon stored for this entry.
    assert env.client().verify(USER_A, password, "imap", "") == entry["id"]
    table = ok(env, cli, "list", user=USER_A).splitlines()
    assert table[0].split() == ["ID", "NAME", "CREATED", "LAST", "USED", "EXPIRES", "RESTRICTED", "TO"]
    assert table[1] == "%s  iPhone Mail  just now  just now, imap  never    -" % entry["id"]
    assert len(table) == 2


def test_list_before_verification_says_never(env, cli):
    create(env, cli, "Laptop")
    lines = ok(env, cli, "list", user=USER_A).splitlines()
    assert re.fullmatch(r"[a-z]{8}  Laptop  just now  never      never    -", lines[1]), lines


def test_empty_list_says_how_to_create_one(env, cli):
    assert ok(env, cli, "list", user=USER_A) == \
        "You have no app passwords. Create one with: apppass create NAME\n"
    assert json.loads(ok(env, cli, "list", "--json", user=USER_A)) == {"entries": []}
    assert ok(env, cli, "list", "--names", user=USER_A) == ""


def test_list_names_gives_one_name_per_line(env, cli):
    create(env, cli, "iPhone Mail")
    create(env, cli, "Zoë's laptop")
    assert ok(env, cli, "list", "--names", user=USER_A) == "iPhone Mail\nZoë's laptop\n"


def test_create_json_holds_the_documented_fields(env, cli):
    document = json.loads(ok(env, cli, "create", "Backup", "--service", "dovecot", "--service",
                             "sshd", "--network", "192.0.2.0/24", "--network", "2001:db8::/32",
                             "--expires", "12h", "--json", user=USER_A))
    assert list(document) == ["id", "name", "password", "expires", "expire_unused_seconds", "services",
                              "networks"]
    assert ENTRY_ID.fullmatch(document["id"]) and PASSWORD.fullmatch(document["password"])
    assert (document["name"], document["services"], document["networks"]) == \
        ("Backup", ["dovecot", "sshd"], ["192.0.2.0/24", "2001:db8::/32"])
    assert abs(iso_to_us(document["expires"]) - (now_us() + 12 * 3600 * 10**6)) < 60 * 10**6
    [entry] = listed(env, cli, user=USER_A)
    assert (entry["id"], entry["services"], entry["networks"], entry["expires"]) == \
        (document["id"], ["dovecot", "sshd"], ["192.0.2.0/24", "2001:db8::/32"], document["expires"])
    assert env.client().verify(USER_A, document["password"], "dovecot", "192.0.2.9") == entry["id"]
    lines = ok(env, cli, "list", user=USER_A).splitlines()
    assert lines[1].endswith("  in 11 hours  dovecot, sshd from 192.0.2.0/24, 2001:db8::/32"), lines


def test_list_json_shows_the_last_use(env, cli):
    password = create(env, cli, "Phone", "--network", "192.0.2.0/24")
    entry_id = env.client().verify(USER_A, password, "dovecot", "192.0.2.7")
    [entry] = listed(env, cli, user=USER_A)
    assert (entry["id"], entry["last_service"], entry["last_remote_host"]) == \
        (entry_id, "dovecot", "192.0.2.7")
    assert abs(iso_to_us(entry["last_used"]) - now_us()) < 60 * 10**6
    assert ok(env, cli, "list", user=USER_A).splitlines()[1].endswith(
        "  just now, dovecot from 192.0.2.7  never    from 192.0.2.0/24")


def test_expire_unused_is_shown_in_the_list(env, cli):
    document = json.loads(ok(env, cli, "create", "Rare", "--expire-unused", "30d", "--json", user=USER_A))
    assert document["expire_unused_seconds"] == 30 * 86400
    [entry] = listed(env, cli, user=USER_A)
    assert entry["expire_unused_seconds"] == 30 * 86400
    assert iso_to_us(entry["stops_if_unused_until"]) == iso_to_us(entry["created"]) + 30 * 86400 * 10**6
    line = ok(env, cli, "list", user=USER_A).splitlines()[1]
    assert "  stops working if unused until " in line, line
    e = run(env, cli, "create", "Bad", "--expire-unused", "2027-01-01", user=USER_A)
    assert (e.returncode, e.stdout) == (2, "")
    assert e.stderr == "apppass: --expire-unused takes a duration such as 30d, 12w or 1y, or never.\n"


def test_revoked_passwords_are_listed_and_forgotten(env, cli):
    password = create(env, cli, "Old Laptop")
    [entry] = listed(env, cli, user=USER_A)
    assert ok(env, cli, "delete", "Old Laptop", "--yes", user=USER_A) == 'Deleted app password "Old Laptop".\n'
    assert ok(env, cli, "list", "--revoked", user=USER_A) == \
        "ID        NAME        REVOKED   REASON   SINCE THEN\n" \
        "%s  Old Laptop  just now  deleted  not tried since\n" % entry["id"]
    for _ in range(14):
        try:
            env.client().verify(USER_A, password, "dovecot", "203.0.113.7")
        except Exception as e:  # noqa: B902 - the daemon's answer is checked in tests/integration
            assert "Revoked" in str(e)
    line = ok(env, cli, "list", "--revoked", user=USER_A).splitlines()[1]
    assert line.endswith("deleted  still tried 14 times, last from 203.0.113.7 via dovecot just now"), line
    [record] = json.loads(ok(env, cli, "list", "--revoked", "--json", user=USER_A))["revoked"]
    assert list(record) == ["id", "name", "revoked", "reason", "attempts", "last_attempt", "last_attempt_service",
                            "last_attempt_remote_host"]
    assert (record["id"], record["reason"], record["attempts"], record["last_attempt_service"],
            record["last_attempt_remote_host"]) == (entry["id"], "deleted", 14, "dovecot", "203.0.113.7")
    assert ok(env, cli, "delete", "--revoked", entry["id"], user=USER_A) == "Forgot 1 revoked app password.\n"
    assert ok(env, cli, "list", "--revoked", user=USER_A) == "You have no revoked app passwords on record.\n"
    create(env, cli, "a")
    create(env, cli, "b")
    ok(env, cli, "delete", "--all", "--yes", user=USER_A)
    assert ok(env, cli, "delete", "--all-revoked", user=USER_A) == "Forgot 2 revoked app passwords.\n"


def test_rename_and_rotate(env, cli):
    old = create(env, cli, "Phone")
    [entry] = listed(env, cli, user=USER_A)
    assert ok(env, cli, "rename", "Phone", "Old Phone", user=USER_A) == \
        'Renamed app password "Phone" to "Old Phone".\n'
    new = ok(env, cli, "rotate", entry["id"], user=USER_A).rstrip("\n")
    assert PASSWORD.fullmatch(new) and new != old
    [entry] = listed(env, cli, user=USER_A)
    assert entry["name"] == "Old Phone" and entry["old_password_until"] is not None
    assert "  old password still accepted until " in ok(env, cli, "list", user=USER_A).splitlines()[1]
    assert env.client().verify(USER_A, old, "imap", "") == entry["id"]
    assert env.client().verify(USER_A, new, "imap", "") == entry["id"]
    assert listed(env, cli, user=USER_A)[0]["old_password_until"] is None
    document = json.loads(ok(env, cli, "rotate", "Old Phone", "--json", user=USER_A))
    assert list(document) == ["id", "name", "password", "old_password_until"]
    assert (document["id"], document["name"]) == (entry["id"], "Old Phone")
    assert env.client().verify(USER_A, document["password"], "imap", "") == entry["id"]
    e = run(env, cli, "rotate", "nothing", user=USER_A)
    assert (e.returncode, e.stdout) == (1, "")
    # --now: the old password ends with the rotation, no grace.
    before = document["password"]
    document = json.loads(ok(env, cli, "rotate", "Old Phone", "--now", "--json", user=USER_A))
    assert document["old_password_until"] is None
    with pytest.raises(BusCallError) as ended:
        env.client().verify(USER_A, before, "imap", "")
    assert ended.value.short == "Revoked"
    assert env.client().verify(USER_A, document["password"], "imap", "") == entry["id"]


def test_list_all_users_is_the_administrators_overview(env, cli):
    create(env, cli, "Phone")
    create(env, cli, "Laptop", user=USER_B)
    [entry] = listed(env, cli, user=USER_A)
    env.client().verify(USER_A, env.client().call("RotatePassword", USER_A, entry["id"], {}, signature="ssa{sv}"),
                        "dovecot", "192.0.2.5")
    users = json.loads(ok(env, cli, "list", "--all-users", "--json"))["users"]
    assert [(u["user"], u["entries"], u["last_service"], u["last_remote_host"], u["revoked_still_tried"])
            for u in users] == [(USER_A, 1, "dovecot", "192.0.2.5", 0), (USER_B, 1, None, None, 0)]
    assert list(users[0]) == ["user", "uid", "entries", "newest_created", "last_used", "last_service",
                              "last_remote_host", "revoked_still_tried"]
    table = ok(env, cli, "list", "--all-users").splitlines()
    assert table[0].split() == ["USER", "UID", "ENTRIES", "NEWEST", "LAST", "USED", "REVOKED", "STILL", "TRIED"]
    assert table[1].startswith(USER_A) and "just now, dovecot from 192.0.2.5" in table[1]
    assert ok(env, cli, "list", "--all-users", "--names") == "%s\n%s\n" % (USER_A, USER_B)
    e = run(env, cli, "list", "--all-users", user=USER_A)
    assert (e.returncode, e.stdout) == (1, "")
    assert e.stderr == "apppass: Not allowed: only root may list the users who have app passwords.\n"


def test_report_lists_who_still_uses_the_main_password(env, cli):
    assert ok(env, cli, "report") == (
        "Nobody logged in with the main password (as far as record_main_password lines reported).\n")
    client = env.client()
    for host in ("192.0.2.1", "192.0.2.2"):
        client.call("RecordMainPasswordLogin", USER_A, "dovecot", host, signature="sss")
    client.call("RecordMainPasswordLogin", USER_B, "sshd", "", signature="sss")
    create(env, cli, "Phone", user=USER_B)
    rows = json.loads(ok(env, cli, "report", "--json"))["logins"]
    assert [(r["service"], r["user"], r["logins"], r["last_remote_host"], r["app_passwords"]) for r in rows] == [
        ("dovecot", USER_A, 2, "192.0.2.2", 0), ("sshd", USER_B, 1, None, 1)]
    assert list(rows[0]) == ["service", "user", "uid", "logins", "first_login", "last_login", "last_remote_host",
                             "app_passwords"]
    table = ok(env, cli, "report").splitlines()
    assert table[0].split() == ["SERVICE", "USER", "LOGINS", "LAST", "LOGIN", "LAST", "HOST", "APP", "PASSWORDS"]
    assert table[1].split() == ["dovecot", USER_A, "2", "just", "now", "192.0.2.2", "none", "yet"]
    assert table[2].split() == ["sshd", USER_B, "1", "just", "now", "-", "1"]
    assert [r["user"] for r in json.loads(ok(env, cli, "report", "--service", "sshd", "--json"))["logins"]] == [USER_B]
    assert len(json.loads(ok(env, cli, "report", "--since", "1h", "--json"))["logins"]) == 2
    assert ok(env, cli, "report", "--service", "imap", "--no-legend") == ""
    e = run(env, cli, "report", "--since", "2027-01-31")
    assert (e.returncode, e.stderr) == (2, "apppass: --since takes a duration such as 30d, 12w or 12h.\n")
    e = run(env, cli, "report", user=USER_A)
    assert (e.returncode, e.stdout) == (1, "")
    assert e.stderr == "apppass: Not allowed: only root may read the report of logins with the main password.\n"


# the limit and the name rules


def test_create_at_the_limit_fails_with_the_limit_message(env, cli):
    for name in ("one", "two", "three"):
        create(env, cli, name)
    result = run(env, cli, "create", "four", user=USER_A)
    assert (result.returncode, result.stdout) == (1, "")
    assert re.fullmatch(r'apppass: .*\b3\b.* \("apppass list" shows them, '
                        r'"apppass delete ID\|NAME" deletes one\)\.\n', result.stderr), result.stderr
    assert [e["name"] for e in listed(env, cli, user=USER_A)] == ["one", "two", "three"]


def assert_usage_error(result, message):
    assert (result.returncode, result.stdout, result.stderr) == (2, "", message)


def test_name_rules(env, cli):
    create(env, cli, "x" * 64)
    assert_usage_error(run(env, cli, "create", "", user=USER_A),
                       "apppass: NAME: the name is empty; name the app password after the device "
                       "or program that will use it (see \"apppass --help\").\n")
    assert_usage_error(run(env, cli, "create", "y" * 65, user=USER_A),
                       "apppass: NAME: the name is longer than 64 characters (see \"apppass --help\").\n")
    assert_usage_error(run(env, cli, "create", "tab\there", user=USER_A),
                       "apppass: NAME: the name contains a control character (see \"apppass --help\").\n")
    assert_usage_error(run(env, cli, "create", "esc\x1b[31m", user=USER_A),
                       "apppass: NAME: the name contains a control character (see \"apppass --help\").\n")
    duplicate = run(env, cli, "create", "x" * 64, user=USER_A)
    assert (duplicate.returncode, duplicate.stdout) == (1, "")
    assert re.fullmatch(r'apppass: .*"%s".*\.\n' % ("x" * 64), duplicate.stderr), duplicate.stderr
    assert [e["name"] for e in listed(env, cli, user=USER_A)] == ["x" * 64]


def test_a_name_is_unique_per_user_not_per_host(env, cli):
    create(env, cli, "Mail", user=USER_A)
    create(env, cli, "Mail", user=USER_B)
    assert [e["name"] for e in listed(env, cli, user=USER_B)] == ["Mail"]


# --expires, --service, --network


def test_expiry_as_a_duration(env, cli):
    for text, seconds in (("12h", 12 * 3600), ("90d", 90 * 86400), ("2w", 14 * 86400),
                          ("1y", 365 * 86400)):
        ok(env, cli, "delete", "--all", "--yes", user=USER_A)
        create(env, cli, "e" + text, "--expires", text)
        [entry] = listed(env, cli, user=USER_A)
        assert abs(iso_to_us(entry["expires"]) - (now_us() + seconds * 10**6)) < 60 * 10**6, text


def test_expiry_as_a_date_is_local_midnight(env, cli):
    day = datetime.date.today() + datetime.timedelta(days=400)
    create(env, cli, "Until then", "--expires", day.isoformat())
    [entry] = listed(env, cli, user=USER_A)
    assert entry["expires"] == day.isoformat() + "T00:00:00Z"  # TZ=UTC for the tool
    # In another zone, the same date is that zone's midnight.
    berlin = run(env, cli, "create", "Berlin", "--expires", day.isoformat(), "--json", user=USER_A,
                 environment=tool_environment(env, TZ="Europe/Berlin"))
    expires = json.loads(berlin.stdout)["expires"]
    assert expires in ((day - datetime.timedelta(days=1)).isoformat() + "T23:00:00Z",
                       (day - datetime.timedelta(days=1)).isoformat() + "T22:00:00Z")


def test_invalid_expiry_is_a_usage_error(env, cli):
    accepted = ('use a number with h (hours), d (days), w (weeks) or y (years), like 90d, '
                'or a date like 2027-01-31, or "never".\n')
    assert_usage_error(run(env, cli, "create", "a", "--expires", "90x", user=USER_A),
                       'apppass: --expires "90x": ' + accepted)
    assert_usage_error(run(env, cli, "create", "a", "--expires", "0d", user=USER_A),
                       'apppass: --expires "0d": the duration must be longer than zero.\n')
    assert_usage_error(run(env, cli, "create", "a", "--expires", "2027-02-30", user=USER_A),
                       'apppass: --expires "2027-02-30": there is no such day.\n')
    assert_usage_error(run(env, cli, "create", "a", "--expires", "2020-01-01", user=USER_A),
                       'apppass: --expires "2020-01-01": that day has already begun; '
                       'give a date in the future.\n')
    assert_usage_error(run(env, cli, "create", "a", "--expires", "31.01.2027", user=USER_A),
                       'apppass: --expires "31.01.2027": ' + accepted)
    assert listed(env, cli, user=USER_A) == []


def test_invalid_service_and_network_are_usage_errors(env, cli):
    assert_usage_error(run(env, cli, "create", "a", "--service", "bad/name", user=USER_A),
                       "apppass: --service: the service name may contain only letters, digits, "
                       "'.', '_', '+' and '-' (see \"apppass --help\").\n")
    network = run(env, cli, "create", "a", "--network", "300.1.1.1/8", user=USER_A)
    assert (network.returncode, network.stdout) == (2, "")
    assert re.fullmatch(r'apppass: .*"300\.1\.1\.1/8".*\.\n', network.stderr), network.stderr
    assert listed(env, cli, user=USER_A) == []


def test_a_repeated_option_takes_one_value_each_time(env, cli):
    # A name after --service is the name, not a second service.
    create(env, cli, "--service", "dovecot", "Mail")
    [entry] = listed(env, cli, user=USER_A)
    assert (entry["name"], entry["services"]) == ("Mail", ["dovecot"])


# delete


def test_delete_by_id_and_by_name(env, cli):
    create(env, cli, "iPhone Mail")
    create(env, cli, "Laptop")
    create(env, cli, "Tablet")
    laptop_id = listed(env, cli, user=USER_A)[1]["id"]
    assert ok(env, cli, "delete", "--yes", laptop_id, user=USER_A) == 'Deleted app password "Laptop".\n'
    assert ok(env, cli, "delete", "iPhone Mail", "-y", user=USER_A) == \
        'Deleted app password "iPhone Mail".\n'
    assert [e["name"] for e in listed(env, cli, user=USER_A)] == ["Tablet"]


def test_deleting_what_does_not_exist_fails(env, cli):
    create(env, cli, "Laptop")
    result = run(env, cli, "delete", "--yes", "Desktop", user=USER_A)
    assert (result.returncode, result.stdout, result.stderr) == (
        1, "", 'apppass: there is no app password with the id or name "Desktop"; '
               '"apppass list" shows the ids and names.\n')
    # Another user's entry is not found either: names and ids are looked up per user.
    result = run(env, cli, "delete", "--yes", "Laptop", user=USER_B)
    assert result.returncode == 1
    assert len(listed(env, cli, user=USER_A)) == 1


def test_a_name_that_is_another_entrys_id_is_refused(env, cli):
    create(env, cli, "first")
    first_id = listed(env, cli, user=USER_A)[0]["id"]
    create(env, cli, first_id)
    assert_usage_error(run(env, cli, "delete", "--yes", first_id, user=USER_A),
                       'apppass: "%s" is the id of one app password and the name of another; '
                       'delete by id ("apppass list" shows them).\n' % first_id)
    assert len(listed(env, cli, user=USER_A)) == 2


def test_delete_without_terminal_and_without_yes_refuses(env, cli):
    create(env, cli, "Laptop")
    refusal = ("apppass: refusing to delete without confirmation: standard input is not a "
               "terminal; add --yes to delete without being asked.\n")
    assert_usage_error(run(env, cli, "delete", "Laptop", user=USER_A), refusal)
    assert_usage_error(run(env, cli, "delete", "--all", user=USER_A), refusal)
    # Not even an answer on standard input counts when it is not a terminal.
    assert_usage_error(run(env, cli, "delete", "Laptop", user=USER_A, stdin=open("/dev/zero")), refusal)
    assert [e["name"] for e in listed(env, cli, user=USER_A)] == ["Laptop"]


def test_delete_all(env, cli):
    create(env, cli, "one")
    create(env, cli, "two")
    create(env, cli, "other", user=USER_B)
    assert ok(env, cli, "delete", "--all", "--yes", user=USER_A) == "Deleted 2 app passwords.\n"
    assert listed(env, cli, user=USER_A) == []
    assert [e["name"] for e in listed(env, cli, user=USER_B)] == ["other"]
    assert ok(env, cli, "delete", "--all", "--yes", user=USER_A) == "Deleted 0 app passwords.\n"


def test_delete_needs_a_target_and_not_two(env, cli):
    assert_usage_error(run(env, cli, "delete", "--yes", user=USER_A),
                       "apppass: say which app password to delete: its ID or NAME, or --all "
                       "for every one.\n")
    result = run(env, cli, "delete", "--all", "Laptop", user=USER_A)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith("apppass: ") and "--all" in result.stderr


# --user


def test_user_as_root_acts_on_that_users_entries(env, cli):
    password = ok(env, cli, "--user", USER_A, "create", "Made by root").strip()
    assert PASSWORD.fullmatch(password)
    assert [e["name"] for e in listed(env, cli, user=USER_A)] == ["Made by root"]
    assert [e["name"] for e in json.loads(ok(env, cli, "--user", USER_A, "list", "--json"))
            ["entries"]] == ["Made by root"]
    assert listed(env, cli) == []  # root's own entries are another list
    assert ok(env, cli, "--user", USER_A, "delete", "--yes", "Made by root") == \
        'Deleted app password "Made by root" of %s.\n' % USER_A
    assert ok(env, cli, "--user", USER_A, "list") == \
        "%s has no app passwords. Create one with: apppass --user %s create NAME\n" % (USER_A, USER_A)


def test_user_as_another_user_is_refused(env, cli):
    create(env, cli, "Bob's phone", user=USER_B)
    # delete by name looks the name up first, so the daemon refuses the listing: reading and
    # changing another user's entries are one authorisation.
    refused = "only root, or who polkit authorises for org.apppass.AppPass1.manage-others, may %s"
    for action, who in ((["list"], refused % "list"), (["list", "--revoked"], refused % "list"),
                        (["create", "sneaky"], refused % "create"),
                        (["delete", "--yes", "Bob's phone"], refused % "list"),
                        (["delete", "--all", "--yes"], refused % "delete")):
        result = run(env, cli, "--user", USER_B, *action, user=USER_A)
        assert (result.returncode, result.stdout, result.stderr) == (
            1, "", "apppass: Not allowed: %s the app passwords of another user.\n" % who), action
    assert [e["name"] for e in listed(env, cli, user=USER_B)] == ["Bob's phone"]


def test_user_that_does_not_exist(env, cli):
    result = run(env, cli, "--user", "apppass-nobody", "list")
    assert (result.returncode, result.stdout, result.stderr) == (
        1, "", 'apppass: there is no user "apppass-nobody".\n')
    assert_usage_error(run(env, cli, "--user", "bad:name", "list"),
                       "apppass: --user: the user name contains a character that is not allowed "
                       "in a login name (see \"apppass --help\").\n")


def test_a_denied_user_is_told_why(env, cli):
    result = run(env, cli, "create", "Phone", user=USER_DENIED)
    assert (result.returncode, result.stdout) == (1, "")
    assert re.fullmatch(r"apppass: Not allowed: .*apppass-denied.*\.\n", result.stderr), result.stderr


# the daemon away


def test_daemon_not_running(env, cli):
    env.daemon.stop()
    for action in (["list"], ["create", "Phone"], ["delete", "--yes", "Phone"], ["list", "--json"]):
        result = run(env, cli, *action, user=USER_A)
        assert (result.returncode, result.stdout) == (1, ""), action
        assert UNREACHABLE.fullmatch(result.stderr), result.stderr


@pytest.mark.skipif(not testenv.POSTGRESQL, reason="only a database server can stop under a running daemon")
def test_database_down_is_reported_and_changes_nothing(env, cli):
    create(env, cli, "Phone")
    subprocess.run(os.environ["APPPASS_TEST_POSTGRESQL_STOP"], shell=True, check=True)
    try:
        for action in (["list"], ["create", "Laptop"], ["delete", "--yes", "Phone"]):
            result = run(env, cli, *action, user=USER_A)
            assert (result.returncode, result.stdout) == (1, ""), action
            assert re.fullmatch(r"apppass: apppassd cannot use its store: the app password database [^\n]+; "
                                r'"journalctl -u apppassd" tells the administrator more\.\n',
                                result.stderr), result.stderr
        assert env.daemon.process.poll() is None  # it keeps running
    finally:
        subprocess.run(os.environ["APPPASS_TEST_POSTGRESQL_START"], shell=True, check=True)
    # Back by itself (a reconnection at most once a second): a bounded wait, then exactly what
    # was there before.
    for _ in range(50):
        if run(env, cli, "list", user=USER_A).returncode == 0:
            break
        time.sleep(0.1)
    assert [e["name"] for e in listed(env, cli, user=USER_A)] == ["Phone"]


def test_no_system_bus_at_all(env, cli):
    result = run(env, cli, "list", user=USER_A, environment=tool_environment(
        env, DBUS_SYSTEM_BUS_ADDRESS="unix:path=/nonexistent/socket"))
    assert (result.returncode, result.stdout) == (1, "")
    assert UNREACHABLE.fullmatch(result.stderr), result.stderr
    assert "cannot connect to the system bus" in result.stderr


# help, version, usage


def test_help_and_version(env, cli):
    assert ok(env, cli, "--version") == "apppass 0.1.0\n"
    top = ok(env, cli, "--help")
    assert top.startswith("Create, list and delete the app passwords of your account")
    for command in ("create", "list", "delete", "--user LOGIN", "Exit status: 0 done, 1 failed, 2 usage error"):
        assert command in top
    for command, options in (("create", ["--service SERVICE", "--network CIDR", "--expires WHEN", "--json"]),
                             ("list", ["--json", "--names"]),
                             ("delete", ["--all", "--yes"])):
        text = ok(env, cli, command, "--help")
        assert "Usage: apppass %s" % command in text
        for option in options:
            assert option in text, (command, option)


def test_usage_errors_exit_2(env, cli):
    for args in ([], ["frobnicate"], ["list", "--bogus"], ["create"], ["list", "--json", "--names"],
                 ["list", "--user", USER_A]):
        result = run(env, cli, *args, user=USER_A)
        assert (result.returncode, result.stdout) == (2, ""), args
        assert result.stderr.startswith("apppass: ") and \
            result.stderr.endswith('(see "apppass --help").\n') and \
            result.stderr.count("\n") == 1, (args, result.stderr)
