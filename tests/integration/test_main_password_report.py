# SPDX-License-Identifier: LGPL-2.1-or-later
"""The report before enforcing, on the real daemon and store: RecordMainPasswordLogin (what
pam_apppass's record_main_password line calls after the main password succeeded) counts logins
per account and service, for the callers of VerifyPassword only, on the bus and on the direct
socket; MainPasswordReport (root only) lists them with whether the account has app passwords
yet; records go 90 days after their last login. And RevokeAllPasswords, whose tombstones say
why (password-changed from the PAM password-change path)."""
import pwd
import subprocess
import time

import pytest

import testenv
from testenv import USER_A, USER_B, USER_VERIFIER, BusCallError, DirectClient, TestEnv

DAY_US = 86400 * 1000000


def error_of(call, *args, **kwargs):
    with pytest.raises(BusCallError) as info:
        call(*args, **kwargs)
    return (info.value.short, info.value.message)


def record(client, user, service, remote_host):
    return client.call("RecordMainPasswordLogin", user, service, remote_host, signature="sss")


def report(client, service="", since=0):
    return client.call("MainPasswordReport", service, since, signature="st")


def without_times(rows):
    return [{k: v for k, v in row.items() if k not in ("first_login", "last_login")} for row in rows]


def test_logins_are_counted_per_account_and_service_with_the_last_host(env, client):
    assert report(client) == []
    before = int(time.time() * 1000000)
    for host in ("192.0.2.1", "192.0.2.2", "192.0.2.3"):
        record(client, USER_A, "dovecot", host)
    record(client, USER_A, "sshd", "")
    record(client, USER_B, "dovecot", "198.51.100.7")
    client.create(USER_B, "phone")
    client.create(USER_B, "laptop")
    uid_a, uid_b = pwd.getpwnam(USER_A).pw_uid, pwd.getpwnam(USER_B).pw_uid
    rows = report(client)
    assert without_times(rows) == [
        {"user": USER_A, "uid": uid_a, "service": "dovecot", "logins": 3, "last_remote_host": "192.0.2.3",
         "app_passwords": 0},
        {"user": USER_B, "uid": uid_b, "service": "dovecot", "logins": 1, "last_remote_host": "198.51.100.7",
         "app_passwords": 2},
        {"user": USER_A, "uid": uid_a, "service": "sshd", "logins": 1, "last_remote_host": "", "app_passwords": 0},
    ]
    after = int(time.time() * 1000000)
    assert before <= rows[0]["first_login"] <= rows[0]["last_login"] <= after
    # One service; and since: a time after every login leaves nothing.
    assert [(r["user"], r["logins"]) for r in report(client, "sshd")] == [(USER_A, 1)]
    assert report(client, "imap") == []
    assert report(client, "", after + 1) == []
    assert len(report(client, "", before)) == 3
    # Written to the store: a restarted daemon still has them.
    env.daemon.stop()
    env.daemon.start()
    assert without_times(report(env.client())) == without_times(rows)


def test_the_verify_group_records_on_the_bus_and_the_direct_socket_and_nobody_else():
    with TestEnv(config={"verify_group": testenv.VERIFY_GROUP}) as env:
        verify_group_records(env)


def verify_group_records(env):
    env.call_as(USER_VERIFIER, "call", "RecordMainPasswordLogin", USER_A, "dovecot", "192.0.2.1",
                signature="sss")
    def record_directly():
        direct = DirectClient(env.direct_socket)
        try:
            return record(direct, USER_A, "dovecot", "192.0.2.2")
        finally:
            direct.close()
    testenv.run_as(USER_VERIFIER, record_directly)
    direct = DirectClient(env.direct_socket)
    try:
        direct.call("RecordMainPasswordLogin", USER_A, "dovecot", "192.0.2.3", signature="sss")
    finally:
        direct.close()
    with pytest.raises(BusCallError) as info:
        env.call_as(USER_A, "call", "RecordMainPasswordLogin", USER_A, "dovecot", "192.0.2.9", signature="sss")
    assert (info.value.short, info.value.message) == (
        "AccessDenied", "only root and members of verify_group may record logins with the main password")
    [row] = report(env.client())
    assert (row["logins"], row["last_remote_host"]) == (3, "192.0.2.3")


