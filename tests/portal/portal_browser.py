# SPDX-License-Identifier: LGPL-2.1-or-later
"""A real headless browser (Debian's chromium through chromedriver and python3-selenium) for the
portal's tests, and the few things they do with a page. Every page can be saved as a
screenshot: into APPPASS_PORTAL_SCREENSHOTS when set (docs/portal-*.png come from there), else
next to the test's log."""

import os
import shutil
import tempfile

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.support.ui import WebDriverWait

from testenv import BUILD_DIR

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


SHOTS = os.environ.get("APPPASS_PORTAL_SCREENSHOTS") or os.path.join(BUILD_DIR, "portal-screenshots")


@pytest.fixture
def browser():
    profile = tempfile.mkdtemp(prefix="apppass-chromium.")
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--user-data-dir=" + profile, "--window-size=1000,800"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(120)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


class Pages:
    def __init__(self, driver, port):
        self.driver = driver
        self.base = "http://127.0.0.1:%d" % port
        os.makedirs(SHOTS, exist_ok=True)

    def shot(self, name):
        self.driver.save_screenshot(os.path.join(SHOTS, "portal-%s.png" % name))

    def open(self, path):
        self.driver.get(self.base + path)

    def fill(self, field_id, text):
        element = self.driver.find_element(By.ID, field_id)
        element.clear()
        element.send_keys(text)

    def click(self, by, what):
        # A click only starts the navigation: wait until the old page is gone.
        old = self.driver.find_element(By.TAG_NAME, "html")
        self.driver.find_element(by, what).click()
        WebDriverWait(self.driver, 60).until(lambda driver: is_gone(old))

    def submit(self):
        self.click(By.CSS_SELECTOR, "main form button[type=submit]")

    def text(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css).text

    def focused_id(self):
        return self.driver.execute_script("return document.activeElement && document.activeElement.id")
