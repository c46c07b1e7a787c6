"""No secret (agent secret, PAT, provider key) in DynamoDB, logs or responses."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.integration.conftest import Sandbox

pytestmark = pytest.mark.integration


def test_secrets_never_stored_logged_or_returned(make_tenant, admin, gateway, sandbox: Sandbox) -> None:
    tenant = make_tenant()
    _, pat = admin.records.create_pat(tenant.brand_id, tenant.agent_id, "scan")
    client = tenant.client()
    # Exercise success, fallback, a disabled key and a client error so every path logs.
    sandbox.fault({"status": 401}, api_key=tenant.keys["openai-1"])
    client.chat.completions.create(
        model="default",
        messages=[{"role": "user", "content": "hi"}],
        extra_query={"include_route_trace": "true"},
    )
    list(
        client.chat.completions.create(
            model="default", messages=[{"role": "user", "content": "x"}], stream=True
        )
    )
    bad = httpx.post(
        gateway.url + "/chat/completions",
        json={"model": "default"},
        headers={"authorization": f"Bearer {tenant.token}"},
    )
    providers = httpx.get(gateway.url + "/providers", headers={"authorization": f"Bearer {pat}"})
    responses = bad.text + providers.text
    secrets = [tenant.credential.api_secret, pat, *tenant.keys.values()]
    stored = json.dumps(
        [admin.scan(admin.stack.settings.vault_table), admin.scan(admin.stack.settings.usage_table)]
    )
    logs = gateway.logs()
    assert "invalid_api_key" in stored or "disabled" in stored  # the 401 disabled a key: the scan saw it
    for secret in secrets:
        assert secret not in stored, "a secret is stored in plaintext"
        assert secret not in logs, "a secret reached the logs"
        assert secret not in responses, "a secret reached a response"
