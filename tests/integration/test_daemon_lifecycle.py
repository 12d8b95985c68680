# SPDX-License-Identifier: LGPL-2.1-or-later
"""apppassd as a process: start-up, restart, shutdown, refusing bad state, the throttle over the
bus, and what it writes to its log."""
import os
import signal
import socket
import sqlite3
import stat
import subprocess
import time

import pytest

import testenv
from testenv import USER_A, USER_B, USER_VERIFIER, BusCallError, TestBus, TestDaemon, TestEnv


def start_failing(env, config=None):
    """Starts a daemon expected to refuse to start; returns (exit status, log)."""
    d = TestDaemon(env.bus, env.state_dir, config, wait=False, store=env.store)
    status = d.wait_exit(20)
    text = d.log_text()
    d.stop()
    return status, text


def test_restart_keeps_every_entry_and_secret():
    with TestEnv() as env:
        c = env.client()
        made = {c.create(USER_A, "n%d" % i)[0]: None for i in range(5)}
        entry_id, pw = c.create(USER_B, "bob")
        assert c.verify(USER_B, pw, "dovecot", "10.0.0.1") == entry_id
        before = {u: c.list(u) for u in (USER_A, USER_B)}
        env.daemon.restart()
        c = env.client()
        assert {u: c.list(u) for u in (USER_A, USER_B)} == before
        assert {e["id"] for e in before[USER_A]} == set(made)
        assert before[USER_B][0]["last_service"] == "dovecot"
        assert c.verify(USER_B, pw, "dovecot", "") == entry_id


def test_last_use_survives_sigterm_right_after_the_login():
    with TestEnv() as env:
        c = env.client()
        entry_id, pw = c.create(USER_A, "x")
        c.verify(USER_A, pw, "sshd", "192.0.2.9")
        assert env.daemon.stop(signal.SIGTERM) == 0   # before the 1 s flush timer
        env.start_daemon()
        e = env.client().list(USER_A)[0]
        assert (e["last_service"], e["last_remote_host"]) == ("sshd", "192.0.2.9")
        assert "apppassd stopped" in env.daemon.log_text()


def test_files_are_private():
    with TestEnv() as env:
        env.client().create(USER_A, "x")
        mode = lambda p: stat.S_IMODE(os.stat(os.path.join(env.state_dir, p)).st_mode)  # noqa: E731
        assert mode(".") == 0o700
        assert mode("apppass.key") == 0o600
        assert os.path.getsize(os.path.join(env.state_dir, "apppass.key")) == 32
        if testenv.POSTGRESQL:
            # the entries are in the database: no SQLite file beside the key
            assert sorted(os.listdir(env.state_dir)) == ["apppass.key"]
        else:
            assert mode("apppass.db") == 0o600


def test_store_holds_only_keyed_hashes():
    with TestEnv() as env:
        _, pw = env.client().create(USER_A, "x")
        env.daemon.stop()
        if testenv.POSTGRESQL:
            rows = testenv.sql_on(env.store, "SELECT * FROM apppass_entries").splitlines()
            assert len(rows) == 1
            assert pw not in rows[0]
            assert testenv.sql_on(env.store, "SELECT octet_length(secret_hash) FROM apppass_entries") == "32\n"
            return
        db = sqlite3.connect(os.path.join(env.state_dir, "apppass.db"))
        rows = db.execute("SELECT * FROM entries").fetchall()
        db.close()
        assert len(rows) == 1
        with open(os.path.join(env.state_dir, "apppass.db"), "rb") as f:
            raw = f.read()
        assert pw.encode() not in raw
        wal = os.path.join(env.state_dir, "apppass.db-wal")
        if os.path.exists(wal):
            with open(wal, "rb") as f:
                assert pw.encode() not in f.read()


def test_log_has_every_event_and_never_a_secret():
    with TestEnv() as env:
        c = env.client()
        entry_id, pw = c.create(USER_A, "Phone Mail")
        c.verify(USER_A, pw, "dovecot", "127.0.0.1")
        with pytest.raises(BusCallError):
            c.verify(USER_A, "wrong-password-typed-here", "dovecot", "127.0.0.1")
        c.delete(USER_A, entry_id)
        log = env.daemon.log_text()
        assert pw not in log and pw.upper() not in log
        assert "wrong-password-typed-here" not in log
        assert 'APPPASS_EVENT="create" APPPASS_RESULT="ok" APPPASS_USER="%s" APPPASS_ENTRY_ID="%s" ' \
               'APPPASS_ENTRY_NAME="Phone Mail"' % (USER_A, entry_id) in log
        assert 'APPPASS_EVENT="verify" APPPASS_RESULT="ok" APPPASS_USER="%s" APPPASS_ENTRY_ID="%s" ' \
               'APPPASS_ENTRY_NAME="Phone Mail" APPPASS_SERVICE="dovecot" APPPASS_REMOTE_HOST="127.0.0.1"' \
               % (USER_A, entry_id) in log
        assert 'APPPASS_EVENT="verify" APPPASS_RESULT="BadPassword" APPPASS_USER="%s"' % USER_A in log
        assert 'APPPASS_EVENT="delete" APPPASS_RESULT="ok" APPPASS_USER="%s" APPPASS_ENTRY_ID="%s"' \
               % (USER_A, entry_id) in log