def test_the_report_is_for_root_only(env):
    for user in (USER_A, USER_VERIFIER):
        with pytest.raises(BusCallError) as info:
            env.call_as(user, "call", "MainPasswordReport", "", 0, signature="st")
        assert (info.value.short, info.value.message) == (
            "AccessDenied", "only root may read the report of logins with the main password")


def test_malformed_records_are_refused_and_logged_escaped(env, client):
    assert error_of(record, client, USER_A, "", "") == ("InvalidArgument", "invalid service: the service name is empty")
    assert error_of(record, client, USER_A, "dove cot", "")[0] == "InvalidArgument"
    assert error_of(record, client, USER_A, "dovecot", "host\x1b[31m") == (
        "InvalidArgument", "invalid remote host: the remote host contains a control character")
    assert error_of(record, client, "bad\nname", "dovecot", "")[0] == "InvalidArgument"
    assert error_of(record, client, "apppass-nosuchuser", "dovecot", "") == (
        "NoSuchUser", 'there is no user "apppass-nosuchuser"')
    assert error_of(report, client, "bad service")[0] == "InvalidArgument"
    assert report(client) == []
    log = env.daemon.log_text()
    assert "\x1b" not in log and "bad\nname" not in log


def age_main_logins(env, user, days):
    """Moves USER's records DAYS into the past, in the store itself."""
    shift = days * DAY_US
    sql = ("UPDATE %s SET first_login = first_login - %d, last_login = last_login - %d WHERE user_name = '%s'"
           % ("apppass_main_logins" if testenv.POSTGRESQL else "main_logins", shift, shift, user))
    if testenv.POSTGRESQL:
        testenv.sql_on(env.store, sql)
    else:
        subprocess.run(["sqlite3", env.state_dir + "/apppass.db", sql], check=True)


def test_records_are_forgotten_90_days_after_the_last_login():
    with TestEnv() as env:
        client = env.client()
        record(client, USER_A, "dovecot", "192.0.2.1")
        record(client, USER_B, "dovecot", "192.0.2.2")
        assert len(report(client)) == 2
        env.daemon.stop()
        age_main_logins(env, USER_A, 91)
        age_main_logins(env, USER_B, 89)
        env.daemon.start()  # the sweep runs at start
        assert [r["user"] for r in report(env.client())] == [USER_B]


def test_revoke_all_keeps_the_reason_it_is_given(env, client):
    a1, _ = client.create(USER_A, "phone")
    a2, _ = client.create(USER_A, "laptop")
    b1, _ = client.create(USER_B, "tablet")
    assert client.call("RevokeAllPasswords", USER_A, "password-changed", signature="ss") == 2
    assert sorted((r["id"], r["reason"]) for r in client.call("ListRevoked", USER_A, signature="s")) == sorted(
        [(a1, "password-changed"), (a2, "password-changed")])
    assert client.call("RevokeAllPasswords", USER_B, "deleted", signature="ss") == 1
    assert [(r["id"], r["reason"]) for r in client.call("ListRevoked", USER_B, signature="s")] == [(b1, "deleted")]
    assert error_of(client.call, "RevokeAllPasswords", USER_A, "idle", signature="ss") == (
        "InvalidArgument", 'unknown reason "idle"; known: deleted, password-changed')
    # DeleteAllPasswords is as it was: its tombstones say deleted.
    c1, _ = client.create(USER_A, "tablet")
    assert client.delete_all(USER_A) == 1
    assert [r["reason"] for r in client.call("ListRevoked", USER_A, signature="s") if r["id"] == c1] == ["deleted"]
