# SPDX-License-Identifier: LGPL-2.1-or-later
"""One local user hammering creates and deletes from many connections: the user's changes are
limited per UID (user_write_burst, user_writes_per_minute), a refused change costs no write,
and root's VerifyPassword keeps answering in the middle of it all. Outcomes are counted; how
long anything took is not asserted (tests never assert on time; what a verification waits
behind such a user has not been measured in bench/ yet)."""
import os
import time

from testenv import USER_A, USER_B, BusCallError, Client, TestEnv, run_as

WORKERS = 8
CALLS_EACH = 60
BURST = 5
PER_MINUTE = 6


def hammer(address):
    """As the user: create and delete on a connection of its own; the outcomes counted."""
    client = Client(address)
    counts = {"ok": 0, "Throttled": 0, "other": 0}
    try:
        for i in range(CALLS_EACH):
            try:
                if i % 2 == 0:
                    client.create("", "hammer-%d-%d" % (os.getpid(), i))
                else:
                    client.delete_all("")
                counts["ok"] += 1
            except BusCallError as e:
                counts["Throttled" if e.short == "Throttled" else "other"] += 1
    finally:
        client.close()
    return counts


def test_one_users_writes_are_limited_and_roots_verification_answers():
    config = {"user_write_burst": str(BURST), "user_writes_per_minute": str(PER_MINUTE)}
    with TestEnv(config=config) as env:
        root = env.client()
        entry_id, password = root.create(USER_A, "phone")
        started = time.monotonic()
        workers = []
        for _ in range(WORKERS):
            read_fd, write_fd = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(read_fd)
                try:
                    result = repr(run_as(USER_B, hammer, env.address))
                except BaseException as e:  # noqa: B902 - reported to the parent
                    result = repr({"error": str(e)})
                os.write(write_fd, result.encode())
                os._exit(0)
            os.close(write_fd)
            workers.append((pid, read_fd))

        # Root verifies while they hammer: every call is answered, and answered right.
        verified = 0
        for _ in range(20):
            assert root.verify(USER_A, password, "dovecot", "192.0.2.1") == entry_id
            verified += 1

        totals = {"ok": 0, "Throttled": 0, "other": 0}
        for pid, read_fd in workers:
            with os.fdopen(read_fd, "rb") as f:
                counts = eval(f.read().decode())  # noqa: S307 - our own repr of a dict
            os.waitpid(pid, 0)
            assert "error" not in counts, counts
            for key in totals:
                totals[key] += counts[key]
        minutes = (time.monotonic() - started) / 60
        assert verified == 20
        assert totals["other"] == 0, totals
        assert totals["ok"] + totals["Throttled"] == WORKERS * CALLS_EACH
        # At most the burst plus what the rate refilled while the test ran (a bound that only
        # grows with time, so a slow machine cannot make it fail).
        assert totals["ok"] <= BURST + int(minutes * PER_MINUTE) + 1, totals
        # One line in the log for the whole hammering, not one per refused call.
        limit_lines = [line for line in env.daemon.log_text().splitlines() if "reached its limit" in line]
        assert 1 <= len(limit_lines) <= 1 + int(minutes * PER_MINUTE) + 1, limit_lines
        # root is never limited.
        for i in range(BURST + 3):
            root.create(USER_B, "by-root-%d" % i)
