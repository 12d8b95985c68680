# SPDX-License-Identifier: LGPL-2.1-or-later
"""apppass-portal over HTTP against the real daemon, real PAM (pam_unix + pam_oath) and real
users: sign-in, the three actions, and every refusal the portal promises."""

import os
import pwd
import re
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from portal_client import PortalClient
from portal_env import (HTTP_USER, PORTAL, Portal, STACK_WITH_APP_PASSWORDS, USER_NOLOGIN, free_port, regions_holding,
                        signed_in)
from testenv import MAIN_PASSWORD, USER_A, USER_B, BusCallError


def entry_ids(page):
    return re.findall(r'href="/delete\?id=([a-z]+)"', page.body)


def test_a_nologin_user_signs_in_with_password_and_code_creates_lists_and_deletes(env, portal, totp):
    client = signed_in(portal, totp, USER_NOLOGIN, "192.0.2.1")
    cookie = [c for c in client.set_cookie_lines if c.startswith("apppass_session=") and "Max-Age" not in c][-1]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain HTTP here; Secure behind TLS is tested below
    listed = client.get("/")
    assert listed.status == 200 and "You have no app passwords yet." in listed.body
    created = client.post("/create", {"csrf": listed.csrf, "name": "Phone Mail", "services": "dovecot",
                                      "networks": "", "expires": ""})
    assert created.status == 200
    groups = re.findall(r"<span>([a-z]{4})</span>", created.body)
    assert len(groups) == 6
    password = "".join(groups)
    assert created.header("cache-control") == "no-store"
    # The password is the user's own, limited to dovecot, and works there only.
    entry_id = env.client().verify(USER_NOLOGIN, password, "dovecot", "192.0.2.9")
    with pytest.raises(BusCallError) as refused:
        env.client().verify(USER_NOLOGIN, password, "sshd", "192.0.2.9")
    assert refused.value.short in ("BadPassword", "AccessDenied", "NoAppPasswords")
    # Leaving the page: the list never shows it again.
    time.sleep(1.5)  # the daemon writes the last use behind, within a second
    listed = client.get("/")
    assert password not in listed.body and groups[0] + " " not in listed.body
    assert entry_ids(listed) == [entry_id]
    assert "by dovecot from 192.0.2.9" in listed.body
    assert "<dd>dovecot</dd>" in listed.body
    confirm = client.get("/delete?id=" + entry_id)
    assert confirm.status == 200 and "Delete “Phone Mail”?" in confirm.body
    done = client.post("/delete", {"csrf": confirm.csrf, "id": entry_id})
    assert done.status == 303 and done.header("location") == "/?done=deleted"
    assert env.client().list(USER_NOLOGIN) == []
    with pytest.raises(BusCallError):
        env.client().verify(USER_NOLOGIN, password, "dovecot", "192.0.2.9")


def test_a_wrong_password_or_code_is_refused(portal, totp):
    client = PortalClient(portal.port, forwarded_for="192.0.2.2")
    page, labels = client.sign_in(USER_A, "wrong-" + MAIN_PASSWORD)
    assert page.status == 403 and page.alert.startswith("Sign-in failed")
    assert labels == ["Password"]
    page, labels = client.sign_in(USER_A, MAIN_PASSWORD, totp.code(USER_A, wrong=True))
    assert page.status == 403 and page.alert.startswith("Sign-in failed")
    assert len(labels) == 2
    assert client.get("/").status == 303


def test_the_http_process_runs_as_its_own_user_and_each_session_as_its_user(portal, totp):
    http = portal.children()[portal.http_pid()]
    portal_user = pwd.getpwnam(HTTP_USER)
    assert http[0] == [portal_user.pw_uid] * 4
    assert http[1] == [portal_user.pw_gid] * 4
    assert http[2] == []
    before = set(portal.children())
    signed_in(portal, totp, USER_B, "192.0.2.3")
    workers = {pid: ids for pid, ids in portal.children().items() if pid not in before}
    bob = pwd.getpwnam(USER_B)
    assert [ids[0] for ids in workers.values()] == [[bob.pw_uid] * 4]
    assert [ids[1] for ids in workers.values()] == [[bob.pw_gid] * 4]
    # and neither holds a capability
    for pid in [portal.http_pid()] + list(workers):
        assert capabilities(pid) == {"CapInh": 0, "CapPrm": 0, "CapEff": 0, "CapAmb": 0}


