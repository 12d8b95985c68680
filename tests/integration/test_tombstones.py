# SPDX-License-Identifier: LGPL-2.1-or-later
"""What is left of an app password after it stops being valid: a deleted, expired or idle entry
becomes a tombstone (its keyed hash, name, id, reason, time); the password is then answered
Revoked, named in the log, recorded on the tombstone, and kept out of the throttle. ListRevoked
shows it to its owner; DeleteRevoked and DeleteAllRevoked forget it; after tombstone_days the
daemon forgets it by itself. The real daemon on its real store (SQLite, and PostgreSQL through
pg_cluster.py)."""
import subprocess
import time

import pytest

import testenv
from testenv import USER_A, USER_B, BusCallError, TestEnv

DAY_US = 86400 * 1000000


def error_of(call, *args, **kwargs):
    with pytest.raises(BusCallError) as info:
        call(*args, **kwargs)
    return info.value


def list_revoked(client, user=""):
    return client.call("ListRevoked", user, signature="s")


def test_a_deleted_password_is_answered_revoked_recorded_and_logged(client, env):
    entry_id, password = client.create(USER_A, "Old Laptop")
    client.delete(USER_A, entry_id)
    e = error_of(client.verify, USER_A, password, "dovecot", "203.0.113.7")
    assert (e.short, e.message) == ("Revoked", "revoked app password 'Old Laptop' (%s) of %s was tried from "
                                    "203.0.113.7 via dovecot; it was revoked (deleted)" % (entry_id, USER_A))
    error_of(client.verify, USER_A, password.upper(), "imap", "203.0.113.8")  # any typed form
    [record] = list_revoked(client, USER_A)
    assert record["revoked"] > 0 and record["last_attempt"] >= record["revoked"]
    assert {k: v for k, v in record.items() if k not in ("revoked", "last_attempt")} == {
        "id": entry_id, "name": "Old Laptop", "reason": "deleted", "attempts": 2,
        "last_attempt_service": "imap", "last_attempt_remote_host": "203.0.113.8"}
    assert ("revoked app password 'Old Laptop' (%s) of %s was tried from 203.0.113.7 via dovecot"
            % (entry_id, USER_A)) in env.daemon.log_text()
    # Never the secret, nor on the list of live entries.
    assert client.list(USER_A) == []
    assert password not in env.daemon.log_text()


def test_revoked_attempts_do_not_move_the_throttle(client):
    kept_id, kept = client.create(USER_A, "new phone")
    old_id, old = client.create(USER_A, "old phone")
    client.delete(USER_A, old_id)
    for _ in range(12):  # far past throttle_user_failures (3) and throttle_host_failures (10)
        assert error_of(client.verify, USER_A, old, "imap", "198.51.100.1").short == "Revoked"
    assert client.verify(USER_A, kept, "imap", "198.51.100.1") == kept_id
    # A wrong password from there is still a first failure: nothing was counted before.
    assert error_of(client.verify, USER_A, "x" * 24, "imap", "198.51.100.1").short == "BadPassword"
    assert list_revoked(client, USER_A)[0]["attempts"] == 12


def test_another_users_revoked_password_is_just_a_wrong_password(client):
    entry_id, password = client.create(USER_B, "bobs")
    client.delete(USER_B, entry_id)
    client.create(USER_A, "alices")
    assert error_of(client.verify, USER_A, password, "imap", "").short == "BadPassword"
    assert list_revoked(client, USER_B)[0]["attempts"] == 0


def test_delete_all_and_expiry_leave_tombstones_with_their_reason(client):
    a, pa = client.create(USER_A, "one")
    b, pb = client.create(USER_A, "two")
    assert client.delete_all(USER_A) == 2
    c, pc = client.create(USER_A, "brief", expires=int(time.time() * 1e6) + 1_000_000)
    time.sleep(1.2)
    e = error_of(client.verify, USER_A, pc, "imap", "")
    assert (e.short, e.message) == ("Revoked", 'app password "brief" has expired')
    assert client.list(USER_A) == []
    assert sorted((r["name"], r["reason"]) for r in list_revoked(client, USER_A)) == [
        ("brief", "expired"), ("one", "deleted"), ("two", "deleted")]


def test_idle_expiry_stops_an_unused_password_and_a_use_moves_the_deadline(client):
    entry_id, password = client.create(USER_A, "rarely", idle_expiry=uint64(3_000_000))
    [entry] = client.list(USER_A)
    assert entry["idle_expiry"] == 3_000_000
    assert entry["idle_deadline"] == entry["created"] + 3_000_000
    time.sleep(1.5)
    assert client.verify(USER_A, password, "imap", "") == entry_id  # used: the deadline moves
    [entry] = client.list(USER_A)
    assert entry["idle_deadline"] == entry["last_used"] + 3_000_000
    time.sleep(3.2)
    e = error_of(client.verify, USER_A, password, "imap", "")
    assert (e.short, e.message) == ("Revoked", 'app password "rarely" was not used for 3 seconds and has stopped working')
    assert [(r["id"], r["reason"]) for r in list_revoked(client, USER_A)] == [(entry_id, "idle")]


