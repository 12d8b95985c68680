# SPDX-License-Identifier: LGPL-2.1-or-later
"""Faults of the PostgreSQL store (the SQLite file's own are in test_faults.py): the database
turned read-only, the daemon's connection cut by the server, and a start while the server is
down. Each gives StoreUnavailable or a clear refusal to start, never a successful verification
of a wrong password and never a lost entry; the daemon recovers by itself."""

import os
import subprocess
import time

import pytest

from reliability import (assert_clean_log, database_of, postgresql_only, psql, stop_cleanly, store_snapshot,
                         terminate_daemon_backends)
from testenv import BusCallError, USER_A

pytestmark = postgresql_only

WRONG = "abcd efgh jkmn pqrs tuvw xyza"


def error_of(call, *args):
    with pytest.raises(BusCallError) as caught:
        call(*args)
    return caught.value


def until_served(call, *args):
    """Calls until the daemon's reconnection (at most once a second) lets CALL through: a
    bounded wait, not a timing test. StoreUnavailable is the only answer allowed meanwhile."""
    deadline = time.monotonic() + 30
    while True:
        try:
            return call(*args)
        except BusCallError as e:
            assert e.short == "StoreUnavailable", e
            assert time.monotonic() < deadline, "the daemon did not reconnect"
            time.sleep(0.2)


def test_read_only_database_refuses_writes_clearly_and_still_verifies(env):
    client = env.client()
    entry_id, password = client.create(USER_A, "phone")
    database = database_of(env)
    psql(None, "ALTER DATABASE %s SET default_transaction_read_only = on" % database)
    terminate_daemon_backends(env)  # the setting applies to new sessions
    try:
        until_served(client.list, USER_A)  # reconnected, now to a read-only database
        failure = error_of(client.create, USER_A, "tablet")
        assert failure.short == "StoreUnavailable", failure
        assert "read-only" in failure.message, failure.message
        assert error_of(client.delete, USER_A, entry_id).short == "StoreUnavailable"
        # Reading needs no write: the right password still works, a wrong one is still wrong.
        assert client.verify(USER_A, password) == entry_id
        assert error_of(client.verify, USER_A, WRONG).short == "BadPassword"
        assert [e["id"] for e in client.list(USER_A)] == [entry_id]
    finally:
        psql(None, "ALTER DATABASE %s SET default_transaction_read_only = off" % database)
        terminate_daemon_backends(env)
    made, _ = until_served(client.create, USER_A, "tablet")
    assert sorted(e["id"] for e in client.list(USER_A)) == sorted([entry_id, made])
    client.close()
    assert_clean_log(env.daemon)
    stop_cleanly(env.daemon)


def test_connection_cut_by_the_server_is_reestablished_and_nothing_is_lost(env):
    client = env.client()
    made = [client.create(USER_A, "entry %d" % i) for i in range(5)]
    for _ in range(3):
        assert terminate_daemon_backends(env) >= 1
        # The first call after the cut may fail (StoreUnavailable), never succeed wrongly.
        for _ in range(3):
            try:
                client.verify(USER_A, WRONG)
                raise AssertionError("a wrong password was accepted after a connection cut")
            except BusCallError as e:
                assert e.short in ("StoreUnavailable", "BadPassword"), e
        entry_id, password = made[0]
        assert until_served(client.verify, USER_A, password) == entry_id
    assert sorted(e["id"] for e in client.list(USER_A)) == sorted(i for i, _ in made)
    client.close()
    assert_clean_log(env.daemon)
    stop_cleanly(env.daemon)


def test_start_while_the_server_is_down_refuses_clearly_then_starts(env):
    client = env.client()
    entry_id, password = client.create(USER_A, "phone")
    client.close()
    env.daemon.stop()
    before = store_snapshot(env)
    subprocess.run(os.environ["APPPASS_TEST_POSTGRESQL_STOP"], shell=True, check=True, stdout=subprocess.DEVNULL)
    try:
        log_start = len(env.daemon.log_text())
        env.daemon.start(wait=False)
        status = env.daemon.wait_exit(60)
        log = env.daemon.log_text()[log_start:]
        env.daemon.stop()
        # Exit status 1 with the reason: systemd's Restart=on-failure (or the next D-Bus
        # activation) starts it again; meanwhile PAM gets no answer and denies.
        assert status == 1, log
        assert "database" in log and "connect" in log, log
        assert "password=" not in log and env.store["postgresql"] not in log, log
    finally:
        subprocess.run(os.environ["APPPASS_TEST_POSTGRESQL_START"], shell=True, check=True,
                       stdout=subprocess.DEVNULL)
    assert store_snapshot(env) == before
    env.daemon.start()
    assert env.client().verify(USER_A, password) == entry_id
    assert_clean_log(env.daemon)
    stop_cleanly(env.daemon)
