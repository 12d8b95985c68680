# SPDX-License-Identifier: LGPL-2.1-or-later
# apppass-portal as installed, set up the way its documents tell an administrator to: started
# with the unit's own arguments, behind nginx with TLS (the shipped example server block), and
# signing in through the shipped /etc/pam.d/apppass-portal with the second factor its comment
# suggests (pam_oath). A user whose shell is nologin signs in with the main password and a TOTP
# code in a real headless browser, creates an app password, logs in to real Dovecot IMAP with
# it, deletes it on the page, and Dovecot refuses it from then on.
import pathlib
import re
import subprocess
import time

import pytest

from conftest import PamStack, free_port, login_user, read_pid, start_daemon, stop_by_pid, wait_for_port
from e2e_support import IMAP_AUTH_FAILED, MAIN_PASSWORD, imap_login, run

from selenium.webdriver.common.by import By

from headless_chromium import click_and_wait, headless_chromium

USER = "apppass-e2e-web"
PORTAL = "/usr/sbin/apppass-portal"
PORTAL_PORT = 8745  # the default, where the shipped nginx example sends requests
UNIT = pathlib.Path("/lib/systemd/system/apppass-portal.service")
NGINX_EXAMPLE = pathlib.Path("/usr/share/doc/apppass-portal/examples/nginx-apppass-portal.conf")
PAM_SERVICE = pathlib.Path("/etc/pam.d/apppass-portal")
OATH_FILE = pathlib.Path("/etc/users.oath")
OATH_SECRET = "3132333435363738393031323334353637383930"  # RFC 6238's test key, hex
OATH_LINE = "auth required pam_oath.so usersfile=/etc/users.oath window=3"


@pytest.fixture(scope="module")
def web_user():
    with login_user(USER, "/usr/sbin/nologin") as name:
        yield name


@pytest.fixture(scope="module")
def second_factor(web_user):
    """The administrator's second factor for the portal only: the line the shipped PAM file's
    comment gives, after the main password, and a TOTP key for the user in /etc/users.oath."""
    if OATH_FILE.exists():
        raise RuntimeError(f"{OATH_FILE} exists already; it is not ours to replace")
    shipped = PAM_SERVICE.read_text()
    assert OATH_LINE in shipped  # the comment an administrator copies from
    # Where docs/install.md puts it: right after the main password.
    include = "@include common-auth\n"
    assert shipped.count(include) == 1
    stack = PamStack("apppass-portal", shipped.replace(include, include + OATH_LINE + "\n"))
    # And the same factors where polkit asks before a change (Debian's polkit-1, from
    # /usr/lib/pam.d, with the line after common-auth), so that the portal's confirmation of a
    # change, relayed to polkit's helper, checks the code too. No polkit rule lets this user
    # change anything without it (conftest.py).
    vendor_polkit = pathlib.Path("/usr/lib/pam.d/polkit-1")
    polkit_text = (PAM_SERVICE.parent / "polkit-1" if (PAM_SERVICE.parent / "polkit-1").exists()
                   else vendor_polkit).read_text()
    assert polkit_text.count(include) == 1
    polkit_stack = PamStack("polkit-1", polkit_text.replace(include, include + OATH_LINE + "\n"))
    try:
        OATH_FILE.write_text(f"HOTP/T30/6 {web_user} - {OATH_SECRET}\n")
        OATH_FILE.chmod(0o600)
        yield Totp(web_user)
    finally:
        polkit_stack.restore()
        stack.restore()
        OATH_FILE.unlink(missing_ok=True)
        for leftover in OATH_FILE.parent.glob(OATH_FILE.name + ".*"):
            leftover.unlink()


class Totp:
    """Codes from oathtool, each for a later time step than the last (pam_oath refuses a step
    it has seen: a replayed code)."""

    def __init__(self, user):
        self.user = user
        self.last_step = 0

    def code(self, wrong=False):
        self.last_step = max(int(time.time()) // 30, self.last_step + 1)
        code = run("oathtool", "--totp", "--now", "@%d" % (self.last_step * 30), OATH_SECRET).stdout.strip()
        return "%06d" % ((int(code) + 1) % 1000000) if wrong else code


def unit_arguments():
    """The arguments of the shipped unit's ExecStart=, so the test runs what systemd would."""
    (line,) = [l for l in UNIT.read_text().splitlines() if l.startswith("ExecStart=")]
    command = line.removeprefix("ExecStart=").split()
    assert command[0] == PORTAL
    return command[1:]


@pytest.fixture(scope="module")
def portal(work_dir):
    base = work_dir / "portal"
    base.mkdir()
    log = open(base / "portal.log", "ab")
    process = subprocess.Popen([PORTAL, *unit_arguments()], stdin=subprocess.DEVNULL, stdout=log,
                               stderr=subprocess.STDOUT)
    try:
        wait_for_port(PORTAL_PORT, process.pid, "apppass-portal")
        yield base / "portal.log"
    finally:
        stop_by_pid(process.pid, "apppass-portal")
        process.wait(timeout=10)
        log.close()


NGINX_CONF = """\
# nginx for the apppass end-to-end tests: the shipped example server blocks, nothing else.
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{}}
http {{
    access_log {dir}/access.log;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    include {dir}/apppass-portal.conf;
}}
"""


def adapted_example(https_port, http_port, certificate, key):
    """The shipped example with only what a test machine must change: loopback ports instead of
    443 and 80, no IPv6 listener, a self-signed certificate. Each change must apply exactly once,
    so a changed example fails here instead of silently testing something else."""
    text = NGINX_EXAMPLE.read_text()
    for old, new in (("    listen 443 ssl;\n", f"    listen 127.0.0.1:{https_port} ssl;\n"),
                     ("    listen [::]:443 ssl;\n", ""),
                     ("    listen 80;\n", f"    listen 127.0.0.1:{http_port};\n"),
                     ("    listen [::]:80;\n", ""),
                     ("/etc/ssl/certs/passwords.example.org.pem", str(certificate)),
                     ("/etc/ssl/private/passwords.example.org.key", str(key))):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


@pytest.fixture(scope="module")
def nginx(work_dir, portal):
    base = work_dir / "nginx"
    base.mkdir()
    certificate, key = base / "cert.pem", base / "key.pem"
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
        "/CN=passwords.example.org", "-keyout", str(key), "-out", str(certificate))
    https_port, http_port = free_port(), free_port()
    (base / "apppass-portal.conf").write_text(adapted_example(https_port, http_port, certificate, key))
    conf = base / "nginx.conf"
    conf.write_text(NGINX_CONF.format(dir=base))
    run("nginx", "-t", "-q", "-c", str(conf))
    pid = None
    try:
        start_daemon(base / "start.log", "nginx", "-c", str(conf))
        pid = read_pid(base / "nginx.pid", "nginx")
        wait_for_port(https_port, pid, "nginx")
        yield f"https://127.0.0.1:{https_port}"
    finally:
        pid = pid or read_pid(base / "nginx.pid", "nginx", wait=False)
        if pid is not None:
            stop_by_pid(pid, "nginx")