def capabilities(pid):
    with open("/proc/%d/status" % pid) as f:
        fields = dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
    return {name: int(fields[name], 16) for name in ("CapInh", "CapPrm", "CapEff", "CapAmb")}


def test_a_process_that_keeps_capabilities_after_the_drop_does_not_run(env):
    # With SECBIT_NO_SETUID_FIXUP the kernel leaves root's capabilities after setresuid(): the
    # HTTP process must see that and end rather than serve with them, and the monitor gives up.
    run = subprocess.run(["setpriv", "--securebits", "+no_setuid_fixup", PORTAL,
                          "--listen", "127.0.0.1:%d" % free_port(), "--static-dir", "/nonexistent"],
                         env=env.environ(), capture_output=True, text=True, timeout=120)
    assert run.returncode == 1
    assert "apppass-portal: could not become %s\n" % HTTP_USER in run.stderr
    assert "the HTTP process keeps ending; stopping" in run.stderr
    assert "cannot read portal.css" not in run.stderr  # it never got as far as serving


def test_another_users_entries_are_never_shown_or_deleted(env, portal, totp):
    bobs_id, _ = env.client().create(USER_B, "bob's laptop")
    client = signed_in(portal, totp, USER_A, "192.0.2.4")
    listed = client.get("/")
    assert "bob&#39;s laptop" not in listed.body and bobs_id not in entry_ids(listed)
    assert client.get("/delete?id=" + bobs_id).status == 404
    forged = client.post("/delete", {"csrf": listed.csrf, "id": bobs_id})
    assert forged.status == 404 and "does not exist" in forged.alert
    # Renaming and a new password likewise: the worker asks as the user, for whom bob's id
    # names nothing.
    for path in ("/rename", "/rotate"):
        assert client.get(path + "?id=" + bobs_id).status == 404
    forged = client.post("/rename", {"csrf": listed.csrf, "id": bobs_id, "name": "mine now"})
    assert forged.status == 404 and "does not exist" in forged.alert
    forged = client.post("/rotate", {"csrf": listed.csrf, "id": bobs_id})
    assert forged.status == 404 and "does not exist" in forged.alert and 'id="secret"' not in forged.body
    assert [(e["id"], e["name"]) for e in env.client().list(USER_B)] == [(bobs_id, "bob's laptop")]
    env.client().delete(USER_B, bobs_id)


def test_renaming_and_a_new_password(env, portal, totp):
    entry_id, old_password = env.client().create(USER_A, "laptop")
    client = signed_in(portal, totp, USER_A, "192.0.2.8")
    listed = client.get("/")
    assert 'href="/rename?id=%s"' % entry_id in listed.body and 'href="/rotate?id=%s"' % entry_id in listed.body
    # Without the form's token: nothing happens.
    assert client.post("/rename", {"id": entry_id, "name": "x"}).status == 403
    assert client.post("/rotate", {"id": entry_id, "csrf": "A" * 43}).status == 403
    assert [e["name"] for e in env.client().list(USER_A)] == ["laptop"]
    form = client.get("/rename?id=" + entry_id)
    assert form.status == 200 and 'value="laptop"' in form.body
    done = client.post("/rename", {"csrf": form.csrf, "id": entry_id, "name": "work laptop"})
    assert done.status == 303 and done.header("location") == "/?done=renamed"
    assert [e["name"] for e in env.client().list(USER_A)] == ["work laptop"]
    form = client.get("/rotate?id=" + entry_id)
    rotated = client.post("/rotate", {"csrf": form.csrf, "id": entry_id})
    new_password = "".join(re.findall(r"<span>([a-z]{4})</span>", rotated.body))
    assert rotated.status == 200 and len(new_password) == 24 and "“work laptop”" in rotated.body
    assert env.client().verify(USER_A, new_password) == entry_id
    with pytest.raises(BusCallError):
        env.client().verify(USER_A, old_password)
    env.client().delete(USER_A, entry_id)
    assert old_password not in portal.log_text() and new_password not in portal.log_text()


