# SPDX-License-Identifier: LGPL-2.1-or-later
"""Faults: a read-only state directory, a full disk (a small tmpfs), the database replaced by
garbage, the key missing, with wrong permissions or wrong, and the daemon stopped in the middle
of a call. Each gives a clear error and a denial: never a successful verification of a wrong
password, never a lost entry, never a store or key silently replaced."""

import contextlib
import errno
import os
import random
import signal
import subprocess
import time

import dbus
import pytest

import testenv
from reliability import assert_clean_log, raw_call, sqlite_only, stop_cleanly, store_snapshot
from testenv import BusCallError, Client, ERROR_PREFIX, TestEnv, USER_A, USER_B

STORE_UNAVAILABLE = ERROR_PREFIX + "StoreUnavailable"
WRONG = "abcd efgh jkmn pqrs tuvw xyza"  # the right shape, never generated in these tests


def mount_tmpfs(path, size):
    os.makedirs(path, mode=0o700, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0700" % size, "apppass-test", path],
                   check=True)


def remount(path, mode):
    subprocess.run(["mount", "-o", "remount,%s" % mode, path], check=True)


def unmount(path):
    subprocess.run(["umount", "-l", path], check=False)


@contextlib.contextmanager
def env_on_tmpfs(size="8m", config=None):
    """A test environment whose state directory is a tmpfs of SIZE; the daemon is started."""
    testenv.require_test_users()
    with TestEnv(daemon=False, config=config) as env:
        mount_tmpfs(env.state_dir, size)
        try:
            env.start_daemon()
            yield env
            if env.daemon.process is not None:
                env.daemon.stop()
        finally:
            unmount(env.state_dir)


def bus_error(call, *args, **kwargs):
    with pytest.raises(BusCallError) as caught:
        call(*args, **kwargs)
    return caught.value


def listed_ids(env, user):
    client = env.client()
    try:
        return [entry["id"] for entry in client.list(user)]
    finally:
        client.close()


def refused_start(env):
    """Starts the daemon, which must refuse: returns (exit status, its log)."""
    before = len(env.daemon.log_text())
    env.daemon.start(wait=False)
    status = env.daemon.wait_exit(30)
    env.daemon.stop()
    return status, env.daemon.log_text()[before:]


def no_daemon_answers(env):
    """With apppassd gone every call fails, so the PAM stack denies (see tests/pam)."""
    connection = dbus.bus.BusConnection(env.address)
    try:
        outcome = raw_call(connection, "VerifyPassword", "ssss", [USER_A, WRONG, "sshd", ""])
    finally:
        connection.close()
    assert outcome[:2] == ("error", "org.freedesktop.DBus.Error.ServiceUnknown"), outcome


def file_bytes(path):
    with open(path, "rb") as f:
        return f.read()


# --- the state directory read-only ----------------------------------------------------------

@sqlite_only
def test_read_only_state_directory():
    """A state directory on a read-only file system (a mount that cannot be made read-only
    while apppassd holds files open for writing there, so the daemon is started on it)."""
    with env_on_tmpfs() as env:
        client = env.client()
        made = [client.create(USER_A, "kept"), client.create(USER_B, "other")]
        client.close()
        env.daemon.stop()
        db = os.path.join(env.state_dir, "apppass.db")
        before = file_bytes(db)
        remount(env.state_dir, "ro")
        try:
            status, log = refused_start(env)
            assert status == 1
            assert "state directory %s is not writable: Read-only file system" % env.state_dir in log, log
            no_daemon_answers(env)
        finally:
            remount(env.state_dir, "rw")
        assert file_bytes(db) == before
        env.daemon.start()
        check_all_verify(env, made)
        assert_clean_log(env.daemon)
        stop_cleanly(env.daemon)


# --- the disk full ---------------------------------------------------------------------------

