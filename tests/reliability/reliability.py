# SPDX-License-Identifier: LGPL-2.1-or-later
"""What the reliability tests share: sanitizer-report detection in the daemon's log, process
figures from /proc, low-level D-Bus calls with any signature, and a look into the store
whichever one the suite runs on."""

import os
import re
import sqlite3
import subprocess

import dbus
import dbus.lowlevel
import pytest

import testenv
from testenv import BUS_NAME, INTERFACE, OBJECT_PATH

# What AddressSanitizer, LeakSanitizer and UndefinedBehaviorSanitizer print.
SANITIZER_REPORT = re.compile(
    r"ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|UndefinedBehaviorSanitizer|"
    r"SUMMARY: \w+Sanitizer")


def sanitizer_reports(log_text):
    return [line for line in log_text.splitlines() if SANITIZER_REPORT.search(line)]


def assert_clean_log(daemon):
    reports = sanitizer_reports(daemon.log_text())
    assert reports == [], "sanitizer reports in apppassd's log:\n" + daemon.log_text()[-8000:]


def stop_cleanly(daemon):
    """SIGTERM: a sanitizer build checks for leaks at exit and exits non-zero on any report."""
    log = None
    status = daemon.stop()
    with open(daemon.log_path, "rb") as f:
        log = f.read().decode(errors="replace")
    assert status == 0, "apppassd exited with %s:\n%s" % (status, log[-8000:])
    assert sanitizer_reports(log) == [], log[-8000:]


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS for %d" % pid)


def open_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def raw_call(connection, method, signature, args, timeout=10.0, interface=INTERFACE,
             destination=BUS_NAME):
    """Calls METHOD with ARGS marshalled as SIGNATURE (any signature, right or wrong).
    Returns ("ok", reply args) or ("error", error name, message). DESTINATION is None on a
    peer-to-peer connection (the direct socket)."""
    message = dbus.lowlevel.MethodCallMessage(destination, OBJECT_PATH, interface, method)
    if signature:
        message.append(*args, signature=signature)
    try:
        reply = connection.send_message_with_reply_and_block(message, timeout)
    except dbus.exceptions.DBusException as e:
        return ("error", e.get_dbus_name(), e.get_dbus_message())
    return ("ok", reply.get_args_list())


def send_and_forget(connection, method, signature, args):
    """Sends a call and does not wait for the reply."""
    message = dbus.lowlevel.MethodCallMessage(BUS_NAME, OBJECT_PATH, INTERFACE, method)
    message.append(*args, signature=signature)
    connection.send_message(message)
    connection.flush()


# --- the store, whichever one the suite runs on (testenv.POSTGRESQL) ---------------------------

def on_postgresql():
    return bool(testenv.POSTGRESQL)


def psql(env, sql):
    """Runs SQL in the database of ENV's store (ENV None: in the server's maintenance database,
    for what must not depend on the state of ENV's); returns psql's unaligned, tuples-only
    output."""
    conninfo = env.store["postgresql"] if env is not None else testenv.POSTGRESQL
    result = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", conninfo, "-c", sql],
                            check=True, capture_output=True, text=True)
    return result.stdout


def store_snapshot(env):
    """Everything the store holds, as bytes, to tell that a refused start touched nothing:
    the SQLite file, or every row of the PostgreSQL tables in a fixed order."""
    if on_postgresql():
        return psql(env, "SELECT key, encode(value, 'hex') FROM apppass_meta ORDER BY key;"
                         "SELECT e::text FROM apppass_entries e ORDER BY id;").encode()
    with open(os.path.join(env.state_dir, "apppass.db"), "rb") as f:
        return f.read()


def store_integrity(env):
    """The store's own consistency check: SQLite's integrity_check; on PostgreSQL, which
    checks its constraints on every write, that no row breaks what the schema promises."""
    if on_postgresql():
        bad = psql(env, "SELECT count(*) FROM apppass_entries WHERE octet_length(secret_hash) <> 32"
                        " OR uid < 0 OR name = ''").strip()
        return ["ok"] if bad == "0" else ["%s malformed rows" % bad]
    connection = sqlite3.connect("file:%s?mode=ro" % os.path.join(env.state_dir, "apppass.db"), uri=True)
    try:
        return [row[0] for row in connection.execute("PRAGMA integrity_check")]
    finally:
        connection.close()


def database_of(env):
    return env.store["postgresql"].rsplit("dbname=", 1)[1].split()[0]


def terminate_daemon_backends(env):
    """Cuts apppassd's database connections from the server side, as a failover or a network
    cut does; returns how many were cut."""
    database = database_of(env)
    return int(psql(None, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                         " WHERE datname = '%s' AND pid <> pg_backend_pid()" % database).strip())


sqlite_only = pytest.mark.skipif(bool(testenv.POSTGRESQL),
                                 reason="a fault of the SQLite file in the state directory; "
                                        "PostgreSQL's faults are test_postgresql_faults.py")
postgresql_only = pytest.mark.skipif(not testenv.POSTGRESQL, reason="runs on the PostgreSQL store only")
