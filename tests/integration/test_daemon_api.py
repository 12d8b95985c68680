# SPDX-License-Identifier: LGPL-2.1-or-later
"""Every method and every error of org.apppass.AppPass1.Manager, on the real apppassd."""
import re
import time

import pytest

from testenv import USER_A, USER_B, BusCallError, TestEnv

ALPHABET = "abcdefghjkmnpqrstuvwxyz"
NOW_US = lambda: int(time.time() * 1_000_000)  # noqa: E731


def error_of(call, *args, **kwargs):
    with pytest.raises(BusCallError) as info:
        call(*args, **kwargs)
    return info.value


def test_create_returns_id_and_password_of_the_documented_form(client):
    entry_id, password = client.create(USER_A, "iPhone Mail")
    assert re.fullmatch("[%s]{8}" % ALPHABET, entry_id)
    assert re.fullmatch("[%s]{24}" % ALPHABET, password)


def test_list_shows_every_field_and_never_the_secret(client):
    before = NOW_US()
    entry_id, password = client.create(USER_A, "Laptop", services=["dovecot"],
                                       networks=["192.0.2.0/24", "2001:db8::/32"],
                                       expires=before + 3600 * 10**6)
    entries = client.list(USER_A)
    assert len(entries) == 1
    e = entries[0]
    assert set(e) == {"id", "name", "created", "last_used", "last_service", "last_remote_host",
                      "expires", "services", "networks", "idle_expiry", "idle_deadline", "old_password_until"}
    assert e["id"] == entry_id and e["name"] == "Laptop"
    assert before <= e["created"] <= NOW_US()
    assert (e["last_used"], e["last_service"], e["last_remote_host"]) == (0, "", "")
    assert e["expires"] == before + 3600 * 10**6
    assert e["services"] == ["dovecot"]
    assert e["networks"] == ["192.0.2.0/24", "2001:db8::/32"]
    assert password not in repr(entries)


def test_verify_records_last_use_and_accepts_typed_forms(client):
    entry_id, password = client.create(USER_A, "Phone")
    grouped = " ".join(password[i:i + 4] for i in range(0, 24, 4))
    dashed = "-".join(password[i:i + 4] for i in range(0, 24, 4)).upper()
    assert client.verify(USER_A, password, "dovecot", "127.0.0.1") == entry_id
    assert client.verify(USER_A, grouped, "dovecot", "127.0.0.1") == entry_id
    assert client.verify(USER_A, dashed, "sshd", "::1") == entry_id
    e = client.list(USER_A)[0]
    assert e["last_service"] == "sshd" and e["last_remote_host"] == "::1"
    assert e["last_used"] > 0


def test_empty_user_means_the_caller(env):
    entry_id, _ = env.call_as(USER_A, "create", "", "mine")
    assert [e["id"] for e in env.call_as(USER_A, "list", "")] == [entry_id]
    assert [e["id"] for e in env.client().list(USER_A)] == [entry_id]
    assert env.client().list("") == []  # root's own


def test_delete_and_delete_all(client):
    a, pa = client.create(USER_A, "a")
    b, _ = client.create(USER_A, "b")
    client.create(USER_A, "c")
    client.create(USER_B, "other")
    assert client.delete(USER_A, a) is None
    assert sorted(e["name"] for e in client.list(USER_A)) == ["b", "c"]
    e = error_of(client.verify, USER_A, pa, "dovecot", "")
    assert e.short == "Revoked"  # the deleted one is recognised (tests/integration/test_tombstones.py)
    e = error_of(client.delete, USER_A, a)
    assert e.short == "NoSuchPassword"
    assert e.message == "%s has no app password with the id %s" % (USER_A, a)
    assert client.delete_all(USER_A) == 2
    assert client.delete_all(USER_A) == 0
    assert client.list(USER_A) == []
    assert len(client.list(USER_B)) == 1


def test_delete_needs_the_owners_id(client):
    other, _ = client.create(USER_B, "bobs")
    e = error_of(client.delete, USER_A, other)
    assert e.short == "NoSuchPassword"
    assert len(client.list(USER_B)) == 1
    e = error_of(client.delete, USER_A, "not-an-id")
    assert (e.short, e.message) == ("InvalidArgument",
                                    '"not-an-id" is not an app password id (eight letters)')


@pytest.mark.parametrize("name,message", [
    ("", "invalid name: the name is empty; name the app password after the device or program that will use it"),
    ("x" * 65, "invalid name: the name is longer than 64 characters"),
    ("tab\there", "invalid name: the name contains a control character"),
    (" lead", "invalid name: the name starts or ends with a space"),
    ("rtl\u202eoverride", "invalid name: the name contains an invisible formatting character"),
])
def test_name_rules(client, name, message):
    e = error_of(client.create, USER_A, name)
    assert (e.short, e.message) == ("InvalidArgument", message)
    assert client.list(USER_A) == []


def test_names_are_unique_per_user(client):
    client.create(USER_A, "x" * 64)
    client.create(USER_A, "Phone")
    client.create(USER_B, "Phone")
    e = error_of(client.create, USER_A, "Phone")
    assert e.short == "NameInUse"
    assert e.message == 'there is already an app password named "Phone"; choose another name or delete that one first'


