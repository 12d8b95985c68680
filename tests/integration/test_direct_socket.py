# SPDX-License-Identifier: LGPL-2.1-or-later
"""apppassd's direct socket: the same object, methods and errors as on the bus, served peer to
peer to root and the verify_group only, with the caller taken from the kernel (SO_PEERCRED);
it serves VerifyPassword and RecordMainPasswordLogin only, what pam_apppass needs: listings and changes are refused there
(they go over the bus, where polkit can ask).
The socket and its directory, a stale socket, a disabled socket, a socket passed by the
service manager (served, or held refusing when direct_socket = no), and the start-up refusals."""
import os
import socket
import stat

import pytest

from testenv import (USER_A, USER_B, USER_VERIFIER, VERIFY_GROUP, BusCallError, DirectClient,
                     TestEnv, activation_socket, direct_call_as, pam_login_logged)

MODULE = os.environ["APPPASS_PAM_MODULE"]
VIA_BUS = "reached apppassd through the system bus"

ROOT = None  # run_as(None) stays root


@pytest.fixture(scope="module")
def env():
    with TestEnv(config={"throttle": "no", "verify_group": VERIFY_GROUP}) as e:
        yield e


def error_of(call):
    with pytest.raises(BusCallError) as info:
        call()
    return info.value.name


def test_the_socket_is_0666_in_a_root_owned_0755_directory(env):
    directory = os.stat(os.path.dirname(env.direct_socket))
    assert stat.S_ISDIR(directory.st_mode) and stat.S_IMODE(directory.st_mode) == 0o755
    assert directory.st_uid == 0
    sock = os.stat(env.direct_socket)
    assert stat.S_ISSOCK(sock.st_mode) and stat.S_IMODE(sock.st_mode) == 0o666
    assert sock.st_uid == 0


def test_same_answers_as_on_the_bus(env):
    entry_id, password = env.client().create(USER_A, "direct")
    direct = DirectClient(env.direct_socket)
    try:
        assert direct.verify(USER_A, password, "imap", "192.0.2.1") == entry_id
        wrong = password[:-1] + ("a" if password[-1] != "a" else "b")
        assert error_of(lambda: direct.verify(USER_A, wrong, "imap", "")) == \
            error_of(lambda: env.client().verify(USER_A, wrong, "imap", "")) == \
            "org.apppass.AppPass1.Error.BadPassword"
        assert error_of(lambda: direct.verify(USER_B, password, "imap", "")) == \
            error_of(lambda: env.client().verify(USER_B, password, "imap", "")) == \
            "org.apppass.AppPass1.Error.NoAppPasswords"
        assert error_of(lambda: direct.verify("apppass-nosuchuser", password, "imap", "")) == \
            error_of(lambda: env.client().verify("apppass-nosuchuser", password, "imap", ""))
        assert error_of(lambda: direct.verify(USER_A, password, "", "")) == \
            error_of(lambda: env.client().verify(USER_A, password, "", "")) == \
            "org.apppass.AppPass1.Error.InvalidArgument"
        # One vtable, two transports: the interface reads the same on both.
        on_bus = env.client().introspect()
        on_socket = direct.introspect()
        manager = '<interface name="org.apppass.AppPass1.Manager">'
        assert manager in on_bus and manager in on_socket
        assert on_bus[on_bus.index(manager):].split("</interface>")[0] == \
            on_socket[on_socket.index(manager):].split("</interface>")[0]
        # VerifyPassword and RecordMainPasswordLogin only: listings and changes go over the bus,
        # where polkit can ask.
        denied = ("org.apppass.AppPass1.Error.AccessDenied",
                  "the direct socket serves VerifyPassword and RecordMainPasswordLogin only; list and change "
                  "app passwords over the system bus")
        for call in (lambda: direct.list(USER_A),
                     lambda: direct.call("ListRevoked", USER_A, signature="s"),
                     lambda: direct.call("ListUsers", signature=""),
                     lambda: direct.call("MainPasswordReport", "", 0, signature="st"),
                     lambda: direct.call("RevokeAllPasswords", USER_A, "deleted", signature="ss"),
                     lambda: direct.delete(USER_A, entry_id),
                     lambda: direct.delete_all(USER_A),
                     lambda: direct.create(USER_A, "minted"),
                     lambda: direct.call("PurgeOrphans", signature="")):
            with pytest.raises(BusCallError) as refused:
                call()
            assert (refused.value.name, refused.value.message) == denied
        assert [e["id"] for e in env.client().list(USER_A)] == [entry_id]
        env.client().delete(USER_A, entry_id)
    finally:
        direct.close()


