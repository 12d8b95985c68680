# SPDX-License-Identifier: LGPL-2.1-or-later
"""Admission to apppassd's direct socket, kept cheap for the daemon and fair to its clients:
refusals logged at most once a minute per UID (the next line counts those left out), the
decision per UID kept a few seconds and forgotten on reload, and at most 64 connections open
per UID other than root, so that a verify_group member connecting in a loop cannot close another
UID's client between its handshake and its first call. The real daemon, real users; outcomes and
log lines are counted, no time is asserted (a bound that only grows with the time the test took
stands in where a minute matters)."""
import os
import pwd
import signal
import socket
import time

import pytest

from testenv import (USER_A, USER_VERIFIER, VERIFY_GROUP, BusCallError, DirectClient, TestEnv,
                     direct_call_as, drop_privileges)

PER_UID = 64
TOTAL = 256


def refused_lines(env, uid, since=0):
    return [line for line in env.daemon.log_text()[since:].splitlines()
            if "direct socket: refused a connection from UID %d " % uid in line]


def handshake_refused(path):
    """Whether a D-Bus client's connection to PATH is closed before it can make a call."""
    try:
        client = DirectClient(path, timeout=30)
    except Exception:  # noqa: B902 - libdbus reports the closed connection in several ways
        return True
    try:
        client.call("Ping", signature="", interface="org.freedesktop.DBus.Peer")
        return False
    except BusCallError:
        return True
    finally:
        client.close()


class SilentConnections:
    """COUNT connections to PATH that send nothing, held open by a child process running as
    USER; then EXTRA handshakes tried as USER, their refusals counted."""

    def __init__(self, user, path, count, extra=0):
        ready_read, ready_write = os.pipe()
        self.stop_read, stop_write = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            os.close(ready_read)
            os.close(stop_write)
            try:
                drop_privileges(user)
                held = []
                for _ in range(count):
                    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    s.connect(path)
                    held.append(s)
                refused = sum(handshake_refused(path) for _ in range(extra))
                os.write(ready_write, b"%d" % refused)
                os.read(self.stop_read, 1)  # until the parent lets go
            finally:
                os._exit(0)
        os.close(ready_write)
        self.stop = stop_write
        self.refused = int(os.read(ready_read, 16) or b"-1")
        os.close(ready_read)

    def close(self):
        os.close(self.stop)
        os.close(self.stop_read)
        os.waitpid(self.pid, 0)


@pytest.fixture
def env():
    config = {"throttle": "no", "verify_group": VERIFY_GROUP, "direct_socket_idle_timeout": "600"}
    with TestEnv(config=config) as e:
        yield e


def test_refusals_are_logged_once_a_minute_per_uid(env):
    uid = pwd.getpwnam(USER_A).pw_uid
    started = time.monotonic()
    tries = 20
    refused = direct_refusals_as(USER_A, env.direct_socket, tries)
    minutes = (time.monotonic() - started) / 60
    assert refused == tries
    lines = refused_lines(env, uid)
    # One line, not twenty (more only if the test took over a minute).
    assert 1 <= len(lines) <= 1 + int(minutes), lines
    assert "only root and verify_group may use it" in lines[0]


def direct_refusals_as(user, path, tries):
    counted = SilentConnections(user, path, 0, extra=tries)
    counted.close()
    return counted.refused


def test_a_uid_has_at_most_64_connections_and_cannot_close_another_uids_client(env):
    """root's client has made its handshake but not its call; the socket is full (root's client,
    191 silent connections of root's, 64 of the verify_group member's). The member's further
    connections are refused, over its own cap, instead of closing root's client, which then makes
    its call."""
    entry_id, password = env.client().create(USER_A, "kept")
    verifier = pwd.getpwnam(USER_VERIFIER).pw_uid
    client = DirectClient(env.direct_socket, timeout=30)
    roots = []
    member = None
    try:
        for _ in range(TOTAL - PER_UID - 1):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(env.direct_socket)
            roots.append(s)
        started = time.monotonic()
        member = SilentConnections(USER_VERIFIER, env.direct_socket, PER_UID, extra=3)
        minutes = (time.monotonic() - started) / 60
        assert member.refused == 3
        assert client.verify(USER_A, password, "imap", "") == entry_id
        lines = refused_lines(env, verifier)
        assert 1 <= len(lines) <= 1 + int(minutes), lines
        assert "it has 64 open, the most one UID other than root may have" in lines[0]
        # root still gets a place when every place is taken: that of a silent connection of the
        # member's, not of its own.
        assert direct_call_as(None, env.direct_socket, "verify", USER_A, password) == entry_id
        for s in roots:
            s.setblocking(False)
            with pytest.raises(BlockingIOError):
                s.recv(1)
    finally:
        client.close()
        for s in roots:
            s.close()
        if member:
            member.close()


def test_a_reload_forgets_who_was_admitted(env):
    entry_id, password = env.client().create(USER_A, "reloaded")
    assert direct_call_as(USER_VERIFIER, env.direct_socket, "verify", USER_A, password) == entry_id
    del env.daemon.config["verify_group"]
    env.daemon.write_config()
    before = env.daemon.log_text().count("configuration reloaded from ")
    os.kill(env.daemon.pid, signal.SIGHUP)
    deadline = time.monotonic() + 20  # how long the test waits, not a limit on the daemon
    while env.daemon.log_text().count("configuration reloaded from ") == before:
        assert time.monotonic() < deadline, env.daemon.log_text()
        time.sleep(0.05)
    # Refused at once, not when the admission kept from before would have run out.
    assert direct_refusals_as(USER_VERIFIER, env.direct_socket, 1) == 1