def test_limit_reached_says_how_many_and_what_to_do():
    with TestEnv(config={"max_per_user": "3"}) as env:
        c = env.client()
        for i in range(3):
            c.create(USER_A, "n%d" % i)
        e = error_of(c.create, USER_A, "n3")
        assert e.short == "LimitReached"
        assert e.message == "you have 3 app passwords, the most allowed is 3; delete one you no longer use first"
        c.create(USER_B, "n3")
        assert len(c.list(USER_A)) == 3


def test_options_are_validated(client):
    import dbus

    def raw_create(options):
        return client.call("CreatePassword", USER_A, "x", dbus.Dictionary(options, signature="sv"),
                           signature="ssa{sv}")

    for options, message in [
        (dict(services=["bad service"]),
         'invalid service "bad service": the service name may contain only letters, digits, \'.\', \'_\', \'+\' and \'-\''),
        (dict(networks=["10.0.0.1/8"]), 'network "10.0.0.1/8" has host bits set; did you mean 10.0.0.0/8?'),
        (dict(networks=["not-a-network"]),
         'network "not-a-network" is not an IPv4 or IPv6 address or network in CIDR form'),
        (dict(expires=NOW_US() - 10**6), "the expiry time is in the past"),
    ]:
        e = error_of(client.create, USER_A, "x", **options)
        assert (e.short, e.message) == ("InvalidArgument", message), options
    for options, message in [
        ({"colour": dbus.String("blue", variant_level=1)}, 'unknown option "colour"; known: services, networks, expires, idle_expiry'),
        ({"services": dbus.UInt32(3, variant_level=1)}, 'option "services" must be an array of strings (as)'),
        ({"expires": dbus.String("tomorrow", variant_level=1)}, 'option "expires" must be microseconds since the epoch (t)'),
    ]:
        e = error_of(raw_create, options)
        assert (e.short, e.message) == ("InvalidArgument", message), options
    client.create(USER_A, "ok", services=[], networks=[])
    assert [x["name"] for x in client.list(USER_A)] == ["ok"]


def test_restrictions_apply_at_verify(client):
    _, pw = client.create(USER_A, "imap-only", services=["dovecot"], networks=["127.0.0.0/8", "::1"])
    assert client.verify(USER_A, pw, "dovecot", "127.0.0.1")
    assert client.verify(USER_A, pw, "dovecot", "::1")
    for service, host, why in [
        ("sshd", "127.0.0.1", "is not valid for the service sshd"),
        ("dovecot", "10.0.0.1", "is not valid from 10.0.0.1"),
        ("dovecot", "::2", "is not valid from ::2"),
        ("dovecot", "", "is not valid from an unknown host"),
        ("dovecot", "localhost", "is not valid from localhost"),
    ]:
        e = error_of(client.verify, USER_A, pw, service, host)
        assert (e.short, e.message) == ("BadPassword", 'app password "imap-only" %s' % why)


def test_expired_entry_never_verifies(client):
    _, pw = client.create(USER_A, "brief", expires=NOW_US() + 1_500_000)
    assert client.verify(USER_A, pw, "dovecot", "")
    time.sleep(1.6)
    e = error_of(client.verify, USER_A, pw, "dovecot", "")
    assert (e.short, e.message) == ("Revoked", 'app password "brief" has expired')


def test_verify_errors(client):
    e = error_of(client.verify, USER_A, "abcd", "dovecot", "")
    assert (e.short, e.message) == ("NoAppPasswords", "%s has no app passwords" % USER_A)
    _, pw_b = client.create(USER_B, "bobs")
    e = error_of(client.verify, USER_A, pw_b, "dovecot", "")  # another user's password
    assert e.short == "NoAppPasswords"
    client.create(USER_A, "alices")
    e = error_of(client.verify, USER_A, pw_b, "dovecot", "")
    assert e.short == "BadPassword"
    e = error_of(client.verify, "no-such-user-xyz", "x", "dovecot", "")
    assert (e.short, e.message) == ("NoSuchUser", 'there is no user "no-such-user-xyz"')
    for args, message in [
        (("bad:user", "x", "dovecot", ""), "invalid user name: the user name contains a character that is not allowed in a login name"),
        ((USER_A, "x", "bad/service", ""), "invalid service: the service name may contain only letters, digits, '.', '_', '+' and '-'"),
        ((USER_A, "x", "dovecot", "a\nb"), "invalid remote host: the remote host contains a control character"),
        ((USER_A, "a" * 1025, "dovecot", ""), "the password is longer than 1024 bytes"),
    ]:
        e = error_of(client.verify, *args)
        assert (e.short, e.message) == ("InvalidArgument", message)


def test_wrong_signature_is_refused_by_the_bus(client):
    e = error_of(client.call, "ListPasswords", 42, signature="u")
    assert e.name == "org.freedesktop.DBus.Error.InvalidArgs"
    e = error_of(client.call, "VerifyPassword", "a", "b", signature="ss")
    assert e.name == "org.freedesktop.DBus.Error.InvalidArgs"
    e = error_of(client.call, "NoSuchMethod", signature="")
    assert e.name in ("org.freedesktop.DBus.Error.UnknownMethod", "org.freedesktop.DBus.Error.AccessDenied")


def test_unknown_user_for_every_method(client):
    for method, args in [("create", ("nobody-xyz", "n")), ("list", ("nobody-xyz",)),
                         ("delete", ("nobody-xyz", "aaaaaaaa")), ("delete_all", ("nobody-xyz",))]:
        e = error_of(getattr(client, method), *args)
        assert (e.short, e.message) == ("NoSuchUser", 'there is no user "nobody-xyz"'), method
