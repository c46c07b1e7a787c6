"""The refund sweep: give back what stale reservations hold (a crash or timeout never settled them).

Each hold is refunded by a single-item update that applies only while the counter still lists
the request in ``holders`` (``admission.HOLDERS``), so a refund races neither a late settle nor a
second sweep: whichever comes first wins, the others change nothing. The reservation item is
deleted last, on the condition that its ``rev`` is still the one read; a run that fails part
way leaves it for the next run, which refunds only what is still held.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from spidergate.dynamo import from_item, values
from spidergate.usage import keys
from spidergate.usage.admission import release_hold, release_slot
from spidergate.usage.expressions import Expr, delete
from spidergate.usage.writes import apply, apply_all, invoke

log = logging.getLogger(__name__)


@dataclass(slots=True)
class SweepResult:
    found: int = 0  # stale reservations read
    refunded: int = 0  # refunded by this run
    skipped: int = 0  # settled, swept or changed meanwhile: nothing to do
    failed: int = 0  # left for the next run (contention or an error)
    refunded_usd: Decimal = field(default_factory=lambda: Decimal(0))


def refund_entries(table: str, reservation: dict[str, Any]) -> list[dict[str, Any]]:
    """The writes refunding one reservation's holds (plain values, as ``from_item`` gives)."""
    reserved = Decimal(reservation.get("reserved", 0))
    rid = str(reservation["request_id"])
    entries = [
        release_hold(table, (hold["pk"], hold["sk"]), rid, reserved=reserved)
        for hold in reservation.get("holds") or []
    ]
    if reservation.get("concurrency"):
        entries.append(release_slot(table, str(reservation["agent_id"]), rid))
    return entries


def close_entry(table: str, reservation: dict[str, Any]) -> dict[str, Any]:
    """Delete the reservation if nothing changed it since it was read."""
    e = Expr()
    guard = [f"{e.name('rev')} = {e.value(int(reservation.get('rev', 0)))}"]
    return delete(table, keys.reservation_key(str(reservation["request_id"])), guard, e)


async def sweep_reservations(
    ddb: Any, table: str, *, stale_seconds: float, now: float, max_items: int = 2000
) -> SweepResult:
    """Refund every reservation opened more than ``stale_seconds`` before ``now``, exactly once."""
    result = SweepResult()
    cutoff = keys.iso_ms(now - stale_seconds)
    for shard_pk in keys.reservation_shards():
        start: dict[str, Any] | None = None
        while result.found < max_items:
            kwargs: dict[str, Any] = {
                "TableName": table,
                "IndexName": "gsi1",
                "KeyConditionExpression": "gsi1pk = :pk AND gsi1sk < :cutoff",
                "ExpressionAttributeValues": values({":pk": shard_pk, ":cutoff": cutoff}),
                "Limit": min(100, max_items - result.found),
            }
            if start:
                kwargs["ExclusiveStartKey"] = start
            page = await invoke(ddb, "query", kwargs)
            for item in page.get("Items", []):
                result.found += 1
                await _refund(ddb, table, from_item(item), result)
            start = page.get("LastEvaluatedKey")
            if not start:
                break
    return result


async def _refund(ddb: Any, table: str, reservation: dict[str, Any], result: SweepResult) -> None:
    refunds = await apply_all(ddb, refund_entries(table, reservation), attempts=3)
    errors = [r for r in refunds if isinstance(r, BaseException)]
    if errors:  # one bad item must not stop the sweep: count it, retry next run
        result.failed += 1
        log.warning("sweep could not refund %s: %s", reservation.get("request_id"), errors[0])
        return
    try:
        closed = await apply(ddb, close_entry(table, reservation), attempts=3)
    except Exception as exc:
        result.failed += 1
        log.warning("sweep could not close %s: %s", reservation.get("request_id"), exc)
        return
    if closed.ok:
        result.refunded += 1
        result.refunded_usd += Decimal(reservation.get("reserved", 0))
    else:
        result.skipped += 1
