# SPDX-License-Identifier: LGPL-2.1-or-later
"""apppass-portal serving many users at once, against the real daemon, real PAM (pam_unix,
pam_oath and pam_exec through pam_wrapper) and real users. One PAM step is made slow on
purpose: a pam_exec gate that holds the sign-in of one user until the test opens it, so that
what happens meanwhile is a matter of order, not of time."""

import os
import pwd
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from pam_gate import Gate
from portal_client import PortalClient
from portal_env import HTTP_USER, Portal, USER_NOLOGIN, free_port, signed_in
from testenv import MAIN_PASSWORD, USER_B

# Sign-in steps from this address pass the gate whoever signs in.
FREE_ADDRESS = "198.51.100.99"
IN_FLIGHT = ("Another sign-in with this name from this address, or too many from this address, are being "
             "checked. Try again in a moment.")

# The gate comes before the password prompt: the sign-in's first PAM step waits in it.
GATED_STACK = """auth optional pam_exec.so quiet {gate}
auth requisite pam_unix.so
auth required pam_oath.so usersfile={oath} window=20
account required pam_unix.so
"""

@pytest.fixture(scope="module")
def gated(env):
    gate = Gate(os.path.join(env.workdir, "gate-%d" % free_port()), USER_B, free_rhost=FREE_ADDRESS)
    # Two proxies to send from (libmicrohttpd takes 16 connections per peer address).
    portal = Portal(env, ["--trusted-proxy", "127.0.0.2"], stack=GATED_STACK.replace("{gate}", gate.script))
    yield portal, gate
    gate.open()
    portal.stop()


def create(client, csrf, name):
    return client.post("/create", {"csrf": csrf, "name": name, "services": "", "networks": "", "expires": ""})


def hold_sign_ins(gate, pool, clients, names):
    """Starts a sign-in of each name from its client, all held in the slow step at once."""
    forms = [c.get("/signin") for c in clients]
    gate.close()
    stuck = [pool.submit(c.post, "/signin", {"csrf": f.csrf, "user": name})
             for c, f, name in zip(clients, forms, names)]
    gate.wait_arrivals(len(clients))
    return stuck


def test_a_slow_sign_in_step_does_not_hold_up_another_user(env, gated, totp):
    portal, gate = gated
    slow = PortalClient(portal.port, forwarded_for="192.0.2.31")
    try:
        with ThreadPoolExecutor(1) as pool:
            [stuck] = hold_sign_ins(gate, pool, [slow], [USER_NOLOGIN])
            # Another user signs in, lists and creates while that step has not finished.
            bob = signed_in(portal, totp, USER_B, "192.0.2.32")
            listed = bob.get("/")
            assert listed.status == 200 and "You have no app passwords yet." in listed.body
            created = create(bob, listed.csrf, "while dora waits")
            assert created.status == 200 and 'id="secret"' in created.body
            assert not stuck.done()
            gate.open()
            page = stuck.result()
        # The held sign-in goes on where it was.
        assert page.status == 200 and page.label == "Password"
        page = slow.post("/signin/answer", {"csrf": page.csrf, "answer": MAIN_PASSWORD})
        assert page.status == 200 and page.label.startswith("One-time password (OATH)")
        page = slow.post("/signin/answer", {"csrf": page.csrf, "answer": totp.code(USER_NOLOGIN)})
        assert page.status == 303 and page.header("location") == "/", page
        assert [e["name"] for e in env.client().list(USER_B)] == ["while dora waits"]
    finally:
        gate.open()
        env.client().delete_all(USER_B)


def test_many_bad_sign_ins_at_once_do_not_stop_a_good_one(gated, totp):
    portal, gate = gated
    clients = [PortalClient(portal.port, forwarded_for="198.51.100.%d" % (20 + i)) for i in range(6)]
    names = ["nobody%d" % i for i in range(6)]
    try:
        with ThreadPoolExecutor(len(clients)) as pool:
            stuck = hold_sign_ins(gate, pool, clients, names)
            signed_in(portal, totp, USER_B, "198.51.100.40")
            assert not [f for f in stuck if f.done()]
            gate.open()
            prompts = [f.result() for f in stuck]
            assert [(p.status, p.label) for p in prompts] == [(200, "Password")] * len(clients)
            # and all of them wrong at once (pam_unix sleeps after each), refused one by one
            refused = list(pool.map(
                lambda cp: cp[0].post("/signin/answer", {"csrf": cp[1].csrf, "answer": "wrong-" + MAIN_PASSWORD}),
                zip(clients, prompts)))
        assert [(p.status, p.alert.startswith("Sign-in failed")) for p in refused] == [(403, True)] * len(clients)
    finally:
        gate.open()


