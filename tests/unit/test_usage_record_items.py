"""A request record survives the trip through a DynamoDB item."""

from __future__ import annotations

from decimal import Decimal

from spidergate.dynamo import to_item
from spidergate.usage import keys
from spidergate.usage.counts import Usage
from spidergate.usage.record import Attempt, RequestRecord
from spidergate.usage.record_items import record_from_item, record_item


def test_round_trip_keeps_every_field() -> None:
    record = RequestRecord(
        request_id="req_1",
        brand_id="brd_a",
        agent_id="cli_x",
        endpoint="chat",
        requested_model="fast",
        alias="fast",
        started_at=1_764_000_019.25,
        status=200,
        served_model="anthropic/claude-haiku",
        provider="anthropic",
        key_id="pk_2",
        key_label="team…9f2c",
        usage=Usage(
            prompt_tokens=120, completion_tokens=30, cached_tokens=100, reasoning_tokens=5, seconds=1.5
        ),
        cost=Decimal("0.0001234567"),
        attempts=[
            Attempt(
                "openai/gpt-4o-mini", "openai", "pk_1", "main…abcd", "next_model", 503, "overloaded", 12.5
            ),
            Attempt("anthropic/claude-haiku", "anthropic", "pk_2", "team…9f2c", "success", 200, None, 80.0),
        ],
        fallback=True,
        stream=True,
        latency_ms=95.5,
        client_disconnected=True,
    )
    item = record_item(record, ttl_days=30)
    assert item["expires_at"] == 1_764_000_019 + 30 * 86400
    assert item["gsi1pk"] == keys.record_agent_pk("brd_a", "cli_x", keys.record_shard(record.request_id))
    assert item["pk"] == keys.record_pk("brd_a", keys.record_shard(record.request_id))
    assert item["usage"]["total_tokens"] == 150
    assert record_from_item(to_item(item)) == record


def test_a_failed_record_without_optional_fields() -> None:
    record = RequestRecord(
        "req_2", "brd_a", "cli_x", "embeddings", "text-embedding-3-small", None, 5.0, status=429
    )
    item = to_item(record_item(record, ttl_days=1))
    assert "served_model" not in item
    assert record_from_item(item) == record
