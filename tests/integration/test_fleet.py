# SPDX-License-Identifier: LGPL-2.1-or-later
"""Two nodes of a fleet: two apppassd on two private buses, sharing one PostgreSQL database and
one key (the second node reads the first one's key as a systemd credential). Runs only on
PostgreSQL (tests/harness/pg_cluster.py), where a shared store exists."""
import os
import shutil
import subprocess
import threading
import time

import pytest

import testenv
from testenv import USER_A, BusCallError, TestEnv

MODULE = os.environ["APPPASS_PAM_MODULE"]
assert testenv.POSTGRESQL, "run this under tests/harness/pg_cluster.py"


@pytest.fixture
def nodes():
    with TestEnv(config={"throttle": "no"}) as a:
        credentials = os.path.join(a.workdir, "credentials")
        os.mkdir(credentials, 0o700)
        shutil.copy(os.path.join(a.state_dir, "apppass.key"), credentials)
        with TestEnv(config={"throttle": "no"}, store=a.store,
                     daemon_env={"CREDENTIALS_DIRECTORY": credentials}) as b:
            yield a, b


def pam_login(env, user, password):
    return testenv.pam_login(env, MODULE, user, password, "fleet-imap")


def error_of(call):
    with pytest.raises(BusCallError) as info:
        call()
    return info.value.short


def test_made_on_one_node_works_on_the_other_and_a_deletion_is_seen_at_once(nodes):
    a, b = nodes
    entry_id, password = a.client().create(USER_A, "phone")
    assert pam_login(b, USER_A, password) == 0
    assert pam_login(b, USER_A, password[:-1] + ("a" if password[-1] != "a" else "b")) != 0
    a.client().delete(USER_A, entry_id)
    assert pam_login(b, USER_A, password) != 0
    # The other node knows it as a revoked one: the tombstone is in the shared database too.
    assert error_of(lambda: b.client().verify(USER_A, password, "imap", "")) == "Revoked"


