"""The brand's view of the task aliases, and its overrides edited from the dashboard (routed at once)."""

from __future__ import annotations

from tests.functional.dashboard.harness import Stack, error_of


async def test_aliases_list_every_chain_with_no_override_and_no_usage(stack: Stack) -> None:
    r = await stack.call("victor", "GET", "brd_a", "/aliases")
    assert r.status_code == 200, r.text
    aliases = {a["id"]: a for a in r.json()["data"]}
    assert len(aliases) == len(stack.rt.catalog.aliases) == 26
    fast = aliases["fast"]
    assert fast["chain"] == fast["default_chain"]
    assert fast["chain"][0] == stack.rt.catalog.aliases["fast"].chain[0]
    assert not fast["overridden"]
    assert fast["usage_24h"] == {
        "requests": 0,
        "errors": 0,
        "total_tokens": 0,
        "cost_usd": 0.0,
        "top_model": None,
    }


async def test_override_routes_the_alias_is_audited_and_stays_in_its_brand(stack: Stack) -> None:
    await stack.add_key("sk-sandbox-key-000001")
    bearer = (await stack.new_agent())["credentials"]["bearer"]
    body = {"chain": ["gpt-4o-mini", "openai/gpt-4o-mini", "anthropic/claude-haiku-5-5"]}
    r = await stack.call("alice", "PATCH", "brd_a", "/aliases/fast", json=body)
    assert r.status_code == 200, r.text
    assert r.json()["chain"] == ["openai/gpt-4o-mini", "anthropic/claude-haiku-5-5"]  # canonical, once
    assert r.json()["overridden"]

    chat = await stack.client.post(
        "/api/gate/v1/chat/completions",
        headers={"authorization": f"Bearer {bearer}"},
        json={"model": "fast", "messages": [{"role": "user", "content": "hi"}]},
    )
    assert chat.status_code == 200, chat.text
    assert chat.headers["x-spidergate-model"] == "openai/gpt-4o-mini"
    assert stack.fold_usage() >= 1  # alias usage comes from the usage stream

    listed = {a["id"]: a for a in (await stack.call("alice", "GET", "brd_a", "/aliases")).json()["data"]}
    assert listed["fast"]["usage_24h"]["requests"] == 1
    assert listed["fast"]["usage_24h"]["top_model"] == "openai/gpt-4o-mini"
    other = {a["id"]: a for a in (await stack.call("bob", "GET", "brd_b", "/aliases")).json()["data"]}
    assert not other["fast"]["overridden"]
    assert other["fast"]["usage_24h"]["requests"] == 0

    audit = (await stack.call("alice", "GET", "brd_a", "/audit")).json()["data"]
    assert (audit[0]["action"], audit[0]["target"], audit[0]["actor"]) == (
        "alias.override",
        "fast",
        "user:alice",
    )
    assert audit[0]["details"] == {"chain": ["openai/gpt-4o-mini", "anthropic/claude-haiku-5-5"]}

    reset = await stack.call("alice", "PATCH", "brd_a", "/aliases/fast", json={"chain": None})
    assert reset.status_code == 200
    assert not reset.json()["overridden"]
    assert reset.json()["chain"] == reset.json()["default_chain"]


async def test_bad_overrides_are_client_errors_naming_the_entry(stack: Stack) -> None:
    unknown = await stack.call(
        "alice", "PATCH", "brd_a", "/aliases/fast", json={"chain": ["gpt-4o-mini", "nope-9"]}
    )
    assert unknown.status_code == 400
    assert error_of(unknown)["param"] == "chain.1"
    wrong_mode = await stack.call(
        "alice", "PATCH", "brd_a", "/aliases/fast", json={"chain": ["text-embedding-3-small"]}
    )
    assert wrong_mode.status_code == 400
    assert "cannot serve alias fast" in error_of(wrong_mode)["message"]
    empty = await stack.call("alice", "PATCH", "brd_a", "/aliases/fast", json={"chain": []})
    assert empty.status_code == 400
    missing = await stack.call("alice", "PATCH", "brd_a", "/aliases/not-an-alias", json={"chain": None})
    assert missing.status_code == 404
    assert error_of(missing)["code"] == "alias_not_found"


async def test_viewers_cannot_override(stack: Stack) -> None:
    r = await stack.call("victor", "PATCH", "brd_a", "/aliases/fast", json={"chain": ["gpt-4o-mini"]})
    assert r.status_code == 403
    assert error_of(r)["code"] == "admin_required"
