"""SQS Lambda: put usage records the gateway could not write (parked on the spill queue) back into
the usage table; idempotent (a conditional put), partial batch failures reported."""

from __future__ import annotations

import asyncio
from typing import Any

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse

from spidergate.aws import AwsClients
from spidergate.settings import get_settings
from spidergate.usage.spill import drain_bodies

_clients: AwsClients | None = None


def handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    """Store each message's record; the messages that failed are retried by SQS, then dead-lettered."""
    global _clients
    settings = get_settings()
    if _clients is None:
        _clients = AwsClients(settings)
    bodies = {str(m["messageId"]): str(m["body"]) for m in event.get("Records") or []}
    failed = asyncio.run(drain_bodies(_clients.dynamodb, settings.usage_table, bodies))
    return {"batchItemFailures": [{"itemIdentifier": mid} for mid in failed]}