def test_root_and_the_verify_group_are_served_and_nobody_else(env):
    entry_id, password = env.client().create(USER_A, "admission")
    assert direct_call_as(ROOT, env.direct_socket, "verify", USER_A, password) == entry_id
    assert direct_call_as(USER_VERIFIER, env.direct_socket, "verify", USER_A, password) == entry_id
    # The verify_group member may verify, and no more than on the bus.
    assert error_of(lambda: direct_call_as(USER_VERIFIER, env.direct_socket, "list", USER_A)) == \
        error_of(lambda: env.call_as(USER_VERIFIER, "list", USER_A)) == \
        "org.apppass.AppPass1.Error.AccessDenied"
    # A plain user cannot verify on the bus, and is not served at all on the socket, not even
    # for their own entries: the connection is closed before anything is read.
    assert error_of(lambda: env.call_as(USER_A, "verify", USER_A, password)) == \
        "org.apppass.AppPass1.Error.AccessDenied"
    before = len(env.daemon.log_text())
    for user in (USER_A, USER_B):
        for method, args in (("verify", (USER_A, password)), ("list", ("",))):
            name = error_of(lambda: direct_call_as(user, env.direct_socket, method, *args, timeout=2))
            assert not name.startswith("org.apppass.AppPass1.Error."), name
    log = env.daemon.log_text()[before:]
    uid_a = __import__("pwd").getpwnam(USER_A).pw_uid
    assert "direct socket: refused a connection from UID %d" % uid_a in log
    # Nothing a refused caller sent was handled.
    assert "APPPASS_EVENT" not in log
    env.client().delete_all(USER_A)


def test_without_verify_group_only_root_is_served():
    with TestEnv(config={"throttle": "no"}) as env:
        entry_id, password = env.client().create(USER_A, "root-only")
        assert direct_call_as(ROOT, env.direct_socket, "verify", USER_A, password) == entry_id
        name = error_of(lambda: direct_call_as(USER_VERIFIER, env.direct_socket, "verify", USER_A,
                                               password, timeout=2))
        assert not name.startswith("org.apppass.AppPass1.Error."), name


def test_a_stale_socket_is_replaced_and_the_socket_goes_with_the_daemon():
    with TestEnv(config={"throttle": "no"}) as env:
        assert env.daemon.stop() == 0
        assert not os.path.exists(env.direct_socket)
        stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        stale.bind(env.direct_socket)
        stale.close()
        env.start_daemon()
        entry_id, password = env.client().create(USER_A, "stale")
        assert direct_call_as(ROOT, env.direct_socket, "verify", USER_A, password) == entry_id


def test_direct_socket_no_serves_the_bus_only():
    with TestEnv(config={"throttle": "no", "direct_socket": "no"}) as env:
        env.client().create(USER_A, "bus-only")
        assert not os.path.exists(os.path.dirname(env.direct_socket))
        assert "direct socket off" in env.daemon.log_text()


@pytest.mark.parametrize("arrange, expected", [
    ("file", "exists and is not a socket"),
    ("writable-directory", "must be owned by UID 0 and writable by nobody else"),
])
def test_an_unsafe_path_stops_the_daemon(arrange, expected):
    with TestEnv(config={"throttle": "no"}, daemon=False) as env:
        directory = os.path.dirname(env.direct_socket)
        os.mkdir(directory, 0o755)
        if arrange == "file":
            with open(env.direct_socket, "w"):
                pass
        else:
            os.chmod(directory, 0o777)
        daemon = env.start_daemon(wait=False)
        assert daemon.wait_exit() == 1
        assert expected in daemon.log_text()


