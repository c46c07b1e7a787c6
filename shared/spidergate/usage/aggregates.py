"""Aggregates folded from the usage table's stream, off the hot path.

Every request record (a stream INSERT) adds to:

- the brand's daily aggregates by dimension (``AGG#<brand>#<DIM>``: TOTAL, AGENT, MODEL,
  PROVIDER, KEY), which the dashboard reports read;
- the brand's hourly alias buckets (``ALIAS#<brand>``), which ``/aliases`` reads (per brand only);
- the agent's and brand's day/month spend and the key's month spend, unless the request's own
  settle already counted it there (the record lists those counters in ``settled``): so a budget
  or cap set later still sees what was spent before it existed.

A batch becomes one update per target item. Stream delivery is at least once, so each update
carries, per record partition, the highest stream sequence number folded into the item
(``hw#<record pk>``) and applies only if every record it adds is newer: a replayed batch changes
nothing, and a batch overlapping an earlier one adds only what the item has not seen.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from spidergate.usage import keys
from spidergate.usage.admission import spend_ttl
from spidergate.usage.expressions import Expr, Number, update
from spidergate.usage.record import RequestRecord

AGGREGATE_TTL_SECONDS = 400 * 86400
ALIAS_TTL_SECONDS = 2 * 86400
UNSERVED = "-"  # alias bucket model of a request no model served
SEQ_WIDTH = 40  # stream sequence numbers have 21-40 digits: zero-padded, they compare as strings


@dataclass(frozen=True, slots=True)
class Folded:
    """One stream record: its partition, its padded sequence number, the record it carries, and the
    counters its settle already counted (``settled``)."""

    partition: str
    seq: str
    record: RequestRecord
    settled: frozenset[str] = frozenset()


def padded(sequence_number: str) -> str:
    return sequence_number.zfill(SEQ_WIDTH)


def usage_deltas(record: RequestRecord) -> dict[str, Number]:
    """What one request adds to an aggregate (zeros are dropped when written)."""
    u = record.usage
    return {
        "requests": 1,
        "errors": int(record.status >= 400),
        "prompt_tokens": u.prompt_tokens,
        "completion_tokens": u.completion_tokens,
        "total_tokens": u.total_tokens,
        "cached_tokens": u.cached_tokens,
        "cache_write_tokens": u.cache_write_tokens,
        "reasoning_tokens": u.reasoning_tokens,
        "images": u.images,
        "characters": u.characters,
        "seconds": Decimal(str(u.seconds)),
        "cost": record.cost,
        "ref_cost": record.ref_cost,
        "streams": int(record.stream),
        "disconnects": int(record.client_disconnected),
        "fallbacks": int(record.fallback),
        "estimated": int(u.estimated),
    }


def aggregate_values(record: RequestRecord) -> dict[str, str | None]:
    """The value of each aggregate dimension for ``record`` (``None``: not aggregated there)."""
    return {
        "TOTAL": "",
        "AGENT": record.agent_id,
        "MODEL": record.served_model or record.requested_model,
        "PROVIDER": record.provider,
        "KEY": record.key_id,
    }


def counter_id(key: keys.Key) -> str:
    """How a record names a counter its settle counted (``settled``)."""
    return f"{key[0]}|{key[1]}"


@dataclass(slots=True)
class Target:
    """What a batch adds to one item, and the records it adds (per partition, for the marks)."""

    deltas: dict[str, Number] = field(default_factory=dict)
    once: dict[str, Any] = field(default_factory=dict)
    members: list[tuple[Folded, dict[str, Number]]] = field(default_factory=list)

    def add(self, folded: Folded, deltas: dict[str, Number], once: dict[str, Any]) -> None:
        self.members.append((folded, deltas))
        self.once.update(once)


def targets(batch: Iterable[Folded]) -> dict[keys.Key, Target]:
    """Every item the batch adds to, with what each record adds there."""
    out: dict[keys.Key, Target] = {}

    def add(key: keys.Key, folded: Folded, deltas: dict[str, Number], once: dict[str, Any]) -> None:
        out.setdefault(key, Target()).add(folded, deltas, once)

    for folded in batch:
        record = folded.record
        deltas = usage_deltas(record)
        day = keys.day_id(record.started_at)
        expires = int(record.started_at) + AGGREGATE_TTL_SECONDS
        for dimension, value in aggregate_values(record).items():
            if value is None:
                continue
            once: dict[str, Any] = {"brand_id": record.brand_id, "day": day, "dimension": dimension}
            once["value"] = value or None
            once["expires_at"] = expires
            add(keys.aggregate_key(record.brand_id, dimension, day, value), folded, deltas, once)
        if record.alias:
            model = record.served_model or UNSERVED
            alias_deltas: dict[str, Number] = {
                "requests": 1,
                "errors": int(record.status >= 400),
                "total_tokens": record.usage.total_tokens,
                "cost": record.cost,
                "ref_cost": record.ref_cost,
            }
            once_a: dict[str, Any] = {
                "alias": record.alias,
                "model": model,
                "hour": keys.hour_id(record.started_at),
            }
            once_a["expires_at"] = int(record.started_at) + ALIAS_TTL_SECONDS
            add(
                keys.alias_key(record.brand_id, record.started_at, record.alias, model),
                folded,
                alias_deltas,
                once_a,
            )
        _spend(folded, add)
    return out


def _spend(folded: Folded, add: Any) -> None:
    record = folded.record
    if not record.cost and not record.usage.total_tokens:
        return
    at = record.started_at
    spend: dict[str, Number] = {"committed": record.cost, "spent": record.cost}
    counters = [
        keys.agent_spend_key(record.agent_id, "day", at),
        keys.agent_spend_key(record.agent_id, "month", at),
        keys.brand_spend_key(record.brand_id, "day", at),
        keys.brand_spend_key(record.brand_id, "month", at),
    ]
    for key in counters:
        if counter_id(key) not in folded.settled:
            add(key, folded, spend, {"expires_at": spend_ttl(key, at)})
    if record.key_id:
        key = keys.key_spend_key(record.brand_id, record.key_id, at)
        if counter_id(key) not in folded.settled:
            key_spend = {**spend, "tokens": record.usage.total_tokens}
            add(key, folded, key_spend, {"expires_at": spend_ttl(key, at)})


def mark(partition: str) -> str:
    return f"hw#{partition}"


def target_update(
    table: str, key: keys.Key, target: Target, seen: dict[str, str | None] | None
) -> dict[str, Any] | None:
    """The update adding ``target``'s records to ``key``; with ``seen`` (partition -> mark as read
    back after a refusal) only the records newer than the item's marks, conditioned on those marks.
    ``None`` when the item has seen every record already."""
    totals: dict[str, Number] = {}
    highs: dict[str, str] = {}
    lows: dict[str, str] = {}
    for folded, deltas in target.members:
        if seen is not None and (seen.get(folded.partition) or "") >= folded.seq:
            continue
        for attr, delta in deltas.items():
            totals[attr] = totals.get(attr, 0) + delta
        highs[folded.partition] = max(highs.get(folded.partition, ""), folded.seq)
        low = lows.get(folded.partition)
        lows[folded.partition] = folded.seq if low is None else min(low, folded.seq)
    if not highs:
        return None
    e = Expr()
    condition = []
    for partition, low in lows.items():
        n = e.name(mark(partition))
        before = (seen or {}).get(partition)
        if seen is None:
            condition.append(f"(attribute_not_exists({n}) OR {n} < {e.value(low)})")
        elif before is None:
            condition.append(f"attribute_not_exists({n})")
        else:
            condition.append(f"{n} = {e.value(before)}")
    marks = {mark(p): high for p, high in highs.items()}
    return update(table, key, add=totals, set_=marks, set_if_absent=target.once, condition=condition, expr=e)


def marks_of(old: dict[str, Any] | None, target: Target) -> dict[str, str | None]:
    """The item's marks (typed item as a refusal returns it) for the target's partitions."""
    found: dict[str, str | None] = {}
    for folded, _ in target.members:
        raw = (old or {}).get(mark(folded.partition))
        found[folded.partition] = raw.get("S") if isinstance(raw, dict) else None
    return found
