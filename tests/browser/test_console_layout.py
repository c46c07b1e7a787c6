"""What a user notices: the keyboard alone signs in and moves between pages, and every page fits a
phone's width (wide tables scroll inside their card, never the page)."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

from tests.browser.conftest import ConsoleStack
from tests.browser.driver import Console, chromium

pytestmark = pytest.mark.integration

PAGES = ("overview", "vault", "agents", "traces", "aliases", "audit")


def test_keyboard_alone_signs_in_and_reaches_every_page(console_stack: ConsoleStack) -> None:
    s = console_stack
    with chromium() as driver:
        ui = Console(driver, s.root)
        ui.open()
        ui.find("main.signin")
        # Focus starts in the form (autofocus lands once the page has rendered).
        active = ui.wait(
            lambda d: (
                d.switch_to.active_element
                if d.switch_to.active_element.get_attribute("name") == "username"
                else False
            ),
            "focus in the email field",
        )
        active.send_keys(s.owner.username, Keys.TAB)
        driver.switch_to.active_element.send_keys(s.owner.password, Keys.ENTER)
        ui.find("header .who")
        assert [a.text for a in ui.all("nav a")] == [
            "Overview",
            "Vault",
            "Agents",
            "Traces",
            "Aliases",
            "Audit",
        ]
        for name in PAGES:
            driver.execute_script("document.activeElement.blur()")  # back to the top of the page
            link = _tab_to(driver, name.capitalize())
            ActionChains(driver).send_keys(Keys.ENTER).perform()
            ui.wait(lambda d, n=name: d.find_element(By.ID, "page").get_attribute("data-page") == n, name)
            assert link.get_attribute("aria-current") == "page"


def _tab_to(driver: WebDriver, text: str) -> WebElement:
    """Press Tab until the focused element is the link reading ``text``."""
    for _ in range(20):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        focused = driver.switch_to.active_element
        if focused.tag_name == "a" and focused.text == text:
            return focused
    raise AssertionError(f"Tab never reached the {text!r} link")


def test_every_page_fits_a_phone(console_stack: ConsoleStack) -> None:
    s = console_stack
    with chromium(390, 844) as driver:
        ui = Console(driver, s.root)
        ui.sign_in(s.owner.username, s.owner.password)
        for name in PAGES:
            ui.page(s.brand_id, name)
            ui.settled()
            overflow = driver.execute_script(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{name} is {overflow}px wider than the phone"


def test_a_session_the_api_refuses_returns_to_the_sign_in_form(console_stack: ConsoleStack) -> None:
    s = console_stack
    with chromium() as driver:
        ui = Console(driver, s.root)
        ui.sign_in(s.owner.username, s.owner.password)
        ui.page(s.brand_id, "vault")
        ui.settled()
        # The stored ID token keeps its claims but loses its signature: the API answers 401.
        driver.execute_script(
            """
            for (const key of Object.keys(sessionStorage)) {
              if (key.endsWith(".idToken")) {
                const [head, body] = sessionStorage.getItem(key).split(".");
                sessionStorage.setItem(key, `${head}.${body}.AAAA`);
              }
            }
            """
        )
        ui.open(f"#/{s.brand_id}/agents")
        ui.find("main.signin")
        ui.sign_in(s.owner.username, s.owner.password)  # and signing in again works
        ui.page(s.brand_id, "agents")
        assert ui.settled()
