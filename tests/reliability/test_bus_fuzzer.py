# SPDX-License-Identifier: LGPL-2.1-or-later
"""A bus fuzzer: every method of a running apppassd (the sanitizer build in CI) is sent
arguments of the wrong type, the wrong number of arguments, random strings up to 50,000 bytes
and random bytes. The daemon must stay up, answer every call with an error it documents, and
report nothing (no sanitizer report while running, none at exit, exit status 0).

The seed is printed; APPPASS_BUS_FUZZ_SEED=N repeats a run, APPPASS_BUS_FUZZ_CALLS=N changes
its length (default 1500 as root and 500 as an ordinary user).

The same calls go to the daemon's direct socket (the same object served peer to peer), as root
and as a verify_group member, and random bytes are thrown at the socket itself, before and
after a valid authentication: the daemon parses those with sd-bus's server side, which the bus
path never exercises."""

import os
import random
import socket

import dbus
import dbus.connection
from reliability import assert_clean_log, raw_call, stop_cleanly
from testenv import ERROR_PREFIX, USER_A, USER_B, USER_VERIFIER, VERIFY_GROUP, TestEnv, run_as

METHODS = {
    "CreatePassword": "ssa{sv}",
    "ListPasswords": "s",
    "DeletePassword": "ss",
    "DeleteAllPasswords": "s",
    "VerifyPassword": "ssss",
}
# Errors a caller may get from a daemon that works: ours (Internal is a bug, so it is not
# here) and the bus's own for a call whose signature does not match.
PROJECT_ERRORS = {ERROR_PREFIX + name for name in (
    "AccessDenied", "NoSuchUser", "NoSuchPassword", "BadPassword", "LimitReached",
    "InvalidArgument", "NameInUse", "Throttled", "StoreUnavailable", "NoAppPasswords")}
SIGNATURE_ERRORS = {"org.freedesktop.DBus.Error.InvalidArgs"}
# dbus-daemon passes Unicode noncharacters (U+FDD0..U+FDEF, U+xFFFE, U+xFFFF) in strings; sd-bus
# refuses them when the daemon reads the message, and answers with this.
NONCHARACTER_ERROR = "org.freedesktop.DBus.Error.InconsistentMessage"


