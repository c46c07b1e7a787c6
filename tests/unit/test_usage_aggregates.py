"""The stream fold's plan: one update per item per batch, conditioned on per-partition marks so a
replay adds nothing and an overlapping batch adds only what the item has not seen."""

from __future__ import annotations

from decimal import Decimal

from spidergate.usage import keys
from spidergate.usage.aggregates import Folded, counter_id, padded, target_update, targets
from spidergate.usage.counts import Usage
from spidergate.usage.record import RequestRecord

T0 = 1_764_000_019.0


def folded(n: int, partition: str = "REQ#brd_a#0", *, settled: frozenset[str] = frozenset()) -> Folded:
    record = RequestRecord(
        f"r{n}", "brd_a", "cli_a", "chat", "fast", "fast", T0, served_model="openai/m", provider="openai",
        key_id="pk_1", usage=Usage(prompt_tokens=10, completion_tokens=5), cost=Decimal("0.01"),
        ref_cost=Decimal("0.03"),
    )  # fmt: skip
    return Folded(partition, padded(str(100 + n)), record, settled)


def numbers(entry: dict[str, object]) -> dict[str, str]:
    update = entry["Update"]
    assert isinstance(update, dict)
    names = update["ExpressionAttributeNames"]
    vals = update["ExpressionAttributeValues"]
    out = {}
    for clause in update["UpdateExpression"].split("ADD ", 1)[1].split(" SET ")[0].split(", "):
        name, value = clause.split(" ")
        out[names[name]] = vals[value]["N"]
    return out


def test_a_batch_is_one_update_per_item_with_every_dimension_and_the_alias() -> None:
    found = targets([folded(1), folded(2)])
    total = found[keys.aggregate_key("brd_a", "TOTAL", keys.day_id(T0))]
    assert len(total.members) == 2
    assert keys.alias_key("brd_a", T0, "fast", "openai/m") in found
    entry = target_update("t", keys.aggregate_key("brd_a", "TOTAL", keys.day_id(T0)), total, None)
    assert entry is not None
    got = numbers(entry)
    assert (got["requests"], got["cost"], got["ref_cost"], got["total_tokens"]) == ("2", "0.02", "0.06", "30")


def test_a_replayed_batch_adds_nothing_and_an_overlap_only_the_new_records() -> None:
    total_key = keys.aggregate_key("brd_a", "TOTAL", keys.day_id(T0))
    target = targets([folded(1), folded(2), folded(3)])[total_key]
    assert target_update("t", total_key, target, {"REQ#brd_a#0": padded("103")}) is None
    overlap = target_update("t", total_key, target, {"REQ#brd_a#0": padded("101")})
    assert overlap is not None
    assert numbers(overlap)["requests"] == "2"
    assert padded("101") in str(
        overlap["Update"]["ExpressionAttributeValues"]
    )  # conditioned on the mark read


def test_spend_is_folded_only_into_counters_the_settle_did_not_count() -> None:
    day = keys.agent_spend_key("cli_a", "day", T0)
    found = targets([folded(1, settled=frozenset({counter_id(day)}))])
    assert day not in found
    assert keys.agent_spend_key("cli_a", "month", T0) in found
    assert keys.key_spend_key("brd_a", "pk_1", T0) in found