def test_two_nodes_racing_for_the_last_entry_exactly_one_wins(nodes):
    a, b = nodes
    for i in range(39):
        a.client().create(USER_A, "e%d" % i)
    outcomes = []

    def create(node, name):
        try:
            node.client().create(USER_A, name)
            outcomes.append("created")
        except BusCallError as e:
            outcomes.append(e.short)

    threads = [threading.Thread(target=create, args=(a, "from-a")),
               threading.Thread(target=create, args=(b, "from-b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["LimitReached", "created"]
    assert len(b.client().list(USER_A)) == 40


def test_both_nodes_deny_while_the_database_is_down_and_serve_after(nodes):
    a, b = nodes
    _, password = a.client().create(USER_A, "kept")
    subprocess.run(os.environ["APPPASS_TEST_POSTGRESQL_STOP"], shell=True, check=True, stdout=subprocess.DEVNULL)
    try:
        for node in (a, b):
            assert error_of(lambda: node.client().verify(USER_A, password, "imap", "")) == "StoreUnavailable"
            assert error_of(lambda: node.client().create(USER_A, "lost")) == "StoreUnavailable"
            assert pam_login(node, USER_A, password) != 0  # PAM_AUTHINFO_UNAVAIL: never success
    finally:
        subprocess.run(os.environ["APPPASS_TEST_POSTGRESQL_START"], shell=True, check=True, stdout=subprocess.DEVNULL)
    # Each node reconnects by itself (at most once a second): a bounded wait, not a timing test.
    for node in (a, b):
        deadline = time.monotonic() + 30
        while True:
            try:
                node.client().verify(USER_A, password, "imap", "")
                break
            except BusCallError as e:
                assert e.short == "StoreUnavailable"
                assert time.monotonic() < deadline, "the node did not reconnect"
                time.sleep(0.2)
        assert pam_login(node, USER_A, password) == 0
    assert [e["name"] for e in a.client().list(USER_A)] == ["kept"]  # nothing lost, nothing half-made


class LoadOnNode(threading.Thread):
    """One client of one node, calling as fast as answers come: verifying a good and a wrong
    password in turn, and every tenth call creating or deleting an entry. Records every
    outcome with the phase it was seen in, and what was acknowledged."""

    def __init__(self, node, user, password, tag, phase):
        super().__init__(daemon=True)
        self.node, self.user, self.password, self.tag, self.phase = node, user, password, tag, phase
        self.outcomes = []           # (phase, call, outcome)
        self.created, self.deleted = set(), set()
        self.stop = threading.Event()

    def run(self):
        client = self.node.client()
        live = []
        calls = 0
        try:
            while not self.stop.is_set():
                calls += 1
                phase = self.phase[0]
                try:
                    if calls % 10 == 0:
                        if len(live) < 4:  # 8 clients x 4 + 1 stays under the limit of 40
                            entry_id, _ = client.create(self.user, "%s %d" % (self.tag, calls))
                            self.created.add(entry_id)
                            live.append(entry_id)
                            self.outcomes.append((phase, "create", "ok"))
                        else:
                            entry_id = live.pop(0)
                            client.delete(self.user, entry_id)
                            self.deleted.add(entry_id)
                            self.outcomes.append((phase, "delete", "ok"))
                    elif calls % 2:
                        client.verify(self.user, self.password, "imap", "192.0.2.%d" % (calls % 200))
                        self.outcomes.append((phase, "good", "ok"))
                    else:
                        client.verify(self.user, "abcd efgh jkmn pqrs tuvw xyza", "imap", "")
                        self.outcomes.append((phase, "wrong", "ok"))
                except BusCallError as e:
                    self.outcomes.append((phase, "error", e.short))
        finally:
            client.close()


def test_database_stopped_and_restarted_under_load_loses_nothing(nodes):
    """Four clients on each node keep calling while the server stops and comes back: while it
    is down every call is StoreUnavailable (never a success, never a wrong-password answer that
    would count against the user), each node serves again by itself, and every create and
    delete a client saw acknowledged holds on both nodes."""
    a, b = nodes
    _, password = a.client().create(USER_A, "phone")
    phase = ["up"]
    load = [LoadOnNode(node, USER_A, password, "%s%d" % (label, i), phase)
            for label, node in (("a", a), ("b", b)) for i in range(4)]
    for thread in load:
        thread.start()
    time.sleep(2)
    phase[0] = "stopping"
    subprocess.run(os.environ["APPPASS_TEST_POSTGRESQL_STOP"], shell=True, check=True, stdout=subprocess.DEVNULL)
    phase[0] = "down"
    time.sleep(3)
    phase[0] = "starting"
    subprocess.run(os.environ["APPPASS_TEST_POSTGRESQL_START"], shell=True, check=True, stdout=subprocess.DEVNULL)
    phase[0] = "back"
    deadline = time.monotonic() + 30
    while any(not any(p == "back" and call == "good" for p, call, _ in t.outcomes) for t in load):
        assert time.monotonic() < deadline, "a node did not serve again after the database came back"
        time.sleep(0.2)
    time.sleep(1)
    for thread in load:
        thread.stop.set()
    for thread in load:
        thread.join(30)
        assert not thread.is_alive()

    outcomes = [o for t in load for o in t.outcomes]
    # A wrong password never succeeded, whatever the database was doing.
    assert ("wrong", "ok") not in {(call, result) for _, call, result in outcomes}
    down = [(call, result) for p, call, result in outcomes if p == "down"]
    assert down, "no call was made while the database was down"
    assert set(down) == {("error", "StoreUnavailable")}, set(down)
    # The load really ran on both sides of the outage, with writes acknowledged.
    assert sum(1 for p, call, _ in outcomes if p == "up" and call == "good") >= 8
    assert sum(1 for t in load for _ in t.created) >= 8
    # Every acknowledged create is there and every acknowledged delete is gone, on both nodes.
    for node in (a, b):
        stored = {entry["id"] for entry in node.client().list(USER_A)}
        for thread in load:
            assert thread.created - thread.deleted <= stored
            assert not (thread.deleted & stored)