def test_throttle_per_host_and_per_user_ends_by_itself():
    config = {"throttle_user_failures": "3", "throttle_host_failures": "5",
              "throttle_delay_initial": "1", "throttle_delay_max": "2"}
    with TestEnv(config=config) as env:
        c = env.client()
        _, pw_a = c.create(USER_A, "a")
        _, pw_b = c.create(USER_B, "b")
        _, pw_v = c.create(USER_VERIFIER, "v")
        wrong = "abcd" * 6
        for _ in range(3):
            with pytest.raises(BusCallError) as info:
                c.verify(USER_A, wrong, "dovecot", "192.0.2.1")
            assert info.value.short == "BadPassword"
        # alice from that host waits, even with the right password ...
        with pytest.raises(BusCallError) as info:
            c.verify(USER_A, pw_a, "dovecot", "192.0.2.1")
        assert info.value.short == "Throttled"
        assert info.value.message == "too many failed attempts from this host; try again in 1 s"
        # ... but not from another host, and bob is not held up by alice's failures.
        assert c.verify(USER_A, pw_a, "dovecot", "198.51.100.7")
        assert c.verify(USER_B, pw_b, "dovecot", "192.0.2.1")
        # Two more failures from the host (for bob) reach the host limit of 5: everyone who has
        # not logged in from it lately waits; bob, who just did, is held back only by his own
        # two failures, under his limit of 3.
        for _ in range(2):
            with pytest.raises(BusCallError):
                c.verify(USER_B, wrong, "dovecot", "192.0.2.1")
        with pytest.raises(BusCallError) as info:
            c.verify(USER_VERIFIER, pw_v, "dovecot", "192.0.2.1")
        assert info.value.short == "Throttled"
        assert c.verify(USER_B, pw_b, "dovecot", "192.0.2.1")
        time.sleep(2.2)  # the longest delay (throttle_delay_max) has passed
        assert c.verify(USER_A, pw_a, "dovecot", "192.0.2.1")
        assert c.verify(USER_VERIFIER, pw_v, "dovecot", "192.0.2.1")


def test_no_app_passwords_is_not_counted_as_a_failure():
    with TestEnv(config={"throttle_user_failures": "1", "throttle_host_failures": "1"}) as env:
        c = env.client()
        for _ in range(5):
            with pytest.raises(BusCallError) as info:
                c.verify(USER_A, "main password", "dovecot", "192.0.2.1")
            assert info.value.short == "NoAppPasswords"


def test_sigterm_exits_cleanly_and_second_instance_refuses():
    with TestEnv() as env:
        second = TestDaemon(env.bus, env.state_dir + "-2", wait=False)
        assert second.wait_exit(20) == 1
        assert "cannot own the bus name org.apppass.AppPass1" in second.log_text()
        second.stop()
        assert env.daemon.stop(signal.SIGTERM) == 0


@pytest.mark.parametrize("config_line,message", [
    ("max_per_users = 3", "apppassd.conf:2: unknown key \"max_per_users\""),
    ("max_per_user = lots", "apppassd.conf:2: max_per_user must be a whole number from 1 to 10000"),
    ("denied_groups = no-such-group-xyz", 'denied_groups names the group "no-such-group-xyz", which does not exist'),
])
def test_bad_config_stops_with_file_and_line(config_line, message):
    with TestEnv(daemon=False) as env:
        key, value = [x.strip() for x in config_line.split("=", 1)]
        status, log = start_failing(env, {key: value})
        assert status == 1
        assert message in log


def test_missing_explicit_config_file_is_an_error():
    with TestEnv(daemon=False) as env:
        p = subprocess.run([testenv.DAEMON, "--config", "/nonexistent/apppassd.conf", "--state-dir",
                            env.state_dir], capture_output=True, text=True, timeout=20,
                           env=dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=env.address))
        assert p.returncode == 1
        assert "cannot read configuration file /nonexistent/apppassd.conf: No such file or directory" in p.stderr


def prepared_state(env):
    """A state directory with one entry, the daemon stopped."""
    env.start_daemon()
    env.client().create(USER_A, "x")
    env.daemon.stop()


