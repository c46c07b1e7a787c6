"""Roles and tenancy in the browser: a viewer sees no write controls (and the API still refuses
its writes); another brand's keys, agents and requests never appear."""

from __future__ import annotations

import secrets

import httpx
import openai
import pytest

from spidergate.dashboard.local_pool import sign_in
from spidergate.local.stack import moto_client
from tests.browser.conftest import ConsoleStack
from tests.browser.driver import Console, chromium

pytestmark = pytest.mark.integration

WRITE_BUTTONS = {
    "Add a key",
    "Create an agent",
    "Disable",
    "Enable",
    "Remove",
    "Rotate",
    "Revoke",
    "Edit limits",
}


def _seed(s: ConsoleStack, brand_id: str, name: str) -> tuple[str, str]:
    """An agent and a sandbox key in ``brand_id``, and one request served through them."""
    agent, cred = s.admin.records.create_agent(brand_id, name)
    label = f"{name}-key"
    s.admin.vault.add(
        brand_id, "openai", f"sk-{secrets.token_hex(8)}", label=label, base_url=s.stack.sandbox.url + "/v1"
    )
    client = openai.OpenAI(base_url=s.gate, api_key=cred.bearer, max_retries=0)
    client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": name}])
    return agent.agent_id, label


def test_viewer_sees_no_write_controls_and_the_api_refuses_its_writes(console_stack: ConsoleStack) -> None:
    s = console_stack
    _seed(s, s.brand_id, "viewed-bot")
    with chromium() as driver:
        ui = Console(driver, s.root)
        ui.sign_in(s.viewer.username, s.viewer.password)
        assert "viewer" in ui.text("header")
        ui.page(s.brand_id, "vault")
        ui.wait_text("viewed-bot-key")
        assert not WRITE_BUTTONS & set(ui.buttons())
        assert not ui.all("#add-key")
        ui.page(s.brand_id, "agents")
        ui.wait_text("viewed-bot")
        ui.button("Tokens", "[data-agent]").click()
        ui.wait_text("No tokens for this agent yet.", "[data-tokens]")
        assert not WRITE_BUTTONS & set(ui.buttons())
        assert not ui.all("[data-tokens] form")
        ui.page(s.brand_id, "aliases")
        ui.find("[data-alias=fast]")
        assert not WRITE_BUTTONS & set(ui.buttons())
        ui.page(s.brand_id, "traces")
        ui.wait_text("viewed-bot", "#traces")
    cognito = moto_client("cognito-idp", s.stack.moto.url, s.stack.settings.region)
    token = sign_in(cognito, s.sign_in.client_id, s.viewer.username, s.viewer.password)["IdToken"]
    refused = httpx.post(
        f"{s.root}/api/v1/brands/{s.brand_id}/gate/agents",
        json={"name": "sneaky"},
        headers={"authorization": f"Bearer {token}"},
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "admin_required"


def test_another_brands_data_never_appears(console_stack: ConsoleStack) -> None:
    s = console_stack
    other_agent, other_key = _seed(s, s.other_brand_id, "foreign-bot")
    _seed(s, s.brand_id, "home-bot")
    with chromium() as driver:
        ui = Console(driver, s.root)
        ui.sign_in(s.owner.username, s.owner.password)
        options = [o.get_attribute("value") for o in ui.all("header select option")]
        assert sorted(options) == sorted([s.brand_id, s.fresh_brand_id])
        for page in ("overview", "vault", "agents", "traces", "audit"):
            ui.page(s.brand_id, page)
            shown = ui.settled()
            if page != "audit":  # the seed wrote records directly: nothing audited
                assert "home-bot" in shown, page
            html = driver.page_source
            assert "foreign-bot" not in html and other_agent not in html and other_key not in html
        # A hand-made link to the other brand opens the member's own brand instead.
        ui.open(f"#/{s.other_brand_id}/vault")
        ui.find("[data-page=vault]")
        assert other_key not in ui.settled()
        assert other_key not in driver.page_source
        assert ui.find("header select").get_attribute("value") in (s.brand_id, s.fresh_brand_id)