def test_a_post_without_the_csrf_token_is_refused(env, portal, totp):
    client = signed_in(portal, totp, USER_A, "192.0.2.5")
    for fields in ({"name": "no token"}, {"name": "wrong token", "csrf": "A" * 43}):
        page = client.post("/create", dict(fields, services="", networks="", expires=""))
        assert page.status == 403 and "expired" in page.body
    assert env.client().list(USER_A) == []
    # The first sign-in form has its own token, in a cookie and the form.
    fresh = PortalClient(portal.port, forwarded_for="192.0.2.5")
    assert fresh.post("/signin", {"user": USER_A}).status == 403


def test_after_sign_out_the_session_is_refused(env, portal, totp):
    client = signed_in(portal, totp, USER_A, "192.0.2.6")
    listed = client.get("/")
    old_cookies = dict(client.cookies)
    out = client.post("/signout", {"csrf": listed.csrf})
    assert out.status == 200 and "apppass_session" not in client.cookies
    client.cookies = old_cookies
    assert client.get("/").status == 303
    page = client.post("/create", {"csrf": listed.csrf, "name": "after sign-out", "services": "",
                                   "networks": "", "expires": ""})
    assert page.status == 403
    assert env.client().list(USER_A) == []


def test_a_session_ends_when_idle(env, totp):
    portal = Portal(env, ["--idle-timeout", "2"])
    try:
        client = signed_in(portal, totp, USER_A, "192.0.2.7")
        listed = client.get("/")
        assert listed.status == 200
        time.sleep(3.5)
        assert client.get("/").status == 303
        page = client.post("/create", {"csrf": listed.csrf, "name": "after timeout", "services": "",
                                       "networks": "", "expires": ""})
        assert page.status == 403
        assert env.client().list(USER_A) == []
    finally:
        portal.stop()


def test_repeated_bad_sign_ins_are_slowed_down_for_that_name_from_that_address_only(portal, totp):
    client = PortalClient(portal.port, forwarded_for="198.51.100.8")
    for _ in range(3):  # the free failures of one user from one address
        page, _ = client.sign_in(USER_A, "wrong-" + MAIN_PASSWORD)
        assert page.status == 403
    page, labels = client.sign_in(USER_A, MAIN_PASSWORD, totp.code(USER_A))
    assert page.status == 429 and labels == [] and page.alert.startswith("Too many failed sign-ins. Wait")
    # The same user from elsewhere is not locked out.
    signed_in(portal, totp, USER_A, "198.51.100.9")


def test_failures_for_a_name_from_many_addresses_lock_it_out_nowhere(portal, totp):
    # There is no count of a user over all addresses, which would let anyone anywhere make that
    # user wait by failing on purpose; nor is a step for that name from one address held up by
    # another address's.
    # Four at a time: libmicrohttpd takes 16 connections from one peer (here the proxy), and
    # a closed one may not be gone yet when the next opens.
    addresses = ["198.51.100.%d" % (100 + i) for i in range(12)]
    with ThreadPoolExecutor(4) as pool:
        pages = list(pool.map(
            lambda a: PortalClient(portal.port, forwarded_for=a).sign_in(USER_A, "wrong-" + MAIN_PASSWORD)[0],
            addresses))
    assert [p.status for p in pages] == [403] * len(addresses)
    signed_in(portal, totp, USER_A, "198.51.100.120")


