"""Settlement: the one transaction after the upstream call (refund, spend, record, aggregates).

Idempotent on the request: the record is a conditional put (``attribute_not_exists``) and the
reservation a conditional delete (``attribute_exists``), so a second settle of the same request
is cancelled whole and counts nothing. When only the reservation is gone (the sweep refunded a
request that outlived ``reservation_stale_seconds``), a "late" settle records the actual spend
without refunding or releasing anything a second time.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from spidergate.usage import keys
from spidergate.usage.admission import Admission, Check, spend_ttl
from spidergate.usage.expressions import Number, delete, put_new, update
from spidergate.usage.record import RequestRecord
from spidergate.usage.record_items import record_item

AGGREGATE_TTL_SECONDS = 400 * 86400
ALIAS_TTL_SECONDS = 2 * 86400
UNSERVED = "-"  # alias bucket model of a request no model served


class Counters:
    """ADD deltas per item, merged so a transaction never touches one item twice."""

    def __init__(self) -> None:
        self._adds: dict[keys.Key, dict[str, Number]] = {}
        self._once: dict[keys.Key, dict[str, Any]] = {}

    def add(self, key: keys.Key, deltas: dict[str, Number], once: dict[str, Any] | None = None) -> None:
        """Add ``deltas`` to ``key``; ``once`` attributes are set only if the item lacks them."""
        merged = self._adds.setdefault(key, {})
        for attr, delta in deltas.items():
            merged[attr] = merged.get(attr, 0) + delta
        self._once.setdefault(key, {}).update(once or {})

    def entries(self, table: str) -> list[dict[str, Any]]:
        out = []
        for key, adds in self._adds.items():
            live = {a: v for a, v in adds.items() if v}
            once = self._once.get(key) or {}
            if live:
                out.append(update(table, key, add=live, set_if_absent=once))
        return out


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


@dataclass(frozen=True, slots=True)
class SettlePlan:
    checks: list[Check]
    record_index: int
    reservation_index: int | None


def plan_settle(
    table: str, adm: Admission, record: RequestRecord, *, now: float, ttl_days: int, late: bool = False
) -> SettlePlan:
    """The settle transaction of ``adm``; ``late`` leaves out what the sweep already gave back."""
    counters = Counters()
    cost = record.cost
    tokens = record.usage.total_tokens
    if not late:
        for hold in adm.holds:
            counters.add(hold.key, {"committed": -adm.reserved, "reserved": -adm.reserved})
        if adm.concurrency_held:
            counters.add(keys.concurrency_key(adm.agent_id), {"held": -1})
    # Spend lands on the admission's periods, where the reservation was taken.
    at = adm.admitted_at
    spend_keys = [
        keys.agent_spend_key(adm.agent_id, "day", at),
        keys.agent_spend_key(adm.agent_id, "month", at),
        keys.brand_spend_key(adm.brand_id, "day", at),
        keys.brand_spend_key(adm.brand_id, "month", at),
    ]
    for key in spend_keys:
        counters.add(key, {"committed": cost, "spent": cost}, {"expires_at": spend_ttl(key, at)})
    if record.key_id:
        key = keys.key_spend_key(adm.brand_id, record.key_id, at)
        counters.add(
            key, {"committed": cost, "spent": cost, "tokens": tokens}, {"expires_at": spend_ttl(key, at)}
        )
    if tokens:
        # TPM counts tokens in the minute they were used, where the next admissions look.
        window = keys.window_key(adm.agent_id, now)
        counters.add(window, {"tokens": tokens}, {"expires_at": int(keys.minute_end(now)) + 3600})
    _aggregate(counters, record)

    checks = [Check(entry) for entry in counters.entries(table)]
    reservation_index = None
    if adm.reservation_open and not late:
        reservation_index = len(checks)
        checks.append(Check(delete(table, keys.reservation_key(adm.request_id))))
    record_index = len(checks)
    checks.append(Check(put_new(table, record_item(record, ttl_days))))
    return SettlePlan(checks, record_index, reservation_index)


def _aggregate(counters: Counters, record: RequestRecord) -> None:
    deltas = usage_deltas(record)
    day = keys.day_id(record.started_at)
    expires = int(record.started_at) + AGGREGATE_TTL_SECONDS
    for dimension, value in aggregate_values(record).items():
        if value is None:
            continue
        once: dict[str, Any] = {"brand_id": record.brand_id, "day": day, "dimension": dimension}
        once["value"] = value or None
        once["expires_at"] = expires
        key = keys.aggregate_key(record.brand_id, dimension, day, value)
        counters.add(key, deltas, once)
    if record.alias:
        model = record.served_model or UNSERVED
        alias_deltas: dict[str, Number] = {
            "requests": 1,
            "errors": int(record.status >= 400),
            "total_tokens": record.usage.total_tokens,
            "cost": record.cost,
        }
        once_a: dict[str, Any] = {
            "alias": record.alias,
            "model": model,
            "hour": keys.hour_id(record.started_at),
        }
        once_a["expires_at"] = int(record.started_at) + ALIAS_TTL_SECONDS
        for key in keys.alias_keys(
            record.brand_id, record.request_id, record.started_at, record.alias, model
        ):
            counters.add(key, alias_deltas, once_a)