def test_unusable_store_stops_the_daemon():
    with TestEnv(daemon=False) as env:
        prepared_state(env)
        if testenv.POSTGRESQL:
            # what a database a newer apppassd migrated looks like to this one
            testenv.sql_on(env.store, "UPDATE apppass_schema SET version = 99")
            status, log = start_failing(env)
            assert status == 1
            assert "the app password database has schema version 99, newer than this apppassd knows (4);" \
                " upgrade apppassd on this node" in log
            return
        with open(os.path.join(env.state_dir, "apppass.db"), "wb") as f:
            f.write(os.urandom(16384))
        for suffix in ("-wal", "-shm"):
            p = os.path.join(env.state_dir, "apppass.db" + suffix)
            if os.path.exists(p):
                os.unlink(p)
        status, log = start_failing(env)
        assert status == 1
        db = os.path.join(env.state_dir, "apppass.db")
        assert "cannot use %s as the app password store" % db in log
        assert "file is not a database" in log


def test_key_problems_stop_the_daemon():
    with TestEnv(daemon=False) as env:
        prepared_state(env)
        key = os.path.join(env.state_dir, "apppass.key")
        os.chmod(key, 0o644)
        status, log = start_failing(env)
        assert status == 1
        assert "is readable or writable by others; run: chmod 0600 %s" % key in log
        os.chmod(key, 0o600)
        with open(key, "rb") as f:
            original = f.read()
        with open(key, "wb") as f:
            f.write(os.urandom(32))
        status, log = start_failing(env)
        assert status == 1
        assert "is not the key this store was made with" in log
        os.unlink(key)
        status, log = start_failing(env)
        assert status == 1
        assert "is missing but the store was made with a key" in log
        assert not os.path.exists(key)  # no silent new key
        with open(key, "wb") as f:
            f.write(original[:16])
        os.chmod(key, 0o600)
        status, log = start_failing(env)
        assert "has 16 bytes, not 32" in log
        with open(key, "wb") as f:
            f.write(original)
        env.start_daemon()
        assert len(env.client().list(USER_A)) == 1


def test_key_from_systemd_credential():
    with TestEnv(daemon=False) as env:
        creds = os.path.join(env.workdir, "creds")
        os.mkdir(creds, 0o700)
        with open(os.path.join(creds, "apppass.key"), "wb") as f:
            f.write(bytes(range(32)))
        env.start_daemon(env={"CREDENTIALS_DIRECTORY": creds})
        _, pw = env.client().create(USER_A, "x")
        assert not os.path.exists(os.path.join(env.state_dir, "apppass.key"))
        env.daemon.stop()
        env.start_daemon(env={"CREDENTIALS_DIRECTORY": creds})
        assert env.client().verify(USER_A, pw, "dovecot", "")


def test_state_directory_open_to_others_is_refused():
    with TestEnv(daemon=False) as env:
        os.mkdir(env.state_dir, 0o755)
        os.chmod(env.state_dir, 0o755)
        status, log = start_failing(env)
        assert status == 1
        assert "has mode 0755; others must not enter it: run chmod 0700 %s" % env.state_dir in log


def test_version_and_help():
    p = subprocess.run([testenv.DAEMON, "--version"], capture_output=True, text=True, timeout=10)
    assert p.returncode == 0 and p.stdout.startswith("apppassd ")
    p = subprocess.run([testenv.DAEMON, "--help"], capture_output=True, text=True, timeout=10)
    assert p.returncode == 0 and "--state-dir" in p.stdout and "--config" in p.stdout
    p = subprocess.run([testenv.DAEMON, "--bogus"], capture_output=True, text=True, timeout=10)
    assert p.returncode != 0


def test_malformed_verifications_are_logged_escaped_and_capped(client, env):
    with pytest.raises(BusCallError) as info:
        client.verify(USER_A, "x", "dovecot", "evil\nAPPPASS_RESULT=\"ok\"" + "h" * 5000)
    assert info.value.short == "InvalidArgument"
    line = [l for l in env.daemon.log_text().splitlines() if "malformed verification" in l]
    assert len(line) == 1
    assert 'APPPASS_RESULT="InvalidArgument"' in line[0]
    assert 'APPPASS_REMOTE_HOST="evil\\x0aAPPPASS_RESULT=\\"ok\\"' in line[0]
    assert line[0].endswith('hhh..." APPPASS_CALLER_UID="0"') and len(line[0]) < 1000


def test_event_loop_pings_the_watchdog_under_watchdog_usec():
    """WatchdogSec= in the unit sets WATCHDOG_USEC; sd_event_set_watchdog makes the loop send
    WATCHDOG=1 on the notify socket at half that period, without any call arriving."""
    with TestEnv(daemon=False) as env:
        daemon = env.start_daemon(env={"WATCHDOG_USEC": "400000"})
        # The readiness socket was closed once READY=1 came; sd_notify sends to the path anew
        # each time, so a socket bound again at that path gets the pings.
        path = os.path.join(env.bus.workdir, "notify.sock")
        os.unlink(path)
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify:
            notify.bind(path)
            notify.settimeout(5)
            messages = [notify.recv(4096).decode() for _ in range(2)]
        assert messages == ["WATCHDOG=1", "WATCHDOG=1"]
        assert daemon.process.poll() is None
