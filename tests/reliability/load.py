#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Load: CLIENTS concurrent clients for SECONDS, each repeating create, verify, list and
delete against a real apppassd on a private bus (each client its own process and connection,
acting for one of the test users in turn). Prints the number of calls, the errors, and the
daemon's memory (VmRSS) and open file descriptors at the start and at the end.

    tests/reliability/load.py [--clients 16] [--seconds 600]

APPPASS_DAEMON picks the daemon binary (default build/daemon/apppassd). test_load.py runs a
short version in CI."""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))

import testenv  # noqa: E402
from reliability import open_fds, rss_kib  # noqa: E402
from testenv import BusCallError, Client, TestEnv, USER_A, USER_B, USER_VERIFIER  # noqa: E402

USERS = [USER_A, USER_B, USER_VERIFIER, "root"]
METHODS = ("create", "verify", "list", "delete")


def client_loop(address, index, seconds, write_fd):
    """In a forked child: the cycle until SECONDS have passed; one JSON line of counts."""
    counts = {m: 0 for m in METHODS}
    errors = []
    user = USERS[index % len(USERS)]
    host = "192.0.2.%d" % (index + 1)
    try:
        client = Client(address, timeout=30)
        deadline = time.monotonic() + seconds
        n = 0
        while time.monotonic() < deadline:
            n += 1
            try:
                entry_id, password = client.create(user, "load %d %d" % (index, n))
                counts["create"] += 1
                got = client.verify(user, password, "load", host)
                counts["verify"] += 1
                if got != entry_id:
                    errors.append("verify gave %s for %s" % (got, entry_id))
                entries = client.list(user)
                counts["list"] += 1
                if entry_id not in [e["id"] for e in entries]:
                    errors.append("%s not listed" % entry_id)
                client.delete(user, entry_id)
                counts["delete"] += 1
            except BusCallError as e:
                errors.append("%s: %s" % (e.name, e.message))
                if len(errors) > 100:
                    break
        client.close()
    except Exception as e:  # noqa: BLE001 - reported to the parent
        errors.append("%s: %s" % (type(e).__name__, e))
    os.write(write_fd, (json.dumps({"counts": counts, "errors": errors[:20], "error_count": len(errors)})
                        + "\n").encode())
    os.close(write_fd)
    os._exit(0)


def run_load(env, clients, seconds):
    """Runs the load against ENV's daemon; returns the figures as a dict."""
    pid = env.daemon.pid
    # One call first, so that the start figures include what the first call sets up.
    warm = env.client()
    warm.list("root")
    warm.close()
    start = {"rss_kib": rss_kib(pid), "fds": open_fds(pid)}
    children = []
    began = time.monotonic()
    for index in range(clients):
        read_fd, write_fd = os.pipe()
        child = os.fork()
        if child == 0:
            os.close(read_fd)
            client_loop(env.address, index, seconds, write_fd)
        os.close(write_fd)
        children.append((child, read_fd))
    results = []
    for child, read_fd in children:
        data = b""
        while True:
            chunk = os.read(read_fd, 65536)
            if not chunk:
                break
            data += chunk
        os.close(read_fd)
        os.waitpid(child, 0)
        results.append(json.loads(data.decode()) if data else
                       {"counts": {m: 0 for m in METHODS}, "errors": ["client died"], "error_count": 1})
    elapsed = time.monotonic() - began
    time.sleep(1.5)  # the daemon notices the clients have gone and writes the last uses
    end = {"rss_kib": rss_kib(pid), "fds": open_fds(pid)}
    calls = {m: sum(r["counts"][m] for r in results) for m in METHODS}
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "calls": sum(calls.values()),
        "calls_by_method": calls,
        "calls_per_second": round(sum(calls.values()) / elapsed, 1),
        "errors": sum(r["error_count"] for r in results),
        "error_samples": [e for r in results for e in r["errors"]][:10],
        "calls_per_client_min": min(sum(r["counts"].values()) for r in results),
        "daemon_start": start,
        "daemon_end": end,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=600)
    args = parser.parse_args()
    testenv.require_test_users()
    # Users' changes unlimited: this measures the store and the loop, not the per-user limit.
    with TestEnv(config={"user_writes_per_minute": "0"}) as env:
        figures = run_load(env, args.clients, args.seconds)
        figures["daemon"] = testenv.DAEMON
        status = env.daemon.stop()
        figures["daemon_exit_status"] = status
    print(json.dumps(figures, indent=2))
    return 0 if figures["errors"] == 0 and status == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
