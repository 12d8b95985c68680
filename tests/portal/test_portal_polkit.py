# SPDX-License-Identifier: LGPL-2.1-or-later
"""The portal's changes pass apppassd's polkit check with no polkit rule: apppassd runs with
polkit = yes (org.apppass.AppPass1.manage-own is auth_self_keep), the real polkitd asks the
portal's own agent, and polkit's real helper runs the host's polkit-1 stack (pam_apppass,
pam_unix, pam_oath) with the password and code typed beside the change, in a real headless
browser.

It runs in a mount namespace of its own (polkit_world.py explains why: the helper reports to
polkitd on the standard bus socket whatever its environment says)."""

import os
import shutil
import tempfile
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

import pytest

import testenv
from polkit_world import PolkitWorld, in_private_mount_namespace
from pam_gate import Gate
from portal_client import PortalClient
from portal_env import OATH_SECRET, Portal, USER_NOLOGIN, ensure_users, regions_holding, signed_in
from testenv import MAIN_PASSWORD, USER_B, require_test_users

selenium = pytest.importorskip("selenium")
from portal_browser import Pages, browser  # noqa: E402,F401 (a fixture)
from selenium.webdriver.common.by import By  # noqa: E402

NOT_ACCEPTED = "Your password or code was not accepted. Nothing was changed."

# The host's polkit-1 service as an administrator with a second factor writes it: the same
# factors as the portal's sign-in, and app passwords refused by pam_apppass first. The gate
# (pam_gate.py), open unless a test closes it, holds a confirmation in the middle.
POLKIT_STACK = ("auth [success=done ignore=ignore default=die] {pam_apppass}\n"
                "auth optional pam_exec.so quiet {gate}\n"
                "auth requisite pam_unix.so\n"
                "auth required pam_oath.so usersfile={oath} window=20\n"
                "account required pam_unix.so\n")


class WorldEnv:
    """What Portal and the tests need of a TestEnv, over the polkit world's bus."""

    def __init__(self, world):
        self.world = world
        self.workdir = world.top

    def environ(self):
        return dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.world.address)

    def client(self):
        return testenv.Client(self.world.address)


@pytest.fixture(scope="module")
def world_env():
    if not in_private_mount_namespace():
        raise pytest.UsageError("test_portal_polkit.py mounts over /run/dbus and /etc/pam.d: run it "
                                "under `unshare --mount --propagation private` (ctest does)")
    require_test_users()
    ensure_users()
    oath_dir = tempfile.mkdtemp(prefix="apppass-polkit-oath.")
    oath = os.path.join(oath_dir, "users.oath")
    with open(oath, "w") as f:
        f.write("HOTP/T30/6 %s - %s\n" % (USER_NOLOGIN, OATH_SECRET))
    os.chmod(oath, 0o600)
    gate = Gate(os.path.join(oath_dir, "gate"), "")
    world = PolkitWorld(POLKIT_STACK, oath=oath, gate=gate.script)
    try:
        assert os.listdir(world.rules) == []  # no rule: polkit's defaults decide
        env = WorldEnv(world)
        env.gate = gate
        yield env
    finally:
        gate.open()
        world.close()
        shutil.rmtree(oath_dir, ignore_errors=True)


@pytest.fixture
def portal(world_env):
    p = Portal(world_env)
    yield p
    p.stop()
    client = world_env.client()
    client.delete_all(USER_NOLOGIN)
    client.close()


def names(world_env):
    client = world_env.client()
    try:
        return sorted(e["name"] for e in client.list(USER_NOLOGIN))
    finally:
        client.close()


def sign_in(pages, totp):
    pages.open("/signin")
    pages.fill("user", USER_NOLOGIN)
    pages.submit()
    pages.fill("answer", MAIN_PASSWORD)
    pages.submit()
    pages.fill("answer", totp.code(USER_NOLOGIN))
    pages.submit()
    assert pages.driver.current_url == pages.base + "/"


def create(pages, name, password, code):
    pages.open("/create")
    pages.fill("name", name)
    pages.fill("confirm1", password)
    pages.fill("confirm2", code)
    pages.submit()


