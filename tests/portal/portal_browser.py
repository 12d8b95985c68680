# SPDX-License-Identifier: LGPL-2.1-or-later
"""A real headless browser (Debian's chromium through chromedriver and python3-selenium) for the
portal's tests, and the few things they do with a page. Every page can be saved as a
screenshot: into APPPASS_PORTAL_SCREENSHOTS when set (docs/portal-*.png come from there), else
next to the test's log."""

import os

import pytest
from selenium.webdriver.common.by import By

from headless_chromium import click_and_wait, headless_chromium
from testenv import BUILD_DIR

SHOTS = os.environ.get("APPPASS_PORTAL_SCREENSHOTS") or os.path.join(BUILD_DIR, "portal-screenshots")


@pytest.fixture
def browser():
    with headless_chromium() as driver:
        yield driver


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
        click_and_wait(self.driver, by, what)

    def submit(self):
        self.click(By.CSS_SELECTOR, "main form button[type=submit]")

    def text(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css).text

    def focused_id(self):
        return self.driver.execute_script("return document.activeElement && document.activeElement.id")
