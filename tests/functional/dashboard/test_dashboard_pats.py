"""An agent's personal access tokens from the dashboard: shown once, act as the agent, revoked at once."""

from __future__ import annotations

from tests.functional.dashboard.harness import Stack, error_of


async def test_created_token_serves_chat_is_listed_without_secret_and_revoke_is_immediate(
    stack: Stack,
) -> None:
    await stack.add_key("sk-sandbox-key-000001")
    agent_id = (await stack.new_agent())["agent"]["agent_id"]
    created = await stack.call(
        "alice", "POST", "brd_a", f"/agents/{agent_id}/tokens", json={"name": "laptop"}
    )
    assert created.status_code == 201, created.text
    issued = created.json()
    secret, pat_id = issued["secret"], issued["token"]["pat_id"]
    assert secret.startswith("spideriq_pat_")
    assert issued["token"] == {
        "object": "personal_access_token",
        "pat_id": pat_id,
        "agent_id": agent_id,
        "name": "laptop",
        "status": "active",
        "created_at": issued["token"]["created_at"],
    }
    assert (await stack.chat(secret)).status_code == 200

    listed = await stack.call("victor", "GET", "brd_a", f"/agents/{agent_id}/tokens")
    assert listed.status_code == 200
    assert [t["pat_id"] for t in listed.json()["data"]] == [pat_id]
    assert secret not in listed.text

    revoked = await stack.call("alice", "POST", "brd_a", f"/agents/{agent_id}/tokens/{pat_id}/revoke")
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["status"] == "revoked"
    after = await stack.chat(secret)
    assert after.status_code == 401
    assert error_of(after)["code"] == "invalid_api_key"

    audit = [
        (e["action"], e["target"])
        for e in (await stack.call("alice", "GET", "brd_a", "/audit")).json()["data"]
    ]
    assert ("pat.create", pat_id) in audit and ("pat.revoke", pat_id) in audit


async def test_tokens_stay_inside_their_agent_and_brand(stack: Stack) -> None:
    first = (await stack.new_agent())["agent"]["agent_id"]
    second = (await stack.new_agent())["agent"]["agent_id"]
    pat_id = (await stack.call("alice", "POST", "brd_a", f"/agents/{first}/tokens")).json()["token"]["pat_id"]
    assert (await stack.call("alice", "GET", "brd_a", f"/agents/{second}/tokens")).json()["data"] == []
    wrong_agent = await stack.call("alice", "POST", "brd_a", f"/agents/{second}/tokens/{pat_id}/revoke")
    assert wrong_agent.status_code == 404
    assert error_of(wrong_agent)["code"] == "pat_not_found"
    other_brand = await stack.call("bob", "GET", "brd_b", f"/agents/{first}/tokens")
    assert other_brand.status_code == 404
    not_member = await stack.call("bob", "GET", "brd_a", f"/agents/{first}/tokens")
    assert not_member.status_code == 403


async def test_viewers_cannot_create_or_revoke_tokens(stack: Stack) -> None:
    agent_id = (await stack.new_agent())["agent"]["agent_id"]
    r = await stack.call("victor", "POST", "brd_a", f"/agents/{agent_id}/tokens")
    assert r.status_code == 403
    assert error_of(r)["code"] == "admin_required"