def fill(directory):
    """Fills the file system of DIRECTORY to the last byte; returns the filler's path."""
    path = os.path.join(directory, "filler")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for size in (65536, 4096, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError as e:
                assert e.errno == errno.ENOSPC, e
    finally:
        os.close(fd)
    assert os.statvfs(directory).f_bavail == 0
    return path


@sqlite_only
def test_disk_full():
    with env_on_tmpfs(size="1m") as env:
        client = env.client()
        acknowledged = [client.create(USER_A, "before %d" % i) for i in range(5)]
        filler = fill(env.state_dir)
        # Creating goes on until the store can grow no more; then a clear error.
        failure = None
        for i in range(500):
            try:
                acknowledged.append(client.create(USER_B if i % 2 else USER_A, "full %d" % i))
            except BusCallError as e:
                failure = e
                break
        assert failure is not None, "500 creates fitted on a full 1 MiB file system"
        assert failure.name == STORE_UNAVAILABLE, failure
        assert "full" in failure.message, failure.message
        # Wrong passwords are still refused, right ones still accepted, nothing is lost.
        assert bus_error(client.verify, USER_A, WRONG).short == "BadPassword"
        assert client.verify(USER_A, acknowledged[0][1]) == acknowledged[0][0]
        stored = set(listed_ids(env, USER_A)) | set(listed_ids(env, USER_B))
        assert {entry_id for entry_id, _ in acknowledged} <= stored
        # A delete either is acknowledged and holds, or fails and changes nothing.
        victim = acknowledged.pop(1)[0]
        try:
            client.delete(USER_A, victim)
            deleted = True
        except BusCallError as e:
            assert e.name == STORE_UNAVAILABLE, e
            deleted = False
        assert (victim in listed_ids(env, USER_A)) != deleted
        assert env.daemon.process.poll() is None

        # Space again: after a restart everything acknowledged is there and verifies.
        os.unlink(filler)
        env.daemon.restart()
        stored = set(listed_ids(env, USER_A)) | set(listed_ids(env, USER_B))
        assert {entry_id for entry_id, _ in acknowledged} <= stored
        assert (victim in stored) != deleted
        for entry_id, password in acknowledged[:3] + acknowledged[-3:]:
            assert env.client().verify(USER_B if entry_id in listed_ids(env, USER_B) else USER_A,
                                       password) == entry_id
        assert_clean_log(env.daemon)
        stop_cleanly(env.daemon)


@sqlite_only
def test_first_start_on_a_full_disk_refuses_clearly():
    testenv.require_test_users()
    with TestEnv(daemon=False) as env:
        mount_tmpfs(env.state_dir, "64k")
        try:
            fill(env.state_dir)
            env.start_daemon(wait=False)
            status = env.daemon.wait_exit(30)
            log = env.daemon.log_text()
            env.daemon.stop()
            assert status == 1, log
            assert "No space left on device" in log or "disk is full" in log, log
            assert not os.path.exists(os.path.join(env.state_dir, "apppass.key")) or \
                os.path.getsize(os.path.join(env.state_dir, "apppass.key")) == 32
        finally:
            unmount(env.state_dir)


# --- the database replaced by garbage ----------------------------------------------------------

def stopped_store_with_entries(env, count=30):
    client = env.client()
    made = [client.create(USER_A if i % 2 else USER_B, "entry %d" % i) for i in range(count)]
    env.daemon.stop()  # a clean stop checkpoints the WAL into the database file
    return made


def check_all_verify(env, made):
    client = env.client()
    for entry_id, password in made:
        user = USER_A if entry_id in listed_ids(env, USER_A) else USER_B
        assert client.verify(user, password) == entry_id


@sqlite_only
@pytest.mark.parametrize("damage", ["random bytes", "text", "empty header", "a page zeroed",
                                    "truncated"])
def test_garbage_database_stops_the_daemon_and_is_left_alone(env, damage):
    made = stopped_store_with_entries(env)
    db = os.path.join(env.state_dir, "apppass.db")
    for suffix in ("-wal", "-shm"):
        assert not os.path.exists(db + suffix) or os.path.getsize(db + suffix) == 0 or suffix == "-shm"
    good = file_bytes(db)
    rng = random.Random(damage)
    if damage == "random bytes":
        bad = bytes(rng.randrange(256) for _ in range(len(good)))
    elif damage == "text":
        bad = b"this is not an SQLite database\n" * 100
    elif damage == "empty header":
        bad = b"SQLite format 3\0" + b"\0" * (len(good) - 16)
    elif damage == "a page zeroed":
        page_size = int.from_bytes(good[16:18], "big")
        assert len(good) >= 3 * page_size
        bad = good[:page_size] + b"\0" * page_size + good[2 * page_size:]
    else:
        bad = good[: len(good) // 2 + 100]
    with open(db, "wb") as f:
        f.write(bad)

    status, log = refused_start(env)
    assert status == 1, log
    assert db in log and ("not a database" in log or "corrupt" in log or "malformed" in log), log
    no_daemon_answers(env)
    # The daemon neither repaired nor replaced the file: the administrator's evidence is intact.
    assert file_bytes(db) == bad

    with open(db, "wb") as f:
        f.write(good)
    env.daemon.start()
    check_all_verify(env, made)
    assert_clean_log(env.daemon)


# --- the key ---------------------------------------------------------------------------------

@pytest.mark.parametrize("fault,message", [
    ("missing", "is missing but the store was made with a key"),
    ("world-readable", "is readable or writable by others; run: chmod 0600"),
    ("group-writable", "is readable or writable by others; run: chmod 0600"),
    ("another key", "is not the key this store was made with"),
    ("short", "has 16 bytes, not 32"),
    ("a directory", "is not a regular file"),
    ("a symlink", "cannot open the key"),
])
def test_key_faults_stop_the_daemon_and_lose_nothing(env, fault, message):
    made = stopped_store_with_entries(env, count=4)
    key = os.path.join(env.state_dir, "apppass.key")
    good_key, good_store = file_bytes(key), store_snapshot(env)
    os.rename(key, key + ".saved")
    if fault == "world-readable":
        with open(key, "wb") as f:
            f.write(good_key)
        os.chmod(key, 0o644)
    elif fault == "group-writable":
        with open(key, "wb") as f:
            f.write(good_key)
        os.chmod(key, 0o620)
    elif fault == "another key":
        with open(key, "wb") as f:
            f.write(os.urandom(32))
        os.chmod(key, 0o600)
    elif fault == "short":
        with open(key, "wb") as f:
            f.write(good_key[:16])
        os.chmod(key, 0o600)
    elif fault == "a directory":
        os.mkdir(key, 0o700)
    elif fault == "a symlink":
        os.symlink(key + ".saved", key)

    status, log = refused_start(env)
    assert status == 1, log
    assert message in log, log
    no_daemon_answers(env)
    # No new key was made in its place and the store was not touched.
    assert store_snapshot(env) == good_store
    if fault == "missing":
        assert not os.path.exists(key)

    if os.path.isdir(key) and not os.path.islink(key):
        os.rmdir(key)
    elif os.path.lexists(key):
        os.unlink(key)
    os.rename(key + ".saved", key)
    env.daemon.start()
    check_all_verify(env, made)
    assert_clean_log(env.daemon)


# --- the daemon stopped in the middle of a call ----------------------------------------------------

def test_daemon_stopped_mid_call_denies_and_catches_up(env):
    client = env.client()
    entry_id, password = client.create(USER_A, "phone")
    doomed_id, _ = client.create(USER_A, "doomed")
    os.kill(env.daemon.pid, signal.SIGSTOP)
    try:
        # A verification that gets no answer is a failure for the caller, never a success.
        slow = Client(env.address, timeout=2)
        error = bus_error(slow.verify, USER_A, password)
        assert error.name == "org.freedesktop.DBus.Error.NoReply"
        # A delete that timed out on the client side was still delivered ...
        error = bus_error(slow.delete, USER_A, doomed_id)
        assert error.name == "org.freedesktop.DBus.Error.NoReply"
    finally:
        os.kill(env.daemon.pid, signal.SIGCONT)
    # ... and is carried out once the daemon runs again, as the caller is still there (see
    # test_disconnected_caller.py for one that is not): a caller who saw a timeout must look.
    # Changes wait while other calls are ready (change_queue.hh), so a listing may come first:
    # look until the delete has been carried out.
    for _ in range(300):
        if listed_ids(env, USER_A) == [entry_id]:
            break
        time.sleep(0.1)
    assert listed_ids(env, USER_A) == [entry_id]
    slow.close()
    assert env.client().verify(USER_A, password) == entry_id
    assert bus_error(env.client().verify, USER_A, WRONG).short == "BadPassword"
    assert_clean_log(env.daemon)
    stop_cleanly(env.daemon)