def test_the_sweep_turns_idle_entries_into_tombstones_without_a_login():
    with TestEnv(config={"sweep_interval": "1s"}) as env:
        client = env.client()
        entry_id, _ = client.create(USER_A, "forgotten", idle_expiry=uint64(1_000_000))
        kept_id, _ = client.create(USER_A, "kept")
        for _ in range(100):  # bounded wait for the next sweeps
            if list_revoked(client, USER_A):
                break
            time.sleep(0.1)
        assert [(r["id"], r["reason"], r["attempts"]) for r in list_revoked(client, USER_A)] == [
            (entry_id, "idle", 0)]
        assert [e["id"] for e in client.list(USER_A)] == [kept_id]


def test_idle_expiry_default_comes_from_the_configuration_and_is_validated():
    with TestEnv(config={"idle_expiry": "90d"}) as env:
        client = env.client()
        client.create(USER_A, "default")
        client.create(USER_A, "never", idle_expiry=uint64(0))
        assert [(e["name"], e["idle_expiry"]) for e in client.list(USER_A)] == [
            ("default", 90 * DAY_US), ("never", 0)]
        e = error_of(client.create, USER_A, "tiny", None, None, None, idle_expiry=uint64(5))
        assert (e.short, e.message) == ("InvalidArgument", "the idle expiry must be at least one second")


def age_tombstones(env, days):
    """Moves every tombstone's revocation DAYS into the past, in the store itself."""
    shift = days * DAY_US
    if testenv.POSTGRESQL:
        subprocess.run(["psql", "-q", "-X", "-v", "ON_ERROR_STOP=1", env.store["postgresql"], "-c",
                        "UPDATE apppass_tombstones SET revoked = revoked - %d" % shift], check=True)
    else:
        subprocess.run(["sqlite3", env.state_dir + "/apppass.db",
                        "UPDATE tombstones SET revoked = revoked - %d" % shift], check=True)


def test_tombstones_are_forgotten_after_tombstone_days():
    with TestEnv(config={"tombstone_days": "30"}) as env:
        client = env.client()
        old_id, old = client.create(USER_A, "old")
        young_id, young = client.create(USER_A, "young")
        client.delete(USER_A, old_id)
        env.daemon.stop()
        age_tombstones(env, 31)
        env.daemon.start()
        client = env.client()
        client.delete(USER_A, young_id)
        assert [r["id"] for r in list_revoked(client, USER_A)] == [young_id]
        # Forgotten: the old password is an unknown one again.
        assert error_of(client.verify, USER_A, old, "imap", "").short == "NoAppPasswords"


def test_tombstone_days_0_keeps_no_tombstones():
    with TestEnv(config={"tombstone_days": "0"}) as env:
        client = env.client()
        entry_id, password = client.create(USER_A, "gone")
        client.delete(USER_A, entry_id)
        assert list_revoked(client, USER_A) == []
        assert error_of(client.verify, USER_A, password, "imap", "").short == "NoAppPasswords"


def test_owners_forget_their_tombstones_and_only_theirs(env, client):
    ids = []
    for name in ("a", "b", "c"):
        entry_id, _ = client.create(USER_A, name)
        client.delete(USER_A, entry_id)
        ids.append(entry_id)
    bob_id, _ = client.create(USER_B, "bobs")
    client.delete(USER_B, bob_id)
    for method, args in [("ListRevoked", (USER_B,)), ("DeleteRevoked", (USER_B, bob_id)),
                         ("DeleteAllRevoked", (USER_B,))]:
        e = error_of(env.call_as, USER_A, "call", method, *args, signature="s" * len(args))
        assert e.short == "AccessDenied"
    assert [r["id"] for r in env.call_as(USER_A, "call", "ListRevoked", "", signature="s")] == ids
    assert env.call_as(USER_A, "call", "DeleteRevoked", "", ids[0], signature="ss") == 1
    e = error_of(env.call_as, USER_A, "call", "DeleteRevoked", "", ids[0], signature="ss")
    assert e.short == "NoSuchPassword"
    assert env.call_as(USER_A, "call", "DeleteAllRevoked", "", signature="s") == 2
    assert list_revoked(client, USER_A) == []
    assert [r["id"] for r in list_revoked(client, USER_B)] == [bob_id]


def uint64(value):
    import dbus
    return dbus.UInt64(value)


def test_each_user_keeps_at_most_max_tombstones_per_user():
    with TestEnv(config={"max_tombstones_per_user": "3"}) as env:
        client = env.client()
        made = []
        for i in range(5):
            entry_id, password = client.create(USER_A, "device %d" % i)
            client.delete(USER_A, entry_id)
            made.append((entry_id, password))
        bob_id, _ = client.create(USER_B, "bobs")
        client.delete(USER_B, bob_id)
        # The oldest went first; another user's are not touched.
        assert [r["id"] for r in list_revoked(client, USER_A)] == [m[0] for m in made[2:]]
        assert [r["id"] for r in list_revoked(client, USER_B)] == [bob_id]
        # A forgotten one is an unknown password again; a kept one is still recognised.
        assert error_of(client.verify, USER_A, made[0][1], "imap", "").short == "NoAppPasswords"
        assert error_of(client.verify, USER_A, made[4][1], "imap", "").short == "Revoked"
        assert "forgot the 1 oldest revoked app passwords of uid" in env.daemon.log_text()

