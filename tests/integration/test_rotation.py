# SPDX-License-Identifier: LGPL-2.1-or-later
"""RenamePassword and RotatePassword on the real daemon and store: a rename changes the name
only; a rotation gives the same entry a new secret while the old one keeps working until the
new one is first used or rotate_grace passes, then the old one is a tombstone (rotated)."""
import time

import pytest

from testenv import USER_A, USER_B, BusCallError, TestEnv


def error_of(call, *args, **kwargs):
    with pytest.raises(BusCallError) as info:
        call(*args, **kwargs)
    return info.value


def rename(client, user, entry_id, name):
    return client.call("RenamePassword", user, entry_id, name, signature="sss")


def rotate(client, user, entry_id, **options):
    return client.call("RotatePassword", user, entry_id, options, signature="ssa{sv}")


def revoked(client, user):
    return [(r["id"], r["name"], r["reason"]) for r in client.call("ListRevoked", user, signature="s")]


def test_rename_changes_the_name_only(env, client):
    entry_id, password = client.create(USER_A, "phone", services=["imap"])
    other_id, _ = client.create(USER_A, "laptop")
    assert rename(client, USER_A, entry_id, "old phone") is None
    assert [(e["id"], e["name"], e["services"]) for e in client.list(USER_A)] == [
        (entry_id, "old phone", ["imap"]), (other_id, "laptop", [])]
    assert client.verify(USER_A, password, "imap", "") == entry_id
    assert rename(client, USER_A, entry_id, "old phone") is None  # the same name again
    e = error_of(rename, client, USER_A, entry_id, "laptop")
    assert (e.short, e.message) == ("NameInUse", 'there is already an app password named "laptop"; '
                                    "choose another name or delete that one first")
    assert error_of(rename, client, USER_A, "zzzzzzzz", "x").short == "NoSuchPassword"
    assert error_of(rename, client, USER_A, entry_id, " padded").short == "InvalidArgument"
    assert error_of(env.call_as, USER_B, "call", "RenamePassword", USER_A, entry_id, "mine",
                    signature="sss").short == "AccessDenied"
    assert env.call_as(USER_A, "call", "RenamePassword", "", entry_id, "by owner", signature="sss") is None
    assert client.list(USER_A)[0]["name"] == "by owner"


def test_rotation_keeps_the_entry_and_the_old_password_until_the_new_one_is_used(env, client):
    entry_id, old = client.create(USER_A, "phone", services=["imap"], networks=["192.0.2.0/24"])
    new = rotate(client, USER_A, entry_id)
    assert new != old and len(new) == 24
    [entry] = client.list(USER_A)
    assert (entry["id"], entry["name"], entry["services"], entry["networks"]) == (
        entry_id, "phone", ["imap"], ["192.0.2.0/24"])
    assert entry["old_password_until"] > entry["created"]
    # Both work while the device is switched over, with the entry's restrictions.
    assert client.verify(USER_A, old, "imap", "192.0.2.1") == entry_id
    assert client.verify(USER_A, old, "imap", "192.0.2.1") == entry_id
    assert error_of(client.verify, USER_A, old, "smtp", "192.0.2.1").short == "BadPassword"
    assert revoked(client, USER_A) == []
    # The new one is used: the old one is done.
    assert client.verify(USER_A, new, "imap", "192.0.2.1") == entry_id
    e = error_of(client.verify, USER_A, old, "imap", "192.0.2.1")
    assert (e.short, e.message) == ("Revoked", "revoked app password 'phone' (%s) of %s was tried from "
                                    "192.0.2.1 via imap; it was revoked (rotated)" % (entry_id, USER_A))
    assert revoked(client, USER_A) == [(entry_id, "phone", "rotated")]
    assert client.list(USER_A)[0]["old_password_until"] == 0
    assert client.verify(USER_A, new, "imap", "192.0.2.1") == entry_id


def test_rotating_again_ends_the_first_old_password(client):
    entry_id, first = client.create(USER_A, "phone")
    second = rotate(client, USER_A, entry_id)
    third = rotate(client, USER_A, entry_id)
    assert error_of(client.verify, USER_A, first, "imap", "").short == "Revoked"
    assert client.verify(USER_A, second, "imap", "") == entry_id  # the latest old one, in its grace
    assert client.verify(USER_A, third, "imap", "") == entry_id
    assert error_of(client.verify, USER_A, second, "imap", "").short == "Revoked"
    # Each old secret is a tombstone of its own, reason rotated, and counts its tries.
    listed = client.call("ListRevoked", USER_A, signature="s")
    assert [(r["id"], r["reason"], r["attempts"]) for r in listed] == [
        (entry_id, "rotated", 1), (entry_id, "rotated", 1)]


def test_rotating_with_end_old_now_leaves_no_grace(client):
    entry_id, old = client.create(USER_A, "stolen phone")
    new = rotate(client, USER_A, entry_id, end_old_now=True)
    assert client.list(USER_A)[0]["old_password_until"] == 0
    e = error_of(client.verify, USER_A, old, "imap", "")
    assert (e.short, e.message) == ("Revoked", "revoked app password 'stolen phone' (%s) of %s was tried from "
                                    "an unknown host via imap; it was revoked (rotated)" % (entry_id, USER_A))
    assert revoked(client, USER_A) == [(entry_id, "stolen phone", "rotated")]
    assert client.verify(USER_A, new, "imap", "") == entry_id
    # end_old_now=False is the default: a grace.
    rotate(client, USER_A, entry_id, end_old_now=False)
    assert client.verify(USER_A, new, "imap", "") == entry_id
    e = error_of(rotate, client, USER_A, entry_id, now=True)
    assert (e.short, e.message) == ("InvalidArgument", 'unknown option "now"; known: end_old_now')
    e = error_of(rotate, client, USER_A, entry_id, end_old_now="yes")
    assert (e.short, e.message) == ("InvalidArgument", 'option "end_old_now" must be a boolean (b)')


def test_rotate_grace_ends_by_itself_and_can_be_zero():
    with TestEnv(config={"rotate_grace": "2s"}) as env:
        client = env.client()
        entry_id, old = client.create(USER_A, "phone")
        new = rotate(client, USER_A, entry_id)
        assert client.verify(USER_A, old, "imap", "") == entry_id
        time.sleep(2.2)
        assert error_of(client.verify, USER_A, old, "imap", "").short == "Revoked"
        assert client.list(USER_A)[0]["old_password_until"] == 0
        assert client.verify(USER_A, new, "imap", "") == entry_id
    with TestEnv(config={"rotate_grace": "0"}) as env:
        client = env.client()
        entry_id, old = client.create(USER_A, "phone")
        rotate(client, USER_A, entry_id)
        assert error_of(client.verify, USER_A, old, "imap", "").short == "Revoked"
        assert revoked(client, USER_A) == [(entry_id, "phone", "rotated")]


def test_rotate_is_for_the_owner_and_root(env, client):
    entry_id, _ = client.create(USER_A, "phone")
    assert error_of(env.call_as, USER_B, "call", "RotatePassword", USER_A, entry_id, {},
                    signature="ssa{sv}").short == "AccessDenied"
    assert error_of(rotate, client, USER_A, "zzzzzzzz").short == "NoSuchPassword"
    assert error_of(rotate, client, USER_A, "nope").short == "InvalidArgument"
    new = env.call_as(USER_A, "call", "RotatePassword", "", entry_id, {}, signature="ssa{sv}")
    assert client.verify(USER_A, new, "imap", "") == entry_id
