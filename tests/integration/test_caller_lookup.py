# SPDX-License-Identifier: LGPL-2.1-or-later
"""A new caller's first call does not hold up the calls behind it. dbus-daemon's messages carry
no credentials, so apppassd asks the bus who a new sender is (GetConnectionCredentials); that
question now goes out without waiting, the call is parked, and everything behind it is served
meanwhile (daemon/src/caller_lookup.cc).

With apppassd stopped (SIGSTOP), a connection it has never seen sends ListPasswords, and then a
connection it knows sends VerifyPassword; when apppassd runs again, the verification is answered
first and the new caller's listing after it, correctly. Only the order is asserted, by the
serials of apppassd's replies, which leave on its one bus connection in the order it sends them.
Before, apppassd waited for the bus's answer in the middle of the first call, so the new
caller's reply always went out first."""
import os
import signal

from testenv import BUS_NAME, INTERFACE, OBJECT_PATH, USER_A, TestEnv
from test_verification_first import Pipelined, method_call, sync_with_the_bus


def test_a_new_callers_credentials_are_asked_without_holding_up_the_next_call():
    with TestEnv(config={"throttle": "no"}) as env:
        import dbus
        entry_id, password = env.client().create(USER_A, "phone")
        known = dbus.bus.BusConnection(env.address)
        # Known: apppassd has asked the bus about this connection once, while running.
        assert len(known.call_blocking(BUS_NAME, OBJECT_PATH, INTERFACE, "ListPasswords", "s",
                                       (USER_A,))) == 1
        new = dbus.bus.BusConnection(env.address)
        os.kill(env.daemon.pid, signal.SIGSTOP)
        try:
            first = Pipelined(new)
            first.send(method_call("ListPasswords", "s", USER_A))
            sync_with_the_bus(new)
            behind = Pipelined(known)
            behind.send(method_call("VerifyPassword", "ssss", USER_A, password, "imap", ""))
            sync_with_the_bus(known)
        finally:
            os.kill(env.daemon.pid, signal.SIGCONT)
        [(list_serial, list_error, list_args)] = first.wait()
        [(verify_serial, verify_error, verify_args)] = behind.wait()
        assert (verify_error, verify_args) == (None, [entry_id])
        assert list_error is None
        assert len(list_args) == 1 and entry_id in list_args[0]
        assert verify_serial < list_serial, (verify_serial, list_serial)
        new.close()
        known.close()


def test_a_sender_that_leaves_before_the_answer_is_refused_and_forgotten():
    """The question about a sender that has gone gets an error from the bus: its parked call is
    refused (nobody reads the reply), and the daemon goes on serving others."""
    with TestEnv(config={"throttle": "no"}) as env:
        import dbus
        entry_id, password = env.client().create(USER_A, "phone")
        gone = dbus.bus.BusConnection(env.address)
        os.kill(env.daemon.pid, signal.SIGSTOP)
        try:
            leaving = Pipelined(gone)
            leaving.send(method_call("ListPasswords", "s", USER_A))
            sync_with_the_bus(gone)
            gone.close()
        finally:
            os.kill(env.daemon.pid, signal.SIGCONT)
        client = env.client()
        assert client.verify(USER_A, password, "imap", "") == entry_id
        assert env.daemon.process.poll() is None
