# SPDX-License-Identifier: LGPL-2.1-or-later
"""A caller that leaves the bus before apppassd has looked up who it is gets nothing done: the
daemon asks the bus for the sender's credentials and, the sender being gone, denies. The
daemon is held with SIGSTOP while the caller sends and leaves, so the order is certain. Each
case has a control in which the caller stays, to show the call does reach the daemon."""

import os
import signal

import dbus
import pytest

import testenv
from reliability import assert_clean_log, send_and_forget, stop_cleanly
from testenv import TestEnv, USER_A, USER_VERIFIER, drop_privileges


@pytest.fixture
def env():
    testenv.require_test_users()
    with TestEnv(config={"verify_group": testenv.VERIFY_GROUP}) as e:
        yield e


def send_as(user, address, method, signature, args, leave):
    """Forks a process that becomes USER, sends one call and either closes its connection
    (LEAVE) or keeps it open; the process itself stays alive until release() is called, so
    its PID still exists when the daemon looks. Returns release()."""
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(ready_r)
            os.close(go_w)
            drop_privileges(user)
            connection = dbus.bus.BusConnection(address)
            send_and_forget(connection, method, signature, args)
            if leave:
                connection.close()
            os.write(ready_w, b"sent")
            os.read(go_r, 1)
        finally:
            os._exit(0)
    os.close(ready_w)
    os.close(go_r)
    assert os.read(ready_r, 4) == b"sent"
    os.close(ready_r)

    def release():
        os.write(go_w, b"x")
        os.close(go_w)
        os.waitpid(pid, 0)
    return release


def while_stopped(env, user, method, signature, args, leave):
    os.kill(env.daemon.pid, signal.SIGSTOP)
    try:
        release = send_as(user, env.address, method, signature, args, leave)
    finally:
        os.kill(env.daemon.pid, signal.SIGCONT)
    # The daemon handles calls in the order they came: once this one is answered, the other
    # one has been handled too.
    client = env.client()
    try:
        return client.list(USER_A)
    finally:
        client.close()
        release()


@pytest.mark.parametrize("leave,expect_entry", [(True, False), (False, True)])
def test_create_by_a_caller_that_left_is_denied(env, leave, expect_entry):
    entries = while_stopped(env, USER_A, "CreatePassword", "ssa{sv}", ["", "left early", {}], leave)
    assert [e["name"] for e in entries] == (["left early"] if expect_entry else [])
    assert env.daemon.process.poll() is None
    assert_clean_log(env.daemon)
    stop_cleanly(env.daemon)


@pytest.mark.parametrize("leave,expect_use", [(True, False), (False, True)])
def test_verify_by_a_caller_that_left_is_denied(env, leave, expect_use):
    entry_id, password = env.client().create(USER_A, "phone")
    entries = while_stopped(env, USER_VERIFIER, "VerifyPassword", "ssss",
                            [USER_A, password, "disconnect-test", "192.0.2.7"], leave)
    # ListPasswords shows uses not yet written too; a verification that was carried out shows.
    (entry,) = entries
    assert entry["id"] == entry_id
    if expect_use:
        assert (entry["last_service"], entry["last_remote_host"]) == ("disconnect-test", "192.0.2.7")
        assert entry["last_used"] > 0
    else:
        assert (entry["last_used"], entry["last_service"], entry["last_remote_host"]) == (0, "", "")
    assert_clean_log(env.daemon)
    stop_cleanly(env.daemon)


@pytest.mark.parametrize("leave,expect_gone", [(True, False), (False, True)])
def test_delete_by_a_caller_that_left_is_denied(env, leave, expect_gone):
    entry_id, _ = env.client().create(USER_A, "phone")
    entries = while_stopped(env, USER_A, "DeletePassword", "ss", ["", entry_id], leave)
    assert [e["id"] for e in entries] == ([] if expect_gone else [entry_id])
    assert_clean_log(env.daemon)
    stop_cleanly(env.daemon)
