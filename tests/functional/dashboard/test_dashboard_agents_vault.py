"""The brand dashboard API in-process (moto, real Cognito tokens): agents and vault keys, end to end
through chat."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.functional.dashboard.harness import (
    SANDBOX,
    Stack,
    error_of,
)


# -- agents -----------------------------------------------------------------------------------------
async def test_created_agent_works_on_chat_and_revoke_is_immediate(stack: Stack) -> None:
    await stack.add_key("sk-sandbox-key-000001")
    created = await stack.new_agent(limits={"rpm": 100})
    cred = created["credentials"]
    assert cred["bearer"] == f"{cred['client_id']}:{cred['api_key']}:{cred['api_secret']}"
    assert created["agent"]["limits"]["rpm"] == 100
    assert (await stack.chat(cred["bearer"])).status_code == 200  # also caches the principal
    r = await stack.call("alice", "POST", "brd_a", f"/agents/{cred['client_id']}/revoke")
    assert r.status_code == 200
    assert r.json()["status"] == "revoked"
    after = await stack.chat(cred["bearer"])
    assert after.status_code == 401
    assert error_of(after)["code"] == "invalid_api_key"


async def test_rotate_issues_new_credentials_and_revokes_the_old(stack: Stack) -> None:
    await stack.add_key("sk-sandbox-key-000001")
    old = (await stack.new_agent())["credentials"]
    assert (await stack.chat(old["bearer"])).status_code == 200
    r = await stack.call("alice", "POST", "brd_a", f"/agents/{old['client_id']}/rotate")
    assert r.status_code == 200, r.text
    new = r.json()["credentials"]
    assert new["client_id"] == old["client_id"]
    assert new["api_secret"] != old["api_secret"]
    assert (await stack.chat(old["bearer"])).status_code == 401
    assert (await stack.chat(new["bearer"])).status_code == 200


async def test_update_merges_limits_and_budgets_and_is_audited(stack: Stack) -> None:
    agent_id = (await stack.new_agent(limits={"rpm": 10, "tpm": 1000}))["agent"]["agent_id"]
    path = f"/agents/{agent_id}"
    r = await stack.call(
        "alice", "PATCH", "brd_a", path, json={"limits": {"rpm": 5}, "budgets": {"daily_usd": 1.5}}
    )
    assert r.status_code == 200, r.text
    assert r.json()["limits"] == {"rpm": 5, "tpm": 1000, "concurrency": None}
    assert r.json()["budgets"] == {"daily_usd": 1.5, "monthly_usd": None}
    r = await stack.call("alice", "PATCH", "brd_a", path, json={"limits": {"tpm": None}, "name": "renamed"})
    assert (r.json()["limits"]["rpm"], r.json()["limits"]["tpm"], r.json()["name"]) == (5, None, "renamed")
    stored = stack.rt.records.require_agent("brd_a", agent_id)
    assert (stored.limits.rpm, stored.limits.tpm, str(stored.budgets.daily_usd)) == (5, None, "1.5")
    bad = await stack.call("alice", "PATCH", "brd_a", path, json={"limits": {"rpm": 0}})
    assert bad.status_code == 400
    assert error_of(bad)["type"] == "invalid_request_error"
    trail = (await stack.call("alice", "GET", "brd_a", "/audit")).json()["data"]
    assert [(e["action"], e["actor"], e["target"]) for e in trail[:3]] == [
        ("agent.update", "user:alice", agent_id), ("agent.update", "user:alice", agent_id),
        ("agent.create", "user:alice", agent_id),
    ]  # fmt: skip
    assert trail[1]["details"]["limits"] == {"rpm": 5, "tpm": 1000}


async def test_unknown_agent_is_404_and_other_brands_agent_is_invisible(stack: Stack) -> None:
    b_agent = (await stack.call("bob", "POST", "brd_b", "/agents", json={"name": "b"})).json()["agent"][
        "agent_id"
    ]
    r = await stack.call("alice", "POST", "brd_a", f"/agents/{b_agent}/revoke")
    assert r.status_code == 404
    assert stack.rt.records.require_agent("brd_b", b_agent).status == "active"


async def test_brand_missing_from_the_vault_is_404(stack: Stack) -> None:
    body = {"provider": "openai", "api_key": "sk-sandbox-key-000009", "base_url": SANDBOX}
    for path, payload in (("/agents", {"name": "x"}), ("/vault/keys", body)):
        r = await stack.call("carol", "POST", "brd_ghost", path, json=payload)
        assert r.status_code == 404, r.text
        assert error_of(r)["code"] == "brand_not_found"
    assert stack.rt.keyvault.list("brd_ghost") == []


# -- vault ------------------------------------------------------------------------------------------
async def test_added_key_is_used_by_the_router_and_never_shown(stack: Stack) -> None:
    secret = "sk-live-DO-NOT-LEAK-0123456789abcdef"
    bearer = (await stack.new_agent())["credentials"]["bearer"]
    assert (await stack.chat(bearer)).status_code != 200  # no key yet (and the empty view is cached)
    added = await stack.add_key(secret, label="primary")
    assert (added["status"], added["label"], added["provider"]) == ("healthy", "primary", "openai")
    served = await stack.chat(bearer)
    assert served.status_code == 200, served.text
    assert stack.fold_usage() >= 1
    listing = await stack.call("alice", "GET", "brd_a", "/vault/keys")
    traces = await stack.call("alice", "GET", "brd_a", "/traces")
    audit = await stack.call("alice", "GET", "brd_a", "/audit")
    assert traces.json()["data"][0]["key_id"] == added["key_id"]
    for text in (json.dumps(added), listing.text, traces.text, audit.text):
        assert secret not in text
        assert secret[4:-4] not in text
    assert listing.json()["data"][0]["spend_this_month_usd"] > 0
    stored = stack.rt.keyvault.get("brd_a", added["key_id"])
    assert stack.rt.keyvault.material(stored) == secret  # the material went to Secrets Manager


async def test_disable_enable_update_delete_are_applied_and_audited(stack: Stack) -> None:
    bearer = (await stack.new_agent())["credentials"]["bearer"]
    key_id = (await stack.add_key("sk-sandbox-key-000002"))["key_id"]
    base = f"/vault/keys/{key_id}"
    r = await stack.call("alice", "POST", "brd_a", f"{base}/disable", json={"reason": "leaked in a commit"})
    assert (r.json()["status"], r.json()["disabled_reason"]) == ("disabled", "leaked in a commit")
    assert (await stack.chat(bearer)).status_code != 200
    r = await stack.call("alice", "POST", "brd_a", f"{base}/enable")
    assert r.json()["status"] == "healthy"
    assert (await stack.chat(bearer)).status_code == 200
    r = await stack.call(
        "alice", "PATCH", "brd_a", base, json={"label": "main", "priority": 5, "monthly_cap_usd": 20}
    )
    assert (r.json()["label"], r.json()["priority"], r.json()["monthly_cap_usd"]) == ("main", 5, 20.0)
    r = await stack.call("alice", "PATCH", "brd_a", base, json={"monthly_cap_usd": None})
    assert r.json()["monthly_cap_usd"] is None
    assert (await stack.call("alice", "PATCH", "brd_a", base, json={"label": None})).status_code == 400
    secret_name = stack.rt.keyvault.get("brd_a", key_id).secret_name
    r = await stack.call("alice", "DELETE", "brd_a", base)
    assert r.json() == {"object": "vault_key.deleted", "key_id": key_id, "deleted": True}
    assert (await stack.call("alice", "GET", "brd_a", "/vault/keys")).json()["data"] == []
    assert "DeletedDate" in stack.secrets.describe_secret(SecretId=secret_name)
    assert (await stack.call("alice", "DELETE", "brd_a", base)).status_code == 404
    trail = (await stack.call("alice", "GET", "brd_a", "/audit")).json()["data"]
    vault_actions = [e["action"] for e in trail if e["target"] == key_id]
    assert vault_actions == [
        "vault.remove",
        "vault.update",
        "vault.update",
        "vault.enable",
        "vault.disable",
        "vault.add",
    ]
    assert {e["actor"] for e in trail} == {"user:alice"}


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"provider": "nope", "api_key": "sk-x"}, "provider"),
        ({"provider": "openai", "api_key": ""}, "api_key"),
        ({"provider": "azure", "api_key": "sk-x"}, "base_url"),
        ({"provider": "openai", "api_key": "sk-x", "base_url": "ftp://x"}, "base_url"),
        ({"provider": "openai", "api_key": "sk-x", "priority": -1}, "priority"),
        ({"provider": "openai", "api_key": "sk-x", "secret_name": "x"}, "secret_name"),
    ],
)
async def test_vault_add_validates_input(stack: Stack, body: dict[str, Any], param: str) -> None:
    r = await stack.call("alice", "POST", "brd_a", "/vault/keys", json=body)
    assert r.status_code == 400
    assert error_of(r)["param"] == param
    assert "sk-x" not in r.text
