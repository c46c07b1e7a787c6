"""Never lose a record: a request record the ledger could not write after every retry is parked
on an SQS queue, drained back into the usage table by the ``drain`` function (locally, by the
local stack's poller), and counted in the ``RecordsParked`` metric, which an alarm watches.

The message body is the record item in DynamoDB JSON; the drain's put is conditional on the
item not existing, so a record parked twice, or parked although its write did land, is stored
once.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from spidergate.usage.expressions import put_new
from spidergate.usage.writes import apply

log = logging.getLogger(__name__)


class RecordSpill:
    """Parks record items on ``queue_url``; ``sqs`` is a boto3 SQS client built on first use."""

    def __init__(
        self, queue_url: str, sqs: Callable[[], Any], *, metrics: bool = False, stage: str = ""
    ) -> None:
        self.queue_url = queue_url
        self._sqs = sqs
        self.metrics = metrics
        self.stage = stage

    async def park(self, item: dict[str, Any]) -> None:
        """Send one record item (DynamoDB JSON) to the queue; raises if even that fails."""
        body = json.dumps(item, separators=(",", ":"))
        await asyncio.to_thread(self._sqs().send_message, QueueUrl=self.queue_url, MessageBody=body)
        rid = item.get("request_id", {}).get("S")
        log.warning("usage record parked for the drain", extra={"request_id": rid})
        if self.metrics:
            self._count()

    def _count(self) -> None:
        from aws_lambda_powertools.metrics import MetricUnit, single_metric

        with single_metric(
            name="RecordsParked",
            unit=MetricUnit.Count,
            value=1,
            namespace="SpiderGate",
            default_dimensions={"Stage": self.stage},
        ):
            pass


async def drain_bodies(ddb: Any, table: str, bodies: dict[str, str]) -> list[str]:
    """Put every parked record (message id -> body) back into ``table``; the ids that failed."""

    async def one(body: str) -> None:
        item = json.loads(body)
        entry = put_new(table, {})
        entry["Put"]["Item"] = item  # already DynamoDB JSON
        await apply(ddb, entry)  # a failed condition means it is stored already: done

    outcomes = await asyncio.gather(*(one(b) for b in bodies.values()), return_exceptions=True)
    failed = [
        mid for mid, outcome in zip(bodies, outcomes, strict=True) if isinstance(outcome, BaseException)
    ]
    for mid in failed:
        log.error("parked record %s not drained", mid)
    return failed
