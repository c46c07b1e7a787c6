"""/traces filtered by alias and time window, through the dashboard API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.functional.dashboard.harness import Stack, error_of


async def test_traces_by_alias_and_time_window(stack: Stack) -> None:
    await stack.add_key("sk-sandbox-key-000004")
    bearer = (await stack.new_agent())["credentials"]["bearer"]
    headers = {"authorization": f"Bearer {bearer}"}
    for model in ("gpt-4o-mini", "fast", "gpt-4o-mini", "fast"):
        body = {"model": model, "messages": [{"role": "user", "content": "hi"}]}
        await stack.client.post("/api/gate/v1/chat/completions", headers=headers, json=body)

    async def traces(**params: str) -> list[dict[str, object]]:
        r = await stack.call("victor", "GET", "brd_a", "/traces", params=params)
        assert r.status_code == 200, r.text
        data: list[dict[str, object]] = r.json()["data"]
        return data

    assert [t["alias"] for t in await traces(alias="fast")] == ["fast", "fast"]
    first_page = await stack.call("victor", "GET", "brd_a", "/traces", params={"alias": "fast", "limit": "1"})
    page = first_page.json()
    assert len(page["data"]) == 1 and page["has_more"]
    rest = await traces(alias="fast", limit="1", cursor=page["next_cursor"])
    assert [t["request_id"] for t in rest] != [t["request_id"] for t in page["data"]]

    now = datetime.now(UTC)
    assert len(await traces(since=(now - timedelta(minutes=5)).isoformat())) == 4
    assert await traces(since=(now + timedelta(minutes=5)).isoformat()) == []
    assert await traces(until=(now - timedelta(minutes=5)).isoformat()) == []
    reversed_window = await stack.call(
        "victor", "GET", "brd_a", "/traces", params={"since": now.isoformat(), "until": now.isoformat()}
    )
    assert reversed_window.status_code == 400
    assert error_of(reversed_window)["param"] == "until"