def test_create_is_confirmed_with_password_and_code(world_env, portal, totp, browser):
    pages = Pages(browser, portal.port)
    try:
        sign_in(pages, totp)
        pages.open("/create")
        # The sign-in's prompts again, in order, the password hidden.
        assert pages.text("fieldset.confirm legend") == "Confirm it is you"
        assert pages.text("label[for=confirm1]") == "Password"
        assert browser.find_element(By.ID, "confirm1").get_attribute("type") == "password"
        assert pages.text("label[for=confirm2]").startswith("One-time password (OATH)")

        create(pages, "Phone Mail", MAIN_PASSWORD, totp.code(USER_NOLOGIN, wrong=True))
        assert pages.text("[role=alert]") == NOT_ACCEPTED
        assert names(world_env) == []
        pages.shot("confirm-refused")

        # An app password of the user's own, where the password goes: pam_apppass refuses the
        # polkit-1 service, and pam_unix does not know it.
        root = world_env.client()
        _, app_password = root.create(USER_NOLOGIN, "made by root")
        root.close()
        create(pages, "Phone Mail", app_password, totp.code(USER_NOLOGIN))
        assert pages.text("[role=alert]") == NOT_ACCEPTED
        assert names(world_env) == ["made by root"]

        create(pages, "Phone Mail", MAIN_PASSWORD, totp.code(USER_NOLOGIN))
        assert pages.focused_id() == "secret"
        password = "".join(pages.text("#secret").split())
        assert len(password) == 24
        assert names(world_env) == ["Phone Mail", "made by root"]
        pages.shot("confirmed")
        # Nothing typed to confirm reached the log.
        log = portal.log_text()
        assert MAIN_PASSWORD not in log and app_password not in log and password not in log
    except BaseException:
        pages.shot("failure")
        print(portal.log_text())
        raise


def test_delete_is_confirmed_too(world_env, portal, totp, browser):
    root = world_env.client()
    root.create(USER_NOLOGIN, "Old Phone")
    root.close()
    pages = Pages(browser, portal.port)
    try:
        sign_in(pages, totp)
        pages.click(By.CSS_SELECTOR, "a.delete")
        assert pages.focused_id() == "confirm1"
        pages.fill("confirm1", "not-" + MAIN_PASSWORD)
        pages.fill("confirm2", totp.code(USER_NOLOGIN))
        pages.submit()
        assert pages.text("[role=alert]") == NOT_ACCEPTED
        assert names(world_env) == ["Old Phone"]
        pages.click(By.CSS_SELECTOR, "a.delete")
        pages.fill("confirm1", MAIN_PASSWORD)
        pages.fill("confirm2", totp.code(USER_NOLOGIN))
        pages.submit()
        assert pages.text("[role=status]") == "The app password was deleted."
        assert names(world_env) == []
    except BaseException:
        pages.shot("failure")
        print(portal.log_text())
        raise


def test_rename_and_rotate_are_confirmed_too(world_env, portal, totp, browser):
    root = world_env.client()
    entry_id, old_password = root.create(USER_NOLOGIN, "Old Phone")
    root.close()
    pages = Pages(browser, portal.port)
    try:
        sign_in(pages, totp)
        pages.click(By.CSS_SELECTOR, "a.rename")
        assert pages.focused_id() == "name"
        pages.fill("name", "Tablet")
        pages.fill("confirm1", MAIN_PASSWORD)
        pages.fill("confirm2", totp.code(USER_NOLOGIN, wrong=True))
        pages.submit()
        assert pages.text("[role=alert]") == NOT_ACCEPTED
        assert names(world_env) == ["Old Phone"]
        pages.click(By.CSS_SELECTOR, "a.rename")
        pages.fill("name", "Tablet")
        pages.fill("confirm1", MAIN_PASSWORD)
        pages.fill("confirm2", totp.code(USER_NOLOGIN))
        pages.submit()
        assert pages.text("[role=status]") == "The app password was renamed."
        assert names(world_env) == ["Tablet"]

        # A new sign-in is a new worker process, for which polkit has kept nothing: the
        # rotation is asked for again.
        pages.click(By.CSS_SELECTOR, ".signout button")
        sign_in(pages, totp)
        pages.click(By.CSS_SELECTOR, "a.rotate")
        assert pages.focused_id() == "confirm1"
        pages.fill("confirm1", old_password)
        pages.fill("confirm2", totp.code(USER_NOLOGIN))
        pages.submit()
        assert pages.text("[role=alert]") == NOT_ACCEPTED
        client = world_env.client()
        assert client.verify(USER_NOLOGIN, old_password, "dovecot", "192.0.2.44") == entry_id
        pages.click(By.CSS_SELECTOR, "a.rotate")
        pages.fill("confirm1", MAIN_PASSWORD)
        pages.fill("confirm2", totp.code(USER_NOLOGIN))
        pages.submit()
        assert pages.focused_id() == "secret"
        new_password = "".join(pages.text("#secret").split())
        assert "“Tablet”" in browser.page_source
        assert client.verify(USER_NOLOGIN, new_password, "dovecot", "192.0.2.44") == entry_id
        with pytest.raises(testenv.BusCallError):
            client.verify(USER_NOLOGIN, old_password, "dovecot", "192.0.2.44")
        client.close()
    except BaseException:
        pages.shot("failure")
        print(portal.log_text())
        raise


