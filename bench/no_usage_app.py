"""Diagnostic app factory for the benchmark only: the gateway with its usage write replaced by a
no-op, to separate the gateway's own cost from the local DynamoDB emulator's (moto spends ~20 ms
per settle transaction; DynamoDB itself answers in single-digit milliseconds). Never deployed."""

from __future__ import annotations

from typing import Any

from spidergate.usage import ledger
from spidergate.web.app import create_app as _create_app


async def _no_settle(self: Any, admission: Any, record: Any) -> None:
    return None


def create_app() -> Any:
    ledger.Ledger.settle = _no_settle  # type: ignore[method-assign]
    return _create_app()
