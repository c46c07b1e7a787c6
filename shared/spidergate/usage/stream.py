"""Folding a batch of usage-table stream records into the aggregates (``usage/aggregates.py``).

The same code runs in the ``aggregate`` Lambda (event source mapping on the table's stream) and
in the local stack's stream poller. It returns the sequence numbers of records whose targets
could not be updated, for ``batchItemFailures`` (the mapping then retries from the earliest;
what was folded already is skipped by the marks).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from spidergate.dynamo import from_item
from spidergate.usage import keys
from spidergate.usage.aggregates import Folded, Target, marks_of, padded, target_update, targets
from spidergate.usage.record_items import record_from_item
from spidergate.usage.writes import apply

log = logging.getLogger(__name__)
MARK_ATTEMPTS = 4  # rounds of "refused: read the marks back, fold only what is new"


def is_record_insert(event: dict[str, Any]) -> bool:
    """A stream record the fold takes: the INSERT of a request record (the mapping filters the same)."""
    if event.get("eventName") != "INSERT":
        return False
    pk = event.get("dynamodb", {}).get("Keys", {}).get("pk", {}).get("S", "")
    return str(pk).startswith(keys.RECORD_PREFIX)


def folded_of(event: dict[str, Any]) -> Folded:
    change = event["dynamodb"]
    image = change["NewImage"]
    settled = from_item({"s": image["settled"]})["s"] if "settled" in image else []
    return Folded(
        partition=str(change["Keys"]["pk"]["S"]),
        seq=padded(str(change["SequenceNumber"])),
        record=record_from_item(image),
        settled=frozenset(settled),
    )


async def fold_batch(ddb: Any, table: str, events: list[dict[str, Any]]) -> list[str]:
    """Fold ``events`` (Lambda's DynamoDB stream records); the sequence numbers that failed."""
    batch = [folded_of(e) for e in events if is_record_insert(e)]
    if not batch:
        return []
    found = targets(batch)
    outcomes = await asyncio.gather(
        *(_fold_one(ddb, table, key, target) for key, target in found.items()), return_exceptions=True
    )
    failed: set[str] = set()
    for (key, target), outcome in zip(found.items(), outcomes, strict=True):
        if outcome is not True:
            log.error("aggregate %s not folded: %s", key, outcome)
            failed.update(f.seq for f, _ in target.members)
    by_seq = {
        padded(str(e["dynamodb"]["SequenceNumber"])): str(e["dynamodb"]["SequenceNumber"]) for e in events
    }
    return [by_seq[s] for s in sorted(failed)]


async def _fold_one(ddb: Any, table: str, key: keys.Key, target: Target) -> bool:
    seen: dict[str, str | None] | None = None
    for _ in range(MARK_ATTEMPTS):
        entry = target_update(table, key, target, seen)
        if entry is None:
            return True  # a replay: the item has every record already
        entry["Update"]["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        result = await apply(ddb, entry)
        if result.ok:
            return True
        seen = marks_of(result.old, target)
    raise RuntimeError(f"aggregate {key} kept changing under the fold")
