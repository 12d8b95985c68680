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
    assert error_of(lambda: b.client().verify(USER_A, password, "imap", "")) == "NoAppPasswords"


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