@pytest.fixture
def browser():
    # The certificate is the test's own, made above; nginx serves it on 127.0.0.1.
    with headless_chromium("--ignore-certificate-errors") as driver:
        yield driver


def submit(driver):
    """Clicks the page's submit button and waits until the next page has replaced it."""
    click_and_wait(driver, By.CSS_SELECTOR, "main form button[type=submit]")


def click(driver, by, what):
    click_and_wait(driver, by, what)


def fill(driver, field_id, text):
    element = driver.find_element(By.ID, field_id)
    element.clear()
    element.send_keys(text)


def label(driver):
    return driver.find_element(By.CSS_SELECTOR, "label[for=answer]").text


def test_a_nologin_user_makes_an_app_password_in_the_browser_and_reads_mail_with_it(
        dovecot, web_user, second_factor, nginx, browser):
    browser.get(nginx + "/signin")
    fill(browser, "user", web_user)
    submit(browser)
    assert label(browser) == "Password"
    fill(browser, "answer", MAIN_PASSWORD)
    submit(browser)
    assert label(browser).startswith("One-time password (OATH)")
    fill(browser, "answer", second_factor.code())
    submit(browser)
    assert browser.current_url == nginx + "/"
    # TLS in front: the session cookie is Secure, as the unit's --secure-cookies asks.
    assert all(cookie["secure"] for cookie in browser.get_cookies())

    click(browser, By.LINK_TEXT, "Create an app password")
    fill(browser, "name", "Phone Mail")
    fill(browser, "services", "dovecot")
    # apppassd's polkit = yes and no rule for this user: the change is confirmed with the
    # sign-in's factors, which the portal relays to polkit's helper. A wrong code first.
    fill(browser, "confirm1", MAIN_PASSWORD)
    fill(browser, "confirm2", second_factor.code(wrong=True))
    submit(browser)
    assert browser.find_element(By.CSS_SELECTOR, "[role=alert]").text == (
        "Your password or code was not accepted. Nothing was changed.")
    fill(browser, "confirm1", MAIN_PASSWORD)
    fill(browser, "confirm2", second_factor.code())
    submit(browser)
    groups = browser.find_element(By.ID, "secret").text.split()
    assert len(groups) == 6 and all(re.fullmatch("[a-z]{4}", g) for g in groups), groups
    password = "".join(groups)

    assert imap_login(dovecot.port, web_user, password) == "selected 0"
    assert imap_login(dovecot.port, web_user, MAIN_PASSWORD) == f"refused: {IMAP_AUTH_FAILED}"

    click(browser, By.ID, "done")
    assert "by dovecot from 127.0.0.1" in browser.page_source
    click(browser, By.CSS_SELECTOR, "a.delete")
    assert "Delete “Phone Mail”?" in browser.page_source
    # polkit keeps the confirmation for the session's worker for its few minutes
    # (auth_self_keep), so this one is not asked again; the answers go along all the same.
    fill(browser, "confirm1", MAIN_PASSWORD)
    fill(browser, "confirm2", second_factor.code())
    submit(browser)
    assert browser.find_element(By.CSS_SELECTOR, "[role=status]").text == "The app password was deleted."
    assert imap_login(dovecot.port, web_user, password) == f"refused: {IMAP_AUTH_FAILED}"


def test_an_app_password_never_signs_in_to_the_portal_even_from_common_auth(
        dovecot, web_user, second_factor, nginx, browser):
    # An administrator who accepts app passwords everywhere puts pam_apppass into common-auth,
    # which the portal's stack includes. Were it to accept the password there, success=done
    # would sign in without the second factor.
    common_auth = pathlib.Path("/etc/pam.d/common-auth")
    stack = PamStack("common-auth", "auth [success=done ignore=ignore default=die] pam_apppass.so "
                     "ignore_unknown_user\n" + common_auth.read_text())
    made = run("apppass", "--user", web_user, "create", "Laptop Mail").stdout.strip()
    try:
        assert imap_login(dovecot.port, web_user, made) == "selected 0"
        browser.get(nginx + "/signin")
        fill(browser, "user", web_user)
        submit(browser)
        fill(browser, "answer", made)
        submit(browser)
        assert browser.current_url != nginx + "/"
        assert browser.find_element(By.CSS_SELECTOR, "[role=alert]").text.startswith("Sign-in failed")
    finally:
        stack.restore()
        run("apppass", "--user", web_user, "delete", "--all", "--yes")
