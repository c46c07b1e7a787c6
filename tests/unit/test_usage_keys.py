"""Usage-table keys and the UTC periods they bucket by."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from spidergate.usage import keys

NOON = datetime(2025, 12, 31, 12, 34, 56, 789000, tzinfo=UTC).timestamp()


def test_periods_are_utc_ids() -> None:
    assert keys.minute_id(NOON) == "2025-12-31T12:34"
    assert keys.hour_id(NOON) == "2025-12-31T12"
    assert keys.day_id(NOON) == "2025-12-31"
    assert keys.month_id(NOON) == "2025-12"
    assert keys.iso_ms(NOON) == "2025-12-31T12:34:56.789Z"


def test_window_and_period_ends() -> None:
    assert keys.minute_end(NOON) == datetime(2025, 12, 31, 12, 35, tzinfo=UTC).timestamp()
    assert keys.minute_end(60.0) == 120.0  # a boundary opens the next window
    assert keys.day_end(NOON) == datetime(2026, 1, 1, tzinfo=UTC)
    assert keys.month_end(NOON) == datetime(2026, 1, 1, tzinfo=UTC)
    assert keys.month_end(datetime(2025, 1, 31, tzinfo=UTC).timestamp()) == datetime(2025, 2, 1, tzinfo=UTC)


def test_counter_keys() -> None:
    assert keys.window_key("cli_x", NOON) == ("RATE#cli_x", "MIN#2025-12-31T12:34")
    assert keys.concurrency_key("cli_x") == ("CONC#cli_x", "CONC")
    assert keys.agent_spend_key("cli_x", "day", NOON) == ("SPEND#AGENT#cli_x", "DAY#2025-12-31")
    assert keys.brand_spend_key("brd_a", "month", NOON) == ("SPEND#BRAND#brd_a", "MONTH#2025-12")
    assert keys.key_spend_key("brd_a", "pk_1", NOON) == ("SPEND#KEY#brd_a#pk_1", "MONTH#2025-12")
    with pytest.raises(ValueError, match="period"):
        keys.agent_spend_key("cli_x", "week", NOON)


def test_record_and_reservation_keys_sort_by_time() -> None:
    early = keys.record_key("brd_a", NOON, "req_2")
    late = keys.record_key("brd_a", NOON + 0.001, "req_1")
    assert early == (keys.record_pk("brd_a", keys.record_shard("req_2")), "2025-12-31T12:34:56.789Z#req_2")
    assert early[0].startswith("REQ#brd_a#")
    assert early[1] < late[1]
    assert keys.record_agent_pk("brd_a", "cli_x", 3) == "REQ#brd_a#cli_x#3"
    # A brand's records spread over every shard.
    pks = {keys.record_key("brd_a", NOON, f"req_{n}")[0] for n in range(200)}
    assert pks == set(keys.record_pks("brd_a")) and len(pks) == keys.RECORD_SHARDS
    assert keys.reservation_key("req_1") == ("RES#req_1", "RES")
    gsi1pk, gsi1sk = keys.reservation_index("req_1", NOON)
    assert gsi1pk in keys.reservation_shards()
    assert gsi1sk == "2025-12-31T12:34:56.789Z#req_1"


def test_shards_are_stable_and_spread() -> None:
    assert keys.shard("req_1", 8) == keys.shard("req_1", 8)
    assert len({keys.shard(f"req_{n}", 8) for n in range(200)}) == 8


def test_aggregate_keys() -> None:
    assert keys.aggregate_key("brd_a", "TOTAL", "2025-12-31") == ("AGG#brd_a#TOTAL", "2025-12-31")
    assert keys.aggregate_key("brd_a", "MODEL", "2025-12-31", "openai/gpt-4o") == (
        "AGG#brd_a#MODEL",
        "2025-12-31#openai/gpt-4o",
    )
    with pytest.raises(ValueError, match="dimension"):
        keys.aggregate_pk("brd_a", "COLOUR")
    # A range query's upper bound keeps every value of the last day.
    assert "2025-12-31#zzz" < "2025-12-31" + keys.RANGE_END < "2026-01-01"


def test_an_alias_hour_lands_in_the_brands_partition_only() -> None:
    brand = keys.alias_key("brd_a", NOON, "fast", "openai/gpt-4o-mini")
    assert brand == ("ALIAS#brd_a", "2025-12-31T12#fast#openai/gpt-4o-mini")
