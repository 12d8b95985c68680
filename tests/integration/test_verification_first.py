# SPDX-License-Identifier: LGPL-2.1-or-later
"""Verifications do not wait behind changes. With apppassd stopped (SIGSTOP), one user queues
many CreatePassword calls on the bus; then VerifyPassword calls arrive behind them, one on the
bus and one on the direct socket. When apppassd runs again (SIGCONT), both verifications are
answered before every one of the queued changes.

Only orders are asserted, never times: on the bus by the serials of apppassd's replies (they
all leave on its one bus connection, numbered in the order it sends them), across the two
transports by the order of apppassd's audit events, which it logs as it handles each call.
Before changes were held back, the bus's verification came after every queued change, and the
direct socket's after none or one of them, as the loop happened to take turns.

The other way round, changes are not starved: a change followed by a flood of cheap calls is
answered after at most ChangeQueue::kMaxOvertaken (64) of them."""
import os
import pickle
import re
import signal

from testenv import (BUS_NAME, INTERFACE, OBJECT_PATH, USER_A, USER_B, TestEnv,
                     drop_privileges)

WRITES = 40
# apppassd is idle when it is stopped, so when it runs again no change is in progress, and none
# may be answered before a verification that was waiting (a change in progress is finished
# first; docs/security.md says what that costs).
AT_MOST_AHEAD = 0
MAX_OVERTAKEN = 64


def method_call(member, signature, *args, destination=BUS_NAME, path=OBJECT_PATH,
                interface=INTERFACE):
    import dbus.lowlevel
    message = dbus.lowlevel.MethodCallMessage(destination, path, interface, member)
    message.append(*args, signature=signature)
    return message


class Pipelined:
    """Calls sent on CONNECTION without waiting, their replies collected afterwards."""

    def __init__(self, connection):
        self.connection = connection
        self.pending = []
        self.replies = []

    def send(self, message):
        self.pending.append(self.connection.send_message_with_reply(
            message, self.replies.append, 120.0))

    def wait(self):
        """Each reply as (its serial, its error name or None, its arguments)."""
        import dbus.lowlevel
        for call in self.pending:
            call.block()
        return [(r.get_serial(),
                 r.get_error_name() if r.get_type() == dbus.lowlevel.MESSAGE_TYPE_ERROR else None,
                 [str(a) for a in r.get_args_list()]) for r in self.replies]


