"""Debian's headless Chromium under chromedriver (Selenium), and a small page object for the console."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)


def browser_available() -> bool:
    return os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)


@contextmanager
def chromium(
    width: int = 1280, height: int = 900, downloads: Path | None = None
) -> Iterator[webdriver.Chrome]:
    """A fresh headless Chromium with an empty profile, closed (profile removed) on exit; files the
    page downloads land in ``downloads``."""
    os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium Manager fetch a browser
    profile = tempfile.mkdtemp(prefix="spidergate-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={width},{height}")
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    if downloads is not None:
        driver.execute_cdp_cmd(
            "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
        )
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


class Console:
    """The console as a user drives it: sign in, open pages, fill forms, read what is shown."""

    def __init__(self, driver: webdriver.Chrome, root: str, timeout: float = 15.0) -> None:
        self.driver = driver
        self.root = root.rstrip("/")
        self.timeout = timeout

    def wait(self, condition: Callable[[webdriver.Chrome], Any], message: str = "") -> Any:
        def safe(d: webdriver.Chrome) -> Any:
            try:
                return condition(d)
            except StaleElementReferenceException:  # the page re-rendered under us: look again
                return False

        return WebDriverWait(self.driver, self.timeout).until(safe, message)

    def find(self, css: str) -> WebElement:
        element: WebElement = self.wait(lambda d: d.find_element(By.CSS_SELECTOR, css), css)
        return element

    def all(self, css: str) -> list[WebElement]:
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def text(self, css: str = "main") -> str:
        return str(self.find(css).text)

    def wait_text(self, needle: str, css: str = "main") -> str:
        self.wait(lambda d: needle in d.find_element(By.CSS_SELECTOR, css).text, f"{needle!r} in {css}")
        return self.text(css)

    def open(self, fragment: str = "") -> None:
        self.driver.get(f"{self.root}/console/{fragment}")

    def sign_in(self, username: str, password: str) -> None:
        self.open()
        self.fill({"username": username, "password": password}, "main.signin form")
        self.find("main.signin button[type=submit]").click()
        self.find("header .who")

    def sign_out(self) -> None:
        self.find("header button.ghost").click()
        self.find("main.signin")

    def page(self, brand: str, name: str) -> None:
        self.open(f"#/{brand}/{name}")
        self.wait(lambda d: d.find_element(By.ID, "page").get_attribute("data-page") == name, name)

    def settled(self) -> str:
        """The page's text once nothing on it is loading any more."""
        self.wait(lambda d: "Loading…" not in d.find_element(By.ID, "page").text, "page loaded")
        return self.text("#page")

    def fill(self, values: dict[str, str], form: str) -> None:
        for name, value in values.items():
            field = self.find(f"{form} [name={name}]")
            if field.tag_name == "select":
                self.driver.execute_script(
                    "arguments[0].value = arguments[1];"
                    "arguments[0].dispatchEvent(new Event('change', {bubbles: true}))",
                    field,
                    value,
                )
            else:
                field.clear()
                field.send_keys(value)

    def click(self, css: str) -> None:
        self.find(css).click()

    def button(self, label: str, within: str = "main") -> WebElement:
        def found(d: webdriver.Chrome) -> WebElement | bool:
            for b in d.find_elements(By.CSS_SELECTOR, f"{within} button"):
                if b.text.strip() == label:
                    return b
            return False

        element: WebElement = self.wait(found, f"button {label!r} in {within}")
        return element

    def buttons(self, within: str = "main") -> list[str]:
        return [b.text.strip() for b in self.all(f"{within} button")]
