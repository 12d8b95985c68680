# SPDX-License-Identifier: LGPL-2.1-or-later
"""Debian's chromium, headless, driven through chromedriver and python3-selenium: the one browser
set-up of the portal's tests in the build tree (tests/portal) and of the end-to-end test of the
installed portal (tests/e2e), and the wait for a page to be replaced after a click. It needs
nothing from the rest of the harness, so the end-to-end tests can use it on their own."""

import contextlib
import shutil
import tempfile

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1000,800")


@contextlib.contextmanager
def headless_chromium(*extra_flags):
    """A driver for a fresh headless chromium with a throwaway profile, quit and removed after."""
    profile = tempfile.mkdtemp(prefix="apppass-chromium.")
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in FLAGS + tuple(extra_flags) + ("--user-data-dir=" + profile,):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(120)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def is_gone(element):
    """Whether ELEMENT's page was replaced. selenium's staleness_of() lets chromedriver's
    "Node with given id does not belong to the document" through when the question meets the
    navigation half way; that answer means gone too."""
    try:
        element.is_enabled()
        return False
    except StaleElementReferenceException:
        return True
    except WebDriverException as e:
        if "does not belong to the document" in str(e):
            return True
        raise


def click_and_wait(driver, by, what, seconds=60):
    """Clicks the element WHAT names and waits until the page it was on has been replaced: a
    click only starts the navigation."""
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(by, what).click()
    WebDriverWait(driver, seconds).until(lambda _: is_gone(old))
