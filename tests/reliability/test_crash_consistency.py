# SPDX-License-Identifier: LGPL-2.1-or-later
"""Crash consistency: apppassd is killed with SIGKILL at a random moment while several clients,
each a real user, create and delete app passwords. After each restart the store passes its
consistency check, every create a client saw acknowledged is there, and every delete a
client saw acknowledged is gone (a revocation that was confirmed must never come back).
On PostgreSQL, half the rounds also cut the daemon's database connection from the server side
first (pg_terminate_backend, as a failover does), in the middle of its transactions.

APPPASS_CRASH_ROUNDS=N sets the number of rounds (default 200); APPPASS_CRASH_SEED=N
repeats a run."""

import os
import random
import signal
import time

from reliability import (assert_clean_log, on_postgresql, stop_cleanly, store_integrity,
                         terminate_daemon_backends)
from testenv import BusCallError, Client, USER_A, USER_B, USER_VERIFIER, drop_privileges

ROUNDS = int(os.environ.get("APPPASS_CRASH_ROUNDS", "200"))
# Each client is a real user managing its own entries; root manages its own too.
CLIENT_USERS = [USER_A, USER_B, USER_VERIFIER, "root"]
KEEP_AT_MOST = 20  # a client deletes more than it creates above this, so the limit is never hit


def client_main(user, address, live, round_number, seed, write_fd):
    """In a forked child: create and delete until the daemon goes away; report each
    acknowledged change on WRITE_FD as one line, the moment the reply arrives, and each
    delete before it is sent ("S ..."): one that was sent but never answered may or may not
    have happened."""
    rng = random.Random(seed)
    if user != "root":
        drop_privileges(user)
    live = list(live)
    sequence = 0
    deadline = time.monotonic() + 30

    def report(line):
        os.write(write_fd, (line + "\n").encode())

    try:
        client = Client(address, timeout=20)
        while time.monotonic() < deadline:
            roll = rng.random()
            if roll < 0.02 and live:
                report("S A")
                count = client.delete_all("")
                report("A %d" % count)
                live.clear()
            elif live and (roll < 0.45 or len(live) >= KEEP_AT_MOST):
                entry_id = live.pop(rng.randrange(len(live)))
                report("S D " + entry_id)
                client.delete("", entry_id)
                report("D " + entry_id)
            else:
                sequence += 1
                entry_id, _ = client.create("", "r%d-%d" % (round_number, sequence))
                report("C " + entry_id)
                live.append(entry_id)
        report("E timeout")
    except BusCallError as e:
        report("E " + e.name)
    except Exception as e:  # noqa: BLE001 - the parent sees it as the reason this client ended
        report("E %s" % type(e).__name__)
    finally:
        os.close(write_fd)
        os._exit(0)


def start_client(user, address, live, round_number, seed):
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        client_main(user, address, live, round_number, seed, write_fd)
    os.close(write_fd)
    return pid, read_fd


def collect(pid, read_fd):
    chunks = []
    while True:
        data = os.read(read_fd, 65536)
        if not data:
            break
        chunks.append(data)
    os.close(read_fd)
    os.waitpid(pid, 0)
    return b"".join(chunks).decode().splitlines()


def log_about(daemon, ids):
    """The daemon's log lines that name any of IDS, to tell what happened to them."""
    return "\n".join(line for line in daemon.log_text().splitlines() if any(i in line for i in ids))


def test_kill_9_during_creates_and_deletes_loses_nothing_acknowledged(env):
    seed = int(os.environ.get("APPPASS_CRASH_SEED", random.randrange(2**32)))
    print("crash consistency seed %d, %d rounds" % (seed, ROUNDS))
    rng = random.Random(seed)
    live = {user: set() for user in CLIENT_USERS}       # what the store must hold
    deleted = {user: set() for user in CLIENT_USERS}    # what it must never hold again
    totals = {"C": 0, "D": 0, "A": 0}
    killed_mid_call = 0
    connections_cut = 0

    for round_number in range(ROUNDS):
        clients = [(user,) + start_client(user, env.address, sorted(live[user]), round_number,
                                          rng.randrange(2**32))
                   for user in CLIENT_USERS]
        time.sleep(rng.uniform(0.02, 0.3))
        if on_postgresql() and rng.random() < 0.5:
            connections_cut += terminate_daemon_backends(env)
            time.sleep(rng.uniform(0.0, 0.05))
        os.kill(env.daemon.pid, signal.SIGKILL)
        env.daemon.stop()  # reaps it
        for user, pid, read_fd in clients:
            unanswered = None
            for line in collect(pid, read_fd):
                kind, _, value = line.partition(" ")
                if kind == "S":
                    unanswered = value
                elif kind in ("C", "D", "A"):
                    unanswered = None
                if kind == "C":
                    live[user].add(value)
                    deleted[user].discard(value)
                elif kind == "D":
                    live[user].discard(value)
                    deleted[user].add(value)
                elif kind == "A":
                    deleted[user] |= live[user]
                    live[user].clear()
                elif kind == "E" and value == "org.freedesktop.DBus.Error.NoReply":
                    killed_mid_call += 1
                if kind in totals:
                    totals[kind] += 1
            # A delete cut off by the kill may have been carried out: its entries may be gone.
            if unanswered == "A":
                live[user].clear()
            elif unanswered is not None:
                live[user].discard(unanswered.split()[1])

        env.daemon.start()
        assert store_integrity(env) == ["ok"], "round %d (seed %d)" % (round_number, seed)
        client = env.client()
        try:
            for user in CLIENT_USERS:
                stored = {entry["id"] for entry in client.list(user)}
                missing = live[user] - stored
                back = deleted[user] & stored
                assert not missing, "round %d (seed %d): acknowledged creates of %s lost: %s\n%s" % (
                    round_number, seed, user, sorted(missing), log_about(env.daemon, missing))
                assert not back, "round %d (seed %d): acknowledged deletes of %s undone: %s\n%s" % (
                    round_number, seed, user, sorted(back), log_about(env.daemon, back))
                # Creates that were not acknowledged may or may not have happened: what is
                # there now is what the next round works with.
                live[user] = stored
        finally:
            client.close()

    print("acknowledged: %d creates, %d deletes, %d delete-alls; %d calls cut by the kill;"
          " %d database connections cut" % (totals["C"], totals["D"], totals["A"], killed_mid_call,
                                            connections_cut))
    # The rounds did what they are for: much was acknowledged, and kills hit calls in flight.
    assert totals["C"] >= ROUNDS and totals["D"] >= ROUNDS // 4
    assert killed_mid_call >= ROUNDS // 4
    if on_postgresql():
        assert connections_cut >= ROUNDS // 4
    assert_clean_log(env.daemon)
    stop_cleanly(env.daemon)
