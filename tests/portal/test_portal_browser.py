# SPDX-License-Identifier: LGPL-2.1-or-later
"""apppass-portal in a real headless browser (Debian's chromium through chromedriver and
python3-selenium), against the real portal, the real daemon and real PAM (pam_unix and
pam_oath): a nologin user signs in with the main password and a TOTP code, creates "Phone
Mail" limited to dovecot, reads it once, and deletes it. Every page is saved as a screenshot:
into APPPASS_PORTAL_SCREENSHOTS when set (docs/portal-*.png come from there), else next to the
test's log; a failure saves one of the page it failed on."""

import re

import pytest

from portal_env import Portal, USER_NOLOGIN
from testenv import MAIN_PASSWORD

selenium = pytest.importorskip("selenium")
from portal_browser import Pages, browser  # noqa: E402,F401 (a fixture)
from selenium.webdriver.common.by import By  # noqa: E402

def test_a_nologin_user_creates_reads_once_and_deletes_in_a_browser(env, totp, browser):
    portal = Portal(env)
    pages = Pages(browser, portal.port)
    try:
        pages.open("/signin")
        assert pages.focused_id() == "user"
        pages.shot("signin")
        pages.fill("user", USER_NOLOGIN)
        pages.submit()
        assert pages.text("label[for=answer]") == "Password"
        assert browser.find_element(By.ID, "answer").get_attribute("type") == "password"
        pages.fill("answer", "not-" + MAIN_PASSWORD)
        pages.submit()
        assert pages.text("[role=alert]").startswith("Sign-in failed")
        pages.shot("signin-failed")
        pages.fill("user", USER_NOLOGIN)
        pages.submit()
        pages.fill("answer", MAIN_PASSWORD)
        pages.shot("password")
        pages.submit()
        assert pages.text("label[for=answer]").startswith("One-time password (OATH)")
        assert pages.focused_id() == "answer"
        pages.fill("answer", totp.code(USER_NOLOGIN))
        pages.shot("code")
        pages.submit()
        assert browser.current_url == pages.base + "/"
        assert "You have no app passwords yet." in browser.page_source
        pages.click(By.LINK_TEXT, "Create an app password")
        pages.fill("name", "Phone Mail")
        pages.fill("services", "dovecot")
        pages.shot("create")
        pages.submit()
        assert pages.focused_id() == "secret"
        assert browser.find_element(By.ID, "copy").is_displayed()
        groups = pages.text("#secret").split()
        assert len(groups) == 6 and all(re.fullmatch("[a-z]{4}", g) for g in groups)
        password = "".join(groups)
        pages.shot("created")
        entry_id = env.client().verify(USER_NOLOGIN, password, "dovecot", "192.0.2.44")
        pages.click(By.ID, "done")
        assert browser.current_url == pages.base + "/"
        for source in (browser.page_source,):
            assert password not in source and groups[0] not in re.sub(r"<[^>]*>", " ", source).split()
        # Back to the page that showed it: the browser kept no copy (Cache-Control: no-store).
        browser.back()
        assert password not in browser.page_source and " ".join(groups) not in browser.page_source
        pages.open("/")
        assert "by dovecot from 192.0.2.44" in browser.page_source
        pages.shot("list")
        browser.set_window_size(390, 844)
        pages.shot("list-phone")
        browser.set_window_size(1000, 800)
        pages.click(By.CSS_SELECTOR, "a.delete")
        assert "Delete “Phone Mail”?" in browser.page_source
        pages.shot("delete")
        pages.submit()
        assert pages.text("[role=status]") == "The app password was deleted."
        assert env.client().list(USER_NOLOGIN) == []
        pages.shot("deleted")
        pages.click(By.CSS_SELECTOR, ".signout button")
        assert "You are signed out." in browser.page_source
        pages.shot("signed-out")
        pages.open("/")
        assert browser.current_url == pages.base + "/signin"
    except BaseException:
        pages.shot("failure")
        raise
    finally:
        portal.stop()
