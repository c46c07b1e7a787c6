"""Operators' view: one structured log line and one EMF metrics blob per request.

Built on powertools (Logger for JSON logs with the request id, Metrics for EMF). Metrics are
flushed per request because under the Lambda Web Adapter no handler decorator runs.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from spidergate.settings import Settings
from spidergate.usage.record import RequestRecord

log = logging.getLogger("spidergate.request")
# The root handler the managed Python runtime's bootstrap installs.
LAMBDA_RUNTIME_HANDLER = "LambdaLoggerHandler"


class Telemetry:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._metrics: Any = None

    def _emitter(self) -> Any:
        if self._metrics is None:
            from aws_lambda_powertools import Metrics  # deferred: not needed until the first request ends

            self._metrics = Metrics(namespace="SpiderGate", service="spidergate")
            self._metrics.set_default_dimensions(Stage=self.settings.stage)
        return self._metrics

    def request(self, record: RequestRecord) -> None:
        """Log the request's outcome (no secrets: ids, models, counts) and emit its metrics."""
        log.info(
            "request",
            extra={
                "request_id": record.request_id,
                "brand_id": record.brand_id,
                "agent_id": record.agent_id,
                "endpoint": record.endpoint,
                "requested_model": record.requested_model,
                "served_model": record.served_model,
                "provider": record.provider,
                "key": record.key_label,
                "status": record.status,
                "attempts": len(record.attempts),
                "fallback": record.fallback,
                "latency_ms": round(record.latency_ms, 1),
                "tokens": record.usage.total_tokens,
                "cost_usd": str(record.cost),
                "error_code": record.error_code,
            },
        )
        if not self.settings.emit_metrics:
            return
        from aws_lambda_powertools.metrics import MetricUnit

        m = self._emitter()
        m.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
        m.add_metric(name="Latency", unit=MetricUnit.Milliseconds, value=record.latency_ms)
        m.add_metric(name="Tokens", unit=MetricUnit.Count, value=record.usage.total_tokens)
        m.add_metric(name="CostUSD", unit=MetricUnit.NoUnit, value=float(record.cost))
        if record.fallback:
            m.add_metric(name="Fallbacks", unit=MetricUnit.Count, value=1)
        if record.status == 429:
            m.add_metric(name="Throttles", unit=MetricUnit.Count, value=1)
        m.flush_metrics()
        _flush_stdout()
        failed = [a for a in record.attempts if a.outcome not in ("success", "skipped")]
        for attempt in failed:
            from aws_lambda_powertools.metrics import single_metric

            with single_metric(
                name="UpstreamErrors",
                unit=MetricUnit.Count,
                value=1,
                namespace="SpiderGate",
                default_dimensions={"Stage": self.settings.stage},
            ) as metric:
                metric.add_dimension(name="Provider", value=attempt.provider)
        _flush_stdout()


def _flush_stdout() -> None:
    """Push EMF lines out now: powertools prints without flushing, and under the Web Adapter
    stdout is a pipe (block-buffered unless PYTHONUNBUFFERED), so metrics would arrive late or be
    lost when the sandbox is reclaimed."""
    sys.stdout.flush()


def configure_logging(settings: Settings) -> None:
    """JSON logs through powertools' formatter on the root logger, once per process.

    Lambda's managed runtime (the Mangum functions) has already given the root logger its own
    handler (``LambdaLoggerHandler``): that one gets the JSON formatter instead of a second handler
    beside it, or every line would be written twice. Elsewhere (uvicorn under the Web Adapter,
    local runs) a stream handler is added.
    """
    root = logging.getLogger()
    if any(getattr(h, "_spidergate", False) for h in root.handlers):
        return
    from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

    runtime_handlers = [h for h in root.handlers if type(h).__name__ == LAMBDA_RUNTIME_HANDLER]
    handlers = runtime_handlers or [logging.StreamHandler()]
    for handler in handlers:
        handler.setFormatter(LambdaPowertoolsFormatter(service="spidergate"))
        handler._spidergate = True  # type: ignore[attr-defined]
        if handler not in root.handlers:
            root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    for noisy in ("botocore", "boto3", "urllib3", "httpx", "httpcore", "werkzeug"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
