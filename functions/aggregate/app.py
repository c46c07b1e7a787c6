"""Stream Lambda: fold a batch of request records into the usage aggregates (one update per item).

The event source mapping filters INSERTs of request records, batches them, and retries from the
earliest sequence number reported in ``batchItemFailures``; the fold is idempotent under replay
(``spidergate.usage.aggregates``), and what keeps failing goes to the on-failure queue.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse

from spidergate.aws import AwsClients
from spidergate.settings import get_settings
from spidergate.usage.stream import fold_batch

log = logging.getLogger("spidergate.aggregate")
_clients: AwsClients | None = None


def handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    """Fold ``event["Records"]``; report the records whose aggregates could not be updated."""
    global _clients
    settings = get_settings()
    if _clients is None:
        _clients = AwsClients(settings)
    records = event.get("Records") or []
    failed = asyncio.run(fold_batch(_clients.dynamodb, settings.usage_table, records))
    if failed:
        log.warning("aggregate fold: %d of %d records failed", len(failed), len(records))
    return {"batchItemFailures": [{"itemIdentifier": seq} for seq in failed]}
