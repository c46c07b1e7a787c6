"""Scheduled Lambda: refund usage reservations that were never settled (crash, timeout)."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from spidergate.aws import AwsClients
from spidergate.settings import get_settings
from spidergate.usage.sweep import sweep_reservations

log = logging.getLogger("spidergate.sweep")
_clients: AwsClients | None = None


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Run one sweep over every open-reservation shard and report the counts."""
    global _clients
    settings = get_settings()
    if _clients is None:
        _clients = AwsClients(settings)
    result = asyncio.run(
        sweep_reservations(
            _clients.dynamodb,
            settings.usage_table,
            stale_seconds=settings.reservation_stale_seconds,
            now=time.time(),
        )
    )
    counts = {
        "found": result.found,
        "refunded": result.refunded,
        "skipped": result.skipped,
        "failed": result.failed,
        "refunded_usd": str(result.refunded_usd),
    }
    log.info("reservation sweep %s", counts)
    return counts