def is_noncharacter(c):
    code = ord(c)
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def holds_noncharacter(value):
    if isinstance(value, str):
        return any(is_noncharacter(c) for c in value)
    if isinstance(value, dict):
        return any(holds_noncharacter(k) or holds_noncharacter(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(holds_noncharacter(v) for v in value)
    return False
CALLS = int(os.environ.get("APPPASS_BUS_FUZZ_CALLS", "1500"))


def random_text(rng, longest=50000):
    """A random string that D-Bus can carry: valid UTF-8 without NUL. Mostly short, sometimes
    up to LONGEST bytes; sometimes printable ASCII, sometimes any code point, sometimes random
    bytes read as Latin-1."""
    roll = rng.random()
    length = rng.randint(0, 64) if roll < 0.6 else rng.randint(0, 2000) if roll < 0.85 else rng.randint(0, longest)
    kind = rng.randrange(3)
    if kind == 0:
        text = "".join(chr(rng.randint(0x20, 0x7E)) for _ in range(length))
    elif kind == 1:
        chars = []
        while len(chars) < length:
            c = rng.randint(1, 0x10FFFF)
            if not 0xD800 <= c <= 0xDFFF:
                chars.append(chr(c))
        text = "".join(chars)
    else:
        text = bytes(rng.randint(1, 255) for _ in range(length)).decode("latin-1")
    while len(text.encode()) > longest:
        text = text[: len(text) // 2]
    return text


def random_bytes(rng):
    return dbus.ByteArray(bytes(rng.randint(0, 255) for _ in range(rng.randint(0, 50000))))


def wrong_value(rng):
    """A value of some type that is not a string, with its signature."""
    choice = rng.randrange(9)
    if choice == 0:
        return "i", rng.randint(-2**31, 2**31 - 1)
    if choice == 1:
        return "t", rng.randint(0, 2**64 - 1)
    if choice == 2:
        return "b", rng.random() < 0.5
    if choice == 3:
        return "d", rng.uniform(-1e300, 1e300)
    if choice == 4:
        return "ay", random_bytes(rng)
    if choice == 5:
        return "as", [random_text(rng, 500) for _ in range(rng.randint(0, 40))]
    if choice == 6:
        return "a{sv}", {random_text(rng, 100): dbus.String(random_text(rng, 100), variant_level=1)
                         for _ in range(rng.randint(0, 5))}
    if choice == 7:
        return "o", "/" + "/".join("p%d" % rng.randint(0, 99) for _ in range(rng.randint(0, 5)))
    return "v", dbus.Int32(rng.randint(0, 9), variant_level=1)


def random_options(rng):
    """a{sv} for CreatePassword: known keys with right and wrong types, unknown keys, sizes."""
    options = dbus.Dictionary({}, signature="sv")
    for _ in range(rng.randint(0, 4)):
        key = rng.choice(["services", "networks", "expires", random_text(rng, 200)])
        roll = rng.randrange(5)
        if roll == 0:
            value = dbus.Array([random_text(rng, 2000) for _ in range(rng.randint(0, 40))], signature="s")
        elif roll == 1:
            value = dbus.UInt64(rng.choice([0, 1, 2**63 - 1, 2**63, 2**64 - 1, rng.randint(0, 2**64 - 1)]))
        elif roll == 2:
            value = dbus.String(random_text(rng, 2000))
        elif roll == 3:
            value = dbus.Array([dbus.Int32(rng.randint(0, 9))], signature="i")
        else:
            value = dbus.Dictionary({"x": dbus.String("y", variant_level=1)}, signature="sv")
        options[key] = value
    return options


def right_args(rng, method, user_text):
    """Arguments of the right types; the first (user) is USER_TEXT."""
    signature = METHODS[method]
    args = [user_text]
    for code in signature[1:].replace("a{sv}", "O"):
        args.append(random_options(rng) if code == "O" else random_text(rng))
    return signature, args


def fuzz_call(rng, method):
    """One call that must be refused: wrong types, wrong count, or a user that cannot exist."""
    signature = METHODS[method]
    kind = rng.randrange(4)
    if kind == 0:  # right types, a user no system has (too long, or made of random characters)
        user = random_text(rng) or "\u2603"
        if user.isascii() and user.isprintable() and len(user) < 32:
            user += "\u2603"  # never a login name
        return right_args(rng, method, user)
    if kind == 1:  # one argument of another type
        sig, args = right_args(rng, method, random_text(rng) or "x")
        codes = ["s"] * (len(args) - (1 if "a{sv}" in sig else 0)) + (["a{sv}"] if "a{sv}" in sig else [])
        where = rng.randrange(len(args))
        codes[where], args[where] = wrong_value(rng)
        new_sig = "".join(codes)
        if new_sig == signature:
            codes[where], args[where] = "i", 7
            new_sig = "".join(codes)
        return new_sig, args
    if kind == 2:  # too few arguments (none at all included)
        sig, args = right_args(rng, method, random_text(rng))
        keep = rng.randrange(len(args))
        codes = list(sig.replace("a{sv}", "O"))[:keep]
        return "".join(codes).replace("O", "a{sv}"), args[:keep]
    # too many
    sig, args = right_args(rng, method, random_text(rng))
    extra = [wrong_value(rng) if rng.random() < 0.5 else ("s", random_text(rng)) for _ in range(rng.randint(1, 3))]
    return sig + "".join(s for s, _ in extra), args + [v for _, v in extra]


def run_calls(address, seed, count, direct_socket=None):
    """Runs COUNT fuzz calls on the bus at ADDRESS, or peer to peer on DIRECT_SOCKET; returns a
    list of problems (empty when all is well) and how many errors of each name came back."""
    rng = random.Random(seed)
    if direct_socket:
        connection = dbus.connection.Connection("unix:path=" + direct_socket)
    else:
        connection = dbus.bus.BusConnection(address)
    destination = None if direct_socket else "org.apppass.AppPass1"
    problems, seen = [], {}
    try:
        for i in range(count):
            method = rng.choice(sorted(METHODS))
            signature, args = fuzz_call(rng, method)
            if direct_socket and holds_noncharacter(args):
                continue  # sd-bus drops the connection of a peer that sends one; tested below
            outcome = raw_call(connection, method, signature, args, timeout=30, destination=destination)
            if outcome[0] == "ok":
                problems.append("call %d %s(%s) succeeded: %r" % (i, method, signature, outcome[1])[:500])
                continue
            name = outcome[1]
            seen[name] = seen.get(name, 0) + 1
            expected = SIGNATURE_ERRORS if signature != METHODS[method] else PROJECT_ERRORS
            if holds_noncharacter(args):
                expected = expected | {NONCHARACTER_ERROR}
            if name not in expected:
                problems.append("call %d %s(%s) gave %s: %s" % (i, method, signature, name, outcome[2])[:500])
            if name == "org.freedesktop.DBus.Error.NoReply" or len(problems) > 20:
                break
    finally:
        connection.close()
    return problems, seen


def test_daemon_refuses_every_malformed_call_and_stays_up(env):
    seed = int(os.environ.get("APPPASS_BUS_FUZZ_SEED", random.randrange(2**32)))
    print("bus fuzzer seed %d" % seed)
    # Something to find, so that valid-looking ids and verifies reach the store.
    entry_id, password = env.call_as(USER_A, "create", "", "fuzz target")

    problems, seen = run_calls(env.address, seed, CALLS)
    assert problems == [], "seed %d:\n%s" % (seed, "\n".join(problems))
    # As an ordinary user too: other checks come first for them.
    problems, seen_user = run_as(USER_B, run_calls, env.address, seed + 1, CALLS // 3)
    assert problems == [], "seed %d as %s:\n%s" % (seed + 1, USER_B, "\n".join(problems))
    print("errors seen: %r / as %s: %r" % (seen, USER_B, seen_user))
    # Both kinds of refusal were reached, not only one.
    assert seen.get("org.freedesktop.DBus.Error.InvalidArgs", 0) > 0
    assert seen.get(ERROR_PREFIX + "InvalidArgument", 0) + seen.get(ERROR_PREFIX + "NoSuchUser", 0) > 0

    assert env.daemon.process.poll() is None, env.daemon.log_text()[-5000:]
    assert_clean_log(env.daemon)
    # It still works, and the entry made before is intact.
    assert env.call_as(USER_A, "list", "")[0]["id"] == entry_id
    assert env.client().verify(USER_A, password, "sshd", "192.0.2.1") == entry_id
    stop_cleanly(env.daemon)


def test_unknown_members_and_interfaces_are_refused(env):
    connection = dbus.bus.BusConnection(env.address)
    try:
        # Not in the policy: the bus refuses before apppassd sees it.
        outcome = raw_call(connection, "DropTables", "s", ["x"])
        assert outcome[:2] == ("error", "org.freedesktop.DBus.Error.AccessDenied")
        outcome = raw_call(connection, "ListPasswords", "s", [""], interface="org.apppass.Nope")
        assert outcome[:2] == ("error", "org.freedesktop.DBus.Error.AccessDenied")
    finally:
        connection.close()
    assert env.daemon.process.poll() is None
    stop_cleanly(env.daemon)


def throw_bytes(path, rng, authenticate):
    """One connection to the direct socket that sends random bytes, after a valid EXTERNAL
    authentication when AUTHENTICATE; whatever comes back is read and dropped."""
    payload = bytes(rng.randint(0, 255) for _ in range(rng.choice([1, 16, 200, 5000, 70000])))
    if authenticate and rng.random() < 0.5:
        # A plausible header: little-endian method call, version 1, then garbage.
        payload = b"l\x01\x00\x01" + payload
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(5)
        s.connect(path)
        try:  # the daemon may close the connection at any point: that is its right
            if authenticate:
                s.sendall(b"\0AUTH EXTERNAL %s\r\n" % str(os.geteuid()).encode().hex().encode())
                s.recv(4096)
                s.sendall(b"BEGIN\r\n")
            s.sendall(payload)
            s.shutdown(socket.SHUT_WR)
            while s.recv(65536):
                pass
        except OSError:
            pass


def test_direct_socket_refuses_every_malformed_call_and_garbage_and_stays_up():
    seed = int(os.environ.get("APPPASS_BUS_FUZZ_SEED", random.randrange(2**32)))
    print("direct socket fuzzer seed %d" % seed)
    with TestEnv(config={"verify_group": VERIFY_GROUP}) as env:
        entry_id, password = env.call_as(USER_A, "create", "", "fuzz target")
        problems, seen = run_calls(None, seed, CALLS // 2, direct_socket=env.direct_socket)
        assert problems == [], "seed %d:\n%s" % (seed, "\n".join(problems))
        problems, seen_verifier = run_as(USER_VERIFIER, run_calls, None, seed + 1, CALLS // 3,
                                         env.direct_socket)
        assert problems == [], "seed %d as %s:\n%s" % (seed + 1, USER_VERIFIER, "\n".join(problems))
        print("errors seen: %r / as %s: %r" % (seen, USER_VERIFIER, seen_verifier))
        assert seen.get("org.freedesktop.DBus.Error.InvalidArgs", 0) > 0
        assert seen.get(ERROR_PREFIX + "InvalidArgument", 0) + seen.get(ERROR_PREFIX + "NoSuchUser", 0) > 0
        # The verify_group member is refused what the bus refuses it.
        assert seen_verifier.get(ERROR_PREFIX + "AccessDenied", 0) > 0

        rng = random.Random(seed + 2)
        for i in range(int(os.environ.get("APPPASS_DIRECT_FUZZ_CONNECTIONS", "300"))):
            throw_bytes(env.direct_socket, rng, authenticate=i % 3 != 0)
        # A refused user's garbage is never read.
        run_as(USER_B, throw_bytes, env.direct_socket, random.Random(seed + 3), True)

        assert env.daemon.process.poll() is None, env.daemon.log_text()[-5000:]
        assert_clean_log(env.daemon)
        # It still works, on both transports, and the entry made before is intact.
        assert raw_call(dbus.connection.Connection("unix:path=" + env.direct_socket), "VerifyPassword",
                        "ssss", [USER_A, password, "sshd", "192.0.2.1"], destination=None) == ("ok", [entry_id])
        assert env.client().verify(USER_A, password, "sshd", "192.0.2.1") == entry_id
        stop_cleanly(env.daemon)