def held_create(world_env, portal, totp, pool, address, password):
    """Signs in as the nologin user from ADDRESS and submits to POOL a create of "Phone Mail"
    confirmed with PASSWORD and a good code, held in the polkit-1 stack (the gate closed) until
    the test opens the gate; the client and the create's future."""
    client = signed_in(portal, totp, USER_NOLOGIN, address)
    csrf = client.get("/").csrf
    world_env.gate.close()
    change = pool.submit(client.post, "/create", {
        "csrf": csrf, "name": "Phone Mail", "services": "", "networks": "", "expires": "",
        "confirm1": password, "confirm2": totp.code(USER_NOLOGIN)})
    world_env.gate.wait_arrivals(1)
    return client, change


def test_a_change_waiting_for_its_confirmation_holds_up_nobody_else(world_env, portal, totp):
    # The confirmation runs in a child of the monitor: while polkit's helper is held in the
    # polkit-1 stack, another user signs in and lists, and the same session's other tab gets
    # its form at once; its list waits its turn and is answered after the change.
    gate = world_env.gate
    try:
        with ThreadPoolExecutor(2) as pool:
            dora, change = held_create(world_env, portal, totp, pool, "192.0.2.52", MAIN_PASSWORD)
            bob = signed_in(portal, totp, USER_B, "192.0.2.53")
            assert bob.get("/").status == 200
            assert dora.get("/create").status == 200
            second_tab = pool.submit(dora.get, "/")
            assert not change.done()
            gate.open()
            created = change.result()
            assert created.status == 200 and 'id="secret"' in created.body
            later = second_tab.result()
        assert later.status == 200 and "Phone Mail" in later.body
        assert names(world_env) == ["Phone Mail"]
    finally:
        gate.open()


def test_a_worker_forked_during_a_change_keeps_no_copy_of_its_answers(world_env, portal, totp):
    # A sign-in's worker is forked from the monitor while another session's change, with the
    # password that confirms it, waits in the monitor; it wipes its copy before PAM runs.
    gate = world_env.gate
    secret = b"Confirm-" + MAIN_PASSWORD.encode()  # wrong, and found nowhere else
    try:
        with ThreadPoolExecutor(1) as pool:
            dora, change = held_create(world_env, portal, totp, pool, "192.0.2.54", secret.decode())
            assert regions_holding(portal.pid, secret) != []  # the control: the monitor holds it
            before = set(portal.children())
            bob = PortalClient(portal.port, forwarded_for="192.0.2.55")
            page = bob.post("/signin", {"csrf": bob.get("/signin").csrf, "user": USER_B})
            assert page.label == "Password"
            [worker] = [pid for pid in portal.children() if pid not in before]
            assert regions_holding(worker, secret) == []
            gate.open()
            assert change.result().alert == NOT_ACCEPTED
    finally:
        gate.open()


def test_a_session_keeps_four_requests_waiting_behind_a_change_and_refuses_a_fifth(world_env, portal, totp):
    gate = world_env.gate
    try:
        with ThreadPoolExecutor(6) as pool:
            dora, change = held_create(world_env, portal, totp, pool, "192.0.2.56", MAIN_PASSWORD)
            tabs = [pool.submit(dora.get, "/") for _ in range(5)]
            # Four wait behind the change; the fifth is answered at once.
            done, _ = wait(tabs, return_when=FIRST_COMPLETED)
            [refused] = done
            page = refused.result()
            assert (page.status, page.alert) == (
                503, "Your other pages are still waiting for an answer. Try again in a minute.")
            assert not change.done()
            gate.open()
            assert change.result().status == 200
            waited = [t.result() for t in tabs if t is not refused]
        assert [(p.status, "Phone Mail" in p.body) for p in waited] == [(200, True)] * 4
    finally:
        gate.open()
