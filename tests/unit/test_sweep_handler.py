"""The scheduled sweep handler: clients and settings from the environment, counts back."""

from __future__ import annotations

import importlib.util
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from spidergate.settings import get_settings
from spidergate.usage.sweep import SweepResult

APP = Path(__file__).resolve().parents[2] / "functions" / "sweep" / "app.py"


def load_app() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sweep_app", APP)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_handler_sweeps_the_configured_table_with_the_configured_staleness(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SPIDERGATE_USAGE_TABLE", "sg-test-usage")
    monkeypatch.setenv("SPIDERGATE_RESERVATION_STALE_SECONDS", "1200")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    get_settings.cache_clear()
    app = load_app()
    seen: dict[str, Any] = {}

    async def fake_sweep(ddb: Any, table: str, *, stale_seconds: float, now: float) -> SweepResult:
        seen.update(ddb=ddb, table=table, stale_seconds=stale_seconds, now=now)
        return SweepResult(found=3, refunded=2, skipped=1, refunded_usd=Decimal("0.25"))

    monkeypatch.setattr(app, "sweep_reservations", fake_sweep)
    try:
        counts = app.handler({"source": "aws.events"}, None)
    finally:
        get_settings.cache_clear()
    assert counts == {"found": 3, "refunded": 2, "skipped": 1, "failed": 0, "refunded_usd": "0.25"}
    assert (seen["table"], seen["stale_seconds"]) == ("sg-test-usage", 1200)
    assert seen["ddb"].meta.service_model.service_name == "dynamodb"
    assert seen["now"] > 1_700_000_000
