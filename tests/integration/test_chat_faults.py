"""Each injected upstream fault on the first key: the right verdict in the trace, the next key serves."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.integration.conftest import Sandbox

pytestmark = pytest.mark.integration

HELLO = [{"role": "user", "content": "Say hello"}]


@pytest.mark.parametrize(
    ("fault", "outcome", "provider_state"),
    [
        ({"status": 429, "headers": {"retry-after": "7"}}, "cooldown", "cooling"),
        ({"status": 500}, "next_key", "active"),
        ({"status": 401}, "disabled", "disabled"),
        ({"status": 402}, "disabled", "disabled"),
        ({"kind": "timeout", "seconds": 5}, "next_key", "active"),
        ({"kind": "reset"}, "next_key", "active"),
    ],
)
def test_fault_on_first_key_then_second_key_serves(
    make_tenant, sandbox: Sandbox, fault: dict[str, object], outcome: str, provider_state: str
) -> None:
    tenant = make_tenant(keys=(("openai-1", "openai", "/v1"), ("openai-2", "openai", "/v1")))
    sandbox.fault(fault, api_key=tenant.keys["openai-1"])
    raw = tenant.client(timeout=20).chat.completions.with_raw_response.create(
        model="openai/gpt-6.1-terra", messages=HELLO, extra_query={"include_route_trace": "true"}
    )
    attempts = json.loads(raw.text)["route_trace"]["attempts"]
    assert [(a["key"], a["outcome"]) for a in attempts] == [
        (tenant.key_ids["openai-1"], outcome),
        (tenant.key_ids["openai-2"], "success"),
    ]
    providers = httpx.get(
        tenant.gateway.url + "/providers", headers={"authorization": f"Bearer {tenant.token}"}
    )
    keys = {p["id"]: p["keys"] for p in providers.json()["data"]}["openai"]
    assert keys[provider_state] >= 1