def test_a_held_sign_in_step_stalls_that_name_from_that_address_only(env, gated, totp):
    # A slow wrong answer kept in flight for a name from one address must not stall that
    # user's sign-in from another; a second step for the same name and address waits, so the
    # throttle counts each failure there before the next guess is checked.
    portal, gate = gated
    try:
        with ThreadPoolExecutor(1) as pool:
            stuck = hold_sign_ins(gate, pool, [PortalClient(portal.port, forwarded_for="198.51.100.50")],
                                  [USER_NOLOGIN])
            signed_in(portal, totp, USER_NOLOGIN, FREE_ADDRESS)
            page, labels = PortalClient(portal.port, forwarded_for="198.51.100.50").sign_in(USER_NOLOGIN,
                                                                                           MAIN_PASSWORD)
            assert (page.status, labels, page.alert) == (429, [], IN_FLIGHT)
            assert not stuck[0].done()
            gate.open()
            assert stuck[0].result().label == "Password"
    finally:
        gate.open()


def test_steps_side_by_side_from_one_address_are_bounded_by_its_free_failures(gated, totp):
    # An address that has failed nothing yet has the throttle's 10 free failures: ten steps
    # from there run side by side, an eleventh waits, and other addresses are not held up.
    portal, gate = gated
    clients = [PortalClient(portal.port, forwarded_for="198.51.100.80") for _ in range(10)]
    try:
        with ThreadPoolExecutor(len(clients)) as pool:
            stuck = hold_sign_ins(gate, pool, clients, ["nobody%d" % i for i in range(10)])
            page, labels = PortalClient(portal.port, forwarded_for="198.51.100.80").sign_in("nobody10",
                                                                                           MAIN_PASSWORD)
            assert (page.status, labels, page.alert) == (429, [], IN_FLIGHT)
            signed_in(portal, totp, USER_B, "198.51.100.81")
            assert not [f for f in stuck if f.done()]
            gate.open()
            assert [f.result().label for f in stuck] == ["Password"] * len(clients)
    finally:
        gate.open()


def test_when_every_link_to_the_monitor_is_taken_the_page_says_it_is_busy(gated):
    portal, gate = gated
    clients = [PortalClient(portal.port, forwarded_for="198.51.100.%d" % (60 + i), source="127.0.0.%d" % (1 + i % 2))
               for i in range(16)]
    try:
        with ThreadPoolExecutor(len(clients)) as pool:
            stuck = hold_sign_ins(gate, pool, clients, ["nobody%d" % (10 + i) for i in range(16)])
            late = PortalClient(portal.port, source="127.0.0.3")
            page, labels = late.sign_in("nobody30", MAIN_PASSWORD)
            assert (page.status, labels, page.alert) == (503, [], "The page is busy; try again in a minute.")
            assert not [f for f in stuck if f.done()]
            gate.open()
            assert [f.result().label for f in stuck] == ["Password"] * len(clients)
    finally:
        gate.open()


def test_requests_of_one_session_from_several_tabs_all_complete(env, gated, totp):
    portal, _ = gated
    bob = signed_in(portal, totp, USER_B, "192.0.2.34")
    listed = bob.get("/")
    try:
        with ThreadPoolExecutor(4) as pool:
            pages = list(pool.map(lambda i: create(bob, listed.csrf, "tab %d" % i) if i % 2 == 0 else bob.get("/"),
                                  range(4)))
        assert [p.status for p in pages] == [200] * 4
        assert sorted(e["name"] for e in env.client().list(USER_B)) == ["tab 0", "tab 2"]
    finally:
        env.client().delete_all(USER_B)


def test_killing_the_http_process_mid_request_ends_every_session(env, gated, totp):
    portal, gate = gated
    bob = signed_in(portal, totp, USER_B, "192.0.2.35")
    assert bob.get("/").status == 200
    slow = PortalClient(portal.port, forwarded_for="192.0.2.36")
    try:
        with ThreadPoolExecutor(1) as pool:
            [stuck] = hold_sign_ins(gate, pool, [slow], [USER_NOLOGIN])
            old_http = portal.http_pid()
            os.kill(old_http, signal.SIGKILL)
            with pytest.raises(OSError):
                stuck.result()  # its connection goes with the process
        end = time.monotonic() + 20
        while time.monotonic() < end and portal.http_pid() in (None, old_http):
            time.sleep(0.05)
        portal.wait_ready()
        assert bob.get("/").status == 303
        # Neither the signed-in session's worker nor the held sign-in's is left.
        http_uid = pwd.getpwnam(HTTP_USER).pw_uid
        end = time.monotonic() + 20
        while time.monotonic() < end and len(portal.children()) > 1:
            time.sleep(0.05)
        assert [ids[0][0] for ids in portal.children().values()] == [http_uid]
    finally:
        gate.open()
