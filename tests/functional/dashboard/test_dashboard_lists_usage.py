"""The brand dashboard API in-process (moto, real Cognito tokens): paginated lists, usage and traces."""

from __future__ import annotations

from typing import Any

import pytest

from tests.functional.dashboard.harness import (
    MODEL,
    Stack,
    error_of,
)


# -- lists, usage, traces ---------------------------------------------------------------------------
async def collect(stack: Stack, path: str, limit: int) -> list[list[Any]]:
    pages: list[list[Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        body = (await stack.call("alice", "GET", "brd_a", path, params=params)).json()
        pages.append(body["data"])
        cursor = body["next_cursor"]
        assert body["has_more"] == (cursor is not None)
        if cursor is None:
            return pages


async def test_lists_paginate_with_opaque_cursors(stack: Stack) -> None:
    agent_ids = sorted([(await stack.new_agent())["agent"]["agent_id"] for _ in range(3)])
    for n in range(3):
        await stack.add_key(f"sk-sandbox-key-00001{n}", priority=n)
    agents = await collect(stack, "/agents", 2)
    assert [len(page) for page in agents] == [2, 1]
    assert [a["agent_id"] for page in agents for a in page] == agent_ids
    keys = await collect(stack, "/vault/keys", 2)
    assert [k["priority"] for page in keys for k in page] == [0, 1, 2]
    audit = await collect(stack, "/audit", 4)
    stamps = [e["at"] for page in audit for e in page]
    assert [len(page) for page in audit] == [4, 2]
    assert stamps == sorted(stamps, reverse=True)
    first = (await stack.call("alice", "GET", "brd_a", "/agents", params={"limit": 1})).json()["next_cursor"]
    for path, cursor in [("/audit", first), ("/agents", "bm90LWEtY3Vyc29y"), ("/vault/keys", first)]:
        r = await stack.call("alice", "GET", "brd_a", path, params={"cursor": cursor})
        assert r.status_code == 400, (path, r.text)
        assert error_of(r)["code"] == "invalid_cursor"


async def test_usage_aggregates_and_traces(stack: Stack) -> None:
    key_id = (await stack.add_key("sk-sandbox-key-000003"))["key_id"]
    first = (await stack.new_agent())["credentials"]
    second = (await stack.new_agent())["credentials"]
    for bearer in (first["bearer"], first["bearer"], second["bearer"]):
        assert (await stack.chat(bearer)).status_code == 200
    assert stack.fold_usage() == 3  # the aggregates come from the usage stream
    by_agent = (await stack.call("alice", "GET", "brd_a", "/usage", params={"by": "agent"})).json()
    requests_by_agent = {row["value"]: row["counts"]["requests"] for row in by_agent["data"]}
    assert requests_by_agent == {first["client_id"]: 2, second["client_id"]: 1}
    assert by_agent["totals"]["requests"] == 3
    assert by_agent["totals"]["cost"] > 0
    # Asked for the model itself (no alias): the reference is that model's list price, so equal.
    assert by_agent["totals"]["reference_cost_usd"] == by_agent["totals"]["cost"]
    by_key = (await stack.call("alice", "GET", "brd_a", "/usage", params={"by": "key"})).json()
    assert [(r["value"], r["counts"]["requests"]) for r in by_key["data"]] == [(key_id, 3)]
    traces = (await stack.call("alice", "GET", "brd_a", "/traces")).json()["data"]
    assert [t["agent_id"] for t in traces] == [second["client_id"], first["client_id"], first["client_id"]]
    assert [(a["outcome"], a["key"]) for a in traces[0]["route"]] == [("success", "openai-" + key_id[-4:])]
    only = await stack.call(
        "alice", "GET", "brd_a", "/traces", params={"agent": first["client_id"], "status": "2xx"}
    )
    assert [t["agent_id"] for t in only.json()["data"]] == [first["client_id"]] * 2
    for params in ({"status": "error"}, {"fallback": "true"}, {"model": "claude-3-haiku"}):
        assert (await stack.call("alice", "GET", "brd_a", "/traces", params=params)).json()["data"] == []
    assert (
        len((await stack.call("alice", "GET", "brd_a", "/traces", params={"model": MODEL})).json()["data"])
        == 3
    )


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"from": "2025-01-01", "to": "2025-04-30"}, "range_too_long"),
        ({"from": "2025-02-01", "to": "2025-01-01"}, None),
        ({"from": "2025-13-01"}, None),
        ({"by": "colour"}, None),
    ],
)
async def test_usage_range_is_validated(stack: Stack, params: dict[str, str], code: str | None) -> None:
    r = await stack.call("alice", "GET", "brd_a", "/usage", params=params)
    assert r.status_code == 400, r.text
    if code:
        assert error_of(r)["code"] == code


async def test_usage_accepts_the_longest_range(stack: Stack) -> None:
    r = await stack.call("alice", "GET", "brd_a", "/usage", params={"from": "2025-01-01", "to": "2025-04-02"})
    assert r.status_code == 200, r.text
    assert (r.json()["start"], r.json()["end"], r.json()["totals"]["requests"]) == (
        "2025-01-01",
        "2025-04-02",
        0,
    )