def test_who_signed_in_from_a_shared_address_is_not_held_back_by_others_failures_there(portal, totp):
    shared = "198.51.100.130"
    signed_in(portal, totp, USER_A, shared)

    def fail(name):
        page, _ = PortalClient(portal.port, forwarded_for=shared).sign_in(name, "wrong-" + MAIN_PASSWORD)
        return page.status

    # Others use up the address's 10 free failures (four side by side at most, always fewer
    # than it has left, and few enough for libmicrohttpd's 16 connections per peer), then fail
    # twice more, each after the wait the one before set: the address then waits 8 s.
    with ThreadPoolExecutor(4) as pool:
        for batch in (range(0, 4), range(4, 8), range(8, 10)):
            assert list(pool.map(fail, ["nobody%d" % i for i in batch])) == [403] * len(batch)
    time.sleep(2.1)
    assert fail("nobody10") == 403
    time.sleep(4.1)
    assert fail("nobody11") == 403
    signed_in(portal, totp, USER_A, shared)
    # Others from there still wait: the sign-in above was made while the address was held back.
    page, labels = PortalClient(portal.port, forwarded_for=shared).sign_in(USER_B, MAIN_PASSWORD, totp.code(USER_B))
    assert page.status == 429 and labels == [] and page.alert.startswith("Too many failed sign-ins. Wait")


def test_the_proxy_header_counts_only_from_a_trusted_proxy(env, totp):
    portal = Portal(env, ["--secure-cookies"])
    try:
        client = signed_in(portal, totp, USER_A, "203.0.113.10")
        assert "Secure" in [c for c in client.set_cookie_lines if c.startswith("apppass_session=")][-1]
        assert "from 203.0.113.10" in portal.log_text()
    finally:
        portal.stop()
    untrusted = Portal(env, trusted_proxy="192.0.2.254")
    try:
        signed_in(untrusted, totp, USER_A, "203.0.113.11")
        assert "203.0.113.11" not in untrusted.log_text()
        assert "signed in: %s from 127.0.0.1" % USER_A in untrusted.log_text()
    finally:
        untrusted.stop()


def test_killing_the_http_process_ends_every_session_and_keeps_the_data(env, portal, totp):
    client = signed_in(portal, totp, USER_A, "192.0.2.11")
    listed = client.get("/")
    created = client.post("/create", {"csrf": listed.csrf, "name": "kept", "services": "", "networks": "",
                                      "expires": ""})
    assert created.status == 200
    old_http = portal.http_pid()
    os.kill(old_http, signal.SIGKILL)
    end = time.monotonic() + 20
    while time.monotonic() < end and portal.http_pid() in (None, old_http):
        time.sleep(0.05)
    portal.wait_ready()
    assert portal.http_pid() != old_http
    assert client.get("/").status == 303
    assert client.post("/create", {"csrf": listed.csrf, "name": "stale", "services": "", "networks": "",
                                   "expires": ""}).status == 403
    assert [e["name"] for e in env.client().list(USER_A)] == ["kept"]
    # No session worker is left behind.
    http_uid = pwd.getpwnam(HTTP_USER).pw_uid
    assert [ids[0][0] for ids in portal.children().values()] == [http_uid]
    env.client().delete_all(USER_A)


def test_the_log_never_holds_a_password_a_session_id_or_a_token(env, portal, totp):
    client = signed_in(portal, totp, USER_A, "192.0.2.12")
    listed = client.get("/")
    created = client.post("/create", {"csrf": listed.csrf, "name": "log check", "services": "", "networks": "",
                                      "expires": ""})
    password = "".join(re.findall(r"<span>([a-z]{4})</span>", created.body))
    log = portal.log_text()
    assert 'created app password "log check" for %s' % USER_A in log
    for secret in (password, listed.csrf, client.cookies["apppass_session"], MAIN_PASSWORD):
        assert secret not in log
    env.client().delete_all(USER_A)


