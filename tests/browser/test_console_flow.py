"""The console end to end in headless Chromium: an admin signs in, adds vault keys, creates an agent,
points the "fast" alias at the keys' model, the agent's credentials serve a chat request through the `openai` SDK (the first key fails over to
the second), and the console shows that request in Traces with both attempts, the failed key in the
Vault, the request in the Overview totals and the alias's usage, and every change in the Audit trail."""

from __future__ import annotations

import csv
import io
import secrets
from pathlib import Path

import httpx
import openai
import pytest

from spidergate.local.sandbox.state import key_hash
from tests.browser.conftest import ConsoleStack
from tests.browser.driver import Console, chromium

pytestmark = pytest.mark.integration


def test_admin_adds_keys_creates_agent_and_sees_its_request(
    console_stack: ConsoleStack, tmp_path: Path
) -> None:
    s = console_stack
    brand = s.fresh_brand_id
    first, second = f"sk-first-{secrets.token_hex(8)}", f"sk-second-{secrets.token_hex(8)}"
    with chromium(downloads=tmp_path) as driver:
        ui = Console(driver, s.root)
        ui.sign_in(s.owner.username, s.owner.password)
        assert s.owner.username in ui.text("header")

        # Vault: empty, then two keys added through the form (the material never comes back).
        ui.page(brand, "vault")
        ui.wait_text("No keys yet — add one.")
        # The API's own words when it refuses (Azure keys must name their endpoint).
        ui.button("Add a key").click()
        ui.fill({"provider": "azure", "api_key": "azure-key-material"}, "#add-key")
        ui.click("#add-key button[type=submit]")
        assert ui.wait_text("provider azure needs a base_url", "#add-key .error")
        for label, material, priority in (("key-one", first, "10"), ("key-two", second, "20")):
            if not ui.all("#add-key"):
                ui.button("Add a key").click()
            ui.fill(
                {
                    "provider": "openai",
                    "label": label,
                    "api_key": material,
                    "base_url": s.stack.sandbox.url + "/v1",
                    "priority": priority,
                },
                "#add-key",
            )
            ui.click("#add-key button[type=submit]")
            ui.wait_text(label, "[data-provider=openai]")
            assert ui.find("#add-key [name=api_key]").get_attribute("value") == ""
        assert first not in driver.page_source and second not in driver.page_source
        # Edit key-two: a monthly cap shows against its spend.
        row = next(r for r in ui.all("[data-provider=openai] tr[data-key]") if "key-two" in r.text)
        key_two = f'[data-key="{row.get_attribute("data-key")}"]'
        ui.button("Edit", key_two).click()
        ui.fill({"monthly_cap_usd": "25"}, "[data-edit-key]")
        ui.click("[data-edit-key] button[type=submit]")
        ui.wait_text("/ $25.00", key_two)

        # Agents: create one; its credentials and SDK snippet are shown once.
        ui.page(brand, "agents")
        ui.wait_text("No agents yet — create one.")
        ui.button("Create an agent").click()
        ui.fill({"name": "browser-bot", "rpm": "100"}, "#create-agent")
        ui.click("#create-agent button[type=submit]")
        bearer = ui.find("#credentials [data-cred='Bearer token']").text
        assert bearer.count(":") == 2
        assert "from openai import OpenAI" in ui.text("#credentials pre")
        assert s.gate in ui.text("#credentials pre")
        ui.button("I have stored them", "#credentials").click()
        ui.wait_text("browser-bot")
        assert bearer not in driver.page_source
        agent_id = bearer.split(":")[0]
        assert "100 rpm" in ui.text("[data-agent]")

        # Aliases: route "fast" to the model these keys serve, for this brand only.
        ui.page(brand, "aliases")
        ui.find("[data-alias=fast]")
        ui.button("Edit chain", "[data-alias=fast]").click()
        ui.fill({"chain": "gpt-4o-mini"}, "[data-alias=fast] form")
        ui.click("[data-alias=fast] form button[type=submit]")
        ui.wait_text("overridden", "[data-alias=fast]")
        assert "openai/gpt-4o-mini" in ui.text("[data-alias=fast] .chain")

        # The agent calls the gateway with the official SDK; key-one is refused upstream (401).
        httpx.post(
            s.stack.sandbox.url + "/_control/faults",
            json={"match": {"api_key": first}, "times": 1, "fault": {"status": 401}},
        ).raise_for_status()
        client = openai.OpenAI(base_url=s.gate, api_key=bearer, max_retries=0)
        reply = client.chat.completions.create(
            model="fast", messages=[{"role": "user", "content": "Hello from the browser test"}]
        )
        assert reply.choices[0].message.content

        # Traces: the request, then its detail with both attempts.
        ui.page(brand, "traces")
        ui.wait_text("openai/gpt-4o-mini", "#traces")
        row = ui.find("#traces tbody tr")
        assert "browser-bot" in row.text
        request_id = row.get_attribute("data-request")
        ui.find("#traces tbody tr a").click()
        ui.wait_text(str(request_id), "#trace-detail")
        attempts = [r.text for r in ui.all("#attempts tbody tr")]
        assert len(attempts) == 2
        assert "key-one" in attempts[0] and "disabled" in attempts[0] and "401" in attempts[0]
        assert "key-two" in attempts[1] and "success" in attempts[1]

        assert "alias fast" in ui.text("#trace-detail")
        # Filtered by the API: by alias (one with no requests shows the empty state).
        ui.fill({"alias": "fast"}, "form.filters")
        ui.button("Filter", "form.filters").click()
        ui.wait(lambda d: len(ui.all("#traces tbody tr")) == 1, "one fast request")
        ui.fill({"alias": "smart"}, "form.filters")
        ui.button("Filter", "form.filters").click()
        ui.wait_text("No requests match yet")

        # Aliases: the request counts in the alias's last 24 hours.
        ui.page(brand, "aliases")
        assert ui.find("[data-alias=fast] td.num").text == "1"

        # Vault: key-one now disabled, with the gateway's reason and its last error.
        ui.page(brand, "vault")
        ui.wait_text("disabled:", "[data-provider=openai]")
        ui.wait_text("last error", "[data-provider=openai]")
        (failed,) = [r.text for r in ui.all("[data-provider=openai] tr[data-key]") if "last error" in r.text]
        assert "key-one" in failed and "401" in failed and "disabled" in failed

        # Overview: the month's and today's totals count the request.
        ui.page(brand, "overview")
        assert ui.find("[data-totals=month] [data-tile=requests] strong").text == "1"
        assert ui.find("[data-totals=today] [data-tile=requests] strong").text == "1"
        assert "browser-bot" in ui.text("#top-agents")
        # Same model, same list price: nothing saved (and $0.00 while the ledger has no reference cost).
        assert ui.find("[data-totals=month] [data-tile=savings] strong").text == "$0.00"
        # Usage export: this month by agent, as CSV.
        ui.fill({"by": "agent"}, "form.inline")
        ui.button("Download CSV").click()
        ui.wait(lambda d: list(tmp_path.glob("*.csv")), "the CSV download")
        (csv_file,) = tmp_path.glob("*.csv")
        rows = list(csv.DictReader(io.StringIO(csv_file.read_text())))
        assert csv_file.name.startswith(f"spidergate-{brand}-usage-by-agent-")
        assert [(r["agent"], r["requests"], r["fallbacks"]) for r in rows] == [(agent_id, "1", "0")]

        # Agents: a personal access token acts as the agent until it is revoked.
        ui.page(brand, "agents")
        ui.button("Tokens", "[data-agent]").click()
        ui.wait_text("No tokens for this agent yet.", "[data-tokens]")
        ui.fill({"name": "laptop"}, "[data-tokens] form")
        ui.button("Create token", "[data-tokens]").click()
        pat = ui.find("[data-pat-secret]").text
        as_pat = openai.OpenAI(base_url=s.gate, api_key=pat, max_retries=0)
        hello = [{"role": "user", "content": "Hello with a token"}]
        assert as_pat.chat.completions.create(model="gpt-4o-mini", messages=hello).choices
        driver.execute_script("window.confirm = () => true")
        ui.button("Revoke token", "[data-tokens]").click()
        ui.wait_text("revoked", "[data-tokens] [data-pat]")
        with pytest.raises(openai.AuthenticationError):
            as_pat.chat.completions.create(model="gpt-4o-mini", messages=hello)

        # Audit: who did it.
        ui.page(brand, "audit")
        audit = ui.wait_text("pat.revoke", "#audit")
        for action in ("vault.add", "agent.create", "alias.override", "pat.create", "pat.revoke"):
            assert action in audit
        assert f"user:{s.owner.username}" in audit
        assert pat not in driver.page_source
        assert key_hash(first) not in driver.page_source