def test_a_socket_passed_by_the_service_manager_is_served():
    with TestEnv(config={"throttle": "no"}, daemon=False) as env:
        listener = activation_socket(env.direct_socket)
        try:
            daemon = env.start_daemon(listen_socket=listener)
            entry_id, password = env.client().create(USER_A, "activated")
            status, log = pam_login_logged(env, MODULE, USER_A, password, options="debug")
            assert status == 0, log
            assert "reached apppassd through the direct socket " + env.direct_socket in log
            assert "direct socket %s (passed by the service manager)" % env.direct_socket in daemon.log_text()
        finally:
            listener.close()


def test_direct_socket_no_with_a_passed_socket_sends_logins_to_the_bus_at_once():
    """apppassd.socket left enabled while apppassd.conf says direct_socket = no: the daemon
    takes the socket and closes every connection before authenticating it, which the module
    takes as "no direct path here". Before, the socket was left unaccepted, connections queued
    in its backlog, and every login failed once timeout= had passed."""
    with TestEnv(config={"throttle": "no", "direct_socket": "no"}, daemon=False) as env:
        listener = activation_socket(env.direct_socket)
        try:
            daemon = env.start_daemon(listen_socket=listener)
            entry_id, password = env.client().create(USER_A, "via-bus")
            for _ in range(2):
                status, log = pam_login_logged(env, MODULE, USER_A, password, options="debug")
                assert status == 0, log
                assert VIA_BUS in log, log
            wrong = password[:-1] + ("a" if password[-1] != "a" else "b")
            status, log = pam_login_logged(env, MODULE, USER_A, wrong, options="debug")
            assert status == 1 and "wrong password; returning Authentication failure" in log, log
            assert VIA_BUS in log, log
            text = daemon.log_text()
            assert ("direct_socket = no, but the service manager passed the socket %s" % env.direct_socket) in text
            assert "direct socket %s (passed by the service manager), refusing every connection" % env.direct_socket in text
            # The first refusal is logged, the later ones are not.
            assert text.count("are closed unread and clients use the system bus") == 1
            # Three logins, three verifications, none of them twice.
            assert text.count('APPPASS_EVENT="verify"') == 3
        finally:
            listener.close()


def test_a_silent_connection_is_closed_after_the_idle_timeout():
    with TestEnv(config={"throttle": "no", "direct_socket_idle_timeout": "1"}) as env:
        silent = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        silent.connect(env.direct_socket)
        # Not a time limit on the daemon: only how long the test waits before it gives up.
        silent.settimeout(60)
        assert silent.recv(1) == b""  # closed by the daemon, having never sent anything
        silent.close()
        uid = os.getuid()
        assert "direct socket: closed a connection of UID %d that sent nothing for 1 s" % uid \
            in env.daemon.log_text()


def test_silent_clients_cannot_keep_a_login_out():
    """All 256 places taken by connections that send nothing: a login still gets one, through
    the direct socket, in the place of the oldest silent connection."""
    with TestEnv(config={"throttle": "no", "direct_socket_idle_timeout": "600"}) as env:
        entry_id, password = env.client().create(USER_A, "crowded")
        silent = []
        try:
            for _ in range(256):
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(env.direct_socket)
                silent.append(s)
            status, log = pam_login_logged(env, MODULE, USER_A, password, options="debug")
            assert status == 0, log
            assert "reached apppassd through the direct socket " + env.direct_socket in log, log
            silent[0].settimeout(60)
            assert silent[0].recv(1) == b""  # the oldest made room
            for s in silent[1:]:  # the others are still open
                s.setblocking(False)
                with pytest.raises(BlockingIOError):
                    s.recv(1)
            assert "256 connections open; closing one that has sent nothing (UID 0) to make room for one of UID 0" \
                in env.daemon.log_text()
        finally:
            for s in silent:
                s.close()
            env.client().delete_all(USER_A)
