"""Sign-in against the user pool from the browser: a wrong password is refused with Cognito's
message, and a member with a temporary password chooses their own before entering."""

from __future__ import annotations

import pytest

from spidergate.dashboard.local_pool import group_name
from spidergate.local.stack import moto_client
from tests.browser.conftest import ConsoleStack
from tests.browser.driver import Console, chromium

pytestmark = pytest.mark.integration


def test_a_wrong_password_is_refused_in_the_pools_words(console_stack: ConsoleStack) -> None:
    s = console_stack
    with chromium() as driver:
        ui = Console(driver, s.root)
        ui.open()
        ui.fill({"username": s.owner.username, "password": "not-the-password"}, "main.signin form")
        ui.click("main.signin button[type=submit]")
        assert ui.wait_text("Incorrect username or password", "main.signin .error")
        assert not ui.all("header")


def test_a_temporary_password_is_replaced_at_the_first_sign_in(console_stack: ConsoleStack) -> None:
    s = console_stack
    cognito = moto_client("cognito-idp", s.stack.moto.url, s.stack.settings.region)
    username, temporary = "newcomer@example.com", "Temporary-Pass-123"
    cognito.admin_create_user(
        UserPoolId=s.sign_in.pool_id, Username=username, TemporaryPassword=temporary, MessageAction="SUPPRESS"
    )
    cognito.admin_add_user_to_group(
        UserPoolId=s.sign_in.pool_id, Username=username, GroupName=group_name(s.brand_id, "viewer")
    )
    with chromium() as driver:
        ui = Console(driver, s.root)
        ui.open()
        ui.fill({"username": username, "password": temporary}, "main.signin form")
        ui.click("main.signin button[type=submit]")
        ui.wait_text("choose your own", "main.signin")
        ui.fill({"answer": "Chosen-Pass-456"}, "main.signin form")
        ui.click("main.signin button[type=submit]")
        assert username in ui.find("header .who").text
        ui.sign_out()
        ui.sign_in(username, "Chosen-Pass-456")  # the new password is the one that works now
        assert "viewer" in ui.text("header")