def sync_with_the_bus(connection):
    """Returns once dbus-daemon has routed everything CONNECTION sent before: it handles one
    connection's messages in order, so its answer to this call comes after them."""
    connection.call_blocking("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                             "GetId", "", ())


def queue_changes_as(user, address, ready_fd, result_fd):
    """In a child process: as USER, WRITES creates sent at once; READY_FD told when the bus has
    routed them all; their replies pickled to RESULT_FD."""
    import dbus
    drop_privileges(user)
    connection = dbus.bus.BusConnection(address)
    calls = Pipelined(connection)
    for i in range(WRITES):
        calls.send(method_call("CreatePassword", "ssa{sv}", "", "queued-%d" % i,
                               dbus.Dictionary({}, signature="sv")))
    sync_with_the_bus(connection)
    os.write(ready_fd, b"queued")
    os.close(ready_fd)
    replies = calls.wait()
    with os.fdopen(result_fd, "wb") as f:
        pickle.dump(replies, f)


def events(log):
    """The audit events of LOG in order: (event, result), e.g. ("create", "ok")."""
    return re.findall(r'APPPASS_EVENT="([a-z-]+)" APPPASS_RESULT="([^"]*)"', log)


def test_verifications_are_answered_before_the_changes_queued_ahead_of_them():
    config = {"throttle": "no", "user_write_burst": "1000", "max_per_user": "1000"}
    with TestEnv(config=config) as env:
        import dbus
        import dbus.connection
        entry_id, password = env.client().create(USER_A, "phone")
        root_bus = dbus.bus.BusConnection(env.address)
        direct = dbus.connection.Connection("unix:path=" + env.direct_socket)
        # Both connections are set up (authenticated, and the caller known) while apppassd runs.
        direct.call_blocking(None, OBJECT_PATH, "org.freedesktop.DBus.Peer", "Ping", "", ())
        assert len(root_bus.call_blocking(BUS_NAME, OBJECT_PATH, INTERFACE, "ListPasswords", "s",
                                          (USER_A,))) == 1
        log_before = len(env.daemon.log_text())

        os.kill(env.daemon.pid, signal.SIGSTOP)
        try:
            ready_read, ready_write = os.pipe()
            result_read, result_write = os.pipe()
            pid = os.fork()
            if pid == 0:
                code = 0
                try:
                    os.close(ready_read)
                    os.close(result_read)
                    queue_changes_as(USER_B, env.address, ready_write, result_write)
                except BaseException:  # noqa: B902 - the parent sees no result and fails
                    code = 1
                os._exit(code)
            os.close(ready_write)
            os.close(result_write)
            assert os.read(ready_read, 16) == b"queued"
            os.close(ready_read)
            # Behind all of them: a verification on the bus, routed after them...
            on_bus = Pipelined(root_bus)
            on_bus.send(method_call("VerifyPassword", "ssss", USER_A, password, "imap", ""))
            sync_with_the_bus(root_bus)
            # ...and one on the direct socket, written before apppassd runs again.
            on_socket = Pipelined(direct)
            on_socket.send(method_call("VerifyPassword", "ssss", USER_A, password, "imap", "",
                                       destination=None))
            direct.flush()
        finally:
            os.kill(env.daemon.pid, signal.SIGCONT)

        [(verify_serial, verify_error, verify_args)] = on_bus.wait()
        [(_, direct_error, direct_args)] = on_socket.wait()
        with os.fdopen(result_read, "rb") as f:
            changes = pickle.loads(f.read())
        _, status = os.waitpid(pid, 0)
        assert status == 0
        assert (verify_error, verify_args) == (None, [entry_id])
        assert (direct_error, direct_args) == (None, [entry_id])
        assert len(changes) == WRITES
        assert all(error is None for _, error, _ in changes), changes
        answered_first = sorted(serial for serial, _, _ in changes if serial < verify_serial)
        assert len(answered_first) <= AT_MOST_AHEAD, (len(answered_first), WRITES)

        handled = events(env.daemon.log_text()[log_before:])
        assert handled.count(("create", "ok")) == WRITES
        assert handled.count(("verify", "ok")) == 2
        for nth_verification in range(2):
            position = [i for i, e in enumerate(handled) if e[0] == "verify"][nth_verification]
            ahead = handled[:position].count(("create", "ok"))
            assert ahead <= AT_MOST_AHEAD, (handled, ahead)
        root_bus.close()
        direct.close()


def test_a_change_is_not_starved_by_a_flood_of_other_calls():
    with TestEnv(config={"throttle": "no"}) as env:
        import dbus
        root_bus = dbus.bus.BusConnection(env.address)
        root_bus.call_blocking(BUS_NAME, OBJECT_PATH, INTERFACE, "ListPasswords", "s", (USER_A,))
        os.kill(env.daemon.pid, signal.SIGSTOP)
        try:
            change = Pipelined(root_bus)
            change.send(method_call("CreatePassword", "ssa{sv}", USER_A, "not-starved",
                                    dbus.Dictionary({}, signature="sv")))
            reads = Pipelined(root_bus)
            # More than MAX_OVERTAKEN; fewer than the 128 calls dbus-daemon lets one
            # connection have waiting for replies (max_replies_per_connection).
            for _ in range(MAX_OVERTAKEN + 40):
                reads.send(method_call("ListPasswords", "s", USER_A))
            sync_with_the_bus(root_bus)
        finally:
            os.kill(env.daemon.pid, signal.SIGCONT)
        [(change_serial, change_error, _)] = change.wait()
        listed = reads.wait()
        assert change_error is None
        assert all(error is None for _, error, _ in listed)
        ahead = len([serial for serial, _, _ in listed if serial < change_serial])
        # Held behind the reads, but let through once MAX_OVERTAKEN calls went past it.
        assert 1 <= ahead <= MAX_OVERTAKEN, ahead
        root_bus.close()