def test_a_name_from_the_form_cannot_forge_a_log_line_or_a_field(env, portal, totp):
    client = signed_in(portal, totp, USER_A, "192.0.2.16")
    listed = client.get("/")
    name = 'x\napppass-portal: signed in: root from 127.0.0.1\u2028" APPPASS_USER="root'
    page = client.post("/create", {"csrf": listed.csrf, "name": name, "services": "", "networks": "",
                                   "expires": ""})
    assert page.status == 400
    lines = [line for line in portal.log_text().splitlines() if "could not create app password" in line]
    # escaped as apppassd escapes its own log: one line, the quotes of a field kept closed
    assert lines == ['apppass-portal: could not create app password "x\\x0aapppass-portal: signed in: root from '
                     '127.0.0.1\\u2028" APPPASS_USER=\\"root" for %s APPPASS_EVENT="create" APPPASS_RESULT="refused" '
                     'APPPASS_USER="%s" APPPASS_ENTRY_NAME="x\\x0aapppass-portal: signed in: root from 127.0.0.1'
                     '\\u2028\\" APPPASS_USER=\\"root" APPPASS_REMOTE_HOST="192.0.2.16" '
                     'APPPASS_SERVICE="apppass-portal"' % (USER_A, USER_A)]
    assert not [line for line in portal.log_text().splitlines() if line.startswith("apppass-portal: signed in: root")]


def test_an_app_password_never_signs_in_even_when_the_stack_accepts_them(env, totp):
    _, password = env.client().create(USER_A, "not for the portal")
    portal = Portal(env, stack=STACK_WITH_APP_PASSWORDS)
    try:
        client = PortalClient(portal.port, forwarded_for="192.0.2.13")
        page, labels = client.sign_in(USER_A, password, totp.code(USER_A, wrong=True))
        assert page.status == 403 and page.alert.startswith("Sign-in failed")
        assert client.get("/").status == 303
    finally:
        portal.stop()
        env.client().delete_all(USER_A)


def test_the_pam_service_can_only_be_one_pam_apppass_refuses(env):
    expected = ("apppass-portal: --pam-service refused: the PAM service must be \"apppass-portal\" or "
                "\"apppass-portal-NAME\" (NAME: lower-case letters, digits, '-' and '_'), the names pam_apppass "
                "never accepts an app password for\n")
    for name in ("login-web", "sshd", "common-auth", "apppass-portal-", "apppass-portal-../sshd", "Apppass-portal"):
        run = subprocess.run([PORTAL, "--listen", "127.0.0.1:%d" % free_port(), "--pam-service", name],
                             env=env.environ(), capture_output=True, text=True, timeout=30)
        assert (run.returncode, run.stdout, run.stderr) == (2, "", expected), name


def test_an_app_password_never_signs_in_under_another_name_of_the_portal_family(env, totp):
    _, password = env.client().create(USER_A, "not for the portal either")
    portal = Portal(env, stack=STACK_WITH_APP_PASSWORDS, service="apppass-portal-staff")
    try:
        client = PortalClient(portal.port, forwarded_for="192.0.2.14")
        page, labels = client.sign_in(USER_A, password, totp.code(USER_A, wrong=True))
        assert page.status == 403 and page.alert.startswith("Sign-in failed")
        assert client.get("/").status == 303
        # the same stack takes the main password and the code
        client = PortalClient(portal.port, forwarded_for="192.0.2.15")
        page, labels = client.sign_in(USER_A, MAIN_PASSWORD, totp.code(USER_A))
        assert page.status == 303 and page.header("location") == "/", page
        assert labels[0] == "Password" and labels[1].startswith("One-time password (OATH)")
    finally:
        portal.stop()
        env.client().delete_all(USER_A)


def test_the_password_is_not_left_in_the_http_process_memory(portal, totp):
    # The form body passes through libmicrohttpd's read buffer (its connection memory pool),
    # the request's body, the parsed form and the message to the monitor: none keeps it.
    client = signed_in(portal, totp, USER_NOLOGIN, "192.0.2.17")
    assert client.get("/").status == 200
    assert regions_holding(portal.http_pid(), MAIN_PASSWORD.encode()) == []
    # the control: the search does find what the process holds (its style sheet)
    with open(os.path.join(portal.workdir, "static", "portal.css"), "rb") as f:
        style = f.read()
    assert regions_holding(portal.http_pid(), style[:64]) != []
