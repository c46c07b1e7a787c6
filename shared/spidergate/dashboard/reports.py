"""Usage aggregates and request traces for the dashboard, read through ``usage.reports``."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from spidergate.dashboard.trace_scan import TraceWindow, scan_traces
from spidergate.dashboard.wire import Page, Usd
from spidergate.errors import InvalidRequest

if TYPE_CHECKING:
    from spidergate.usage.record import RequestRecord
    from spidergate.usage.reports import TracePage, UsageReports

UsageBy = Literal["day", "agent", "model", "provider", "key"]
DEFAULT_RANGE_DAYS = 30


_PUBLIC_NAMES = {"ref_cost": "reference_cost_usd"}  # list-price cost of the same tokens (savings)


def _numbers(counts: Mapping[str, Decimal | int]) -> dict[str, int | float]:
    return {
        _PUBLIC_NAMES.get(name, name): float(v) if isinstance(v, Decimal) else v for name, v in counts.items()
    }


class UsageRowPublic(BaseModel):
    day: str
    value: str | None = None  # agent / model / provider / key id; absent for by=day
    counts: dict[str, int | float]


class UsageReportPublic(BaseModel):
    object: Literal["usage_report"] = "usage_report"
    by: UsageBy
    start: str
    end: str
    data: list[UsageRowPublic]
    totals: dict[str, int | float]  # over the whole range, whatever the page
    has_more: bool = False
    next_cursor: str | None = None


class TracePublic(BaseModel):
    """One gateway request and its route trace (keys appear by label only)."""

    object: Literal["request_trace"] = "request_trace"
    request_id: str
    created_at: str
    agent_id: str
    endpoint: str
    requested_model: str
    alias: str | None
    served_model: str | None
    provider: str | None
    key_id: str | None
    key_label: str | None
    status: int
    error_code: str | None
    fallback: bool
    stream: bool
    latency_ms: float
    usage: dict[str, Any]
    cost_usd: Usd
    client_disconnected: bool
    route: list[dict[str, Any]]

    @classmethod
    def of(cls, record: RequestRecord) -> TracePublic:
        created = datetime.fromtimestamp(record.started_at, UTC).isoformat(timespec="milliseconds")
        return cls(
            request_id=record.request_id,
            created_at=created.replace("+00:00", "Z"),
            agent_id=record.agent_id,
            endpoint=record.endpoint,
            requested_model=record.requested_model,
            alias=record.alias,
            served_model=record.served_model,
            provider=record.provider,
            key_id=record.key_id,
            key_label=record.key_label,
            status=record.status,
            error_code=record.error_code,
            fallback=record.fallback,
            stream=record.stream,
            latency_ms=round(record.latency_ms, 1),
            usage={**record.usage.to_openai(), "estimated": record.usage.estimated},
            cost_usd=record.cost,
            client_disconnected=record.client_disconnected,
            route=[a.public() for a in record.attempts],
        )


def date_range(start: date | None, end: date | None, *, max_days: int, today: date) -> tuple[date, date]:
    """The inclusive range asked for (default: the last 30 days); 400 if reversed or too long."""
    end = end or today
    start = start or end - timedelta(days=min(DEFAULT_RANGE_DAYS, max_days) - 1)
    if end < start:
        raise InvalidRequest("to must be on or after from", param="to")
    if (end - start).days + 1 > max_days:
        raise InvalidRequest(f"the range covers at most {max_days} days", param="from", code="range_too_long")
    return start, end


class ReportDesk:
    """Dashboard reads of the usage table."""

    def __init__(
        self, reports: UsageReports, *, max_range_days: int, clock: Callable[[], float] = time.time
    ) -> None:
        self.reports = reports
        self.max_range_days = max_range_days
        self.clock = clock

    async def usage(
        self,
        brand_id: str,
        *,
        by: UsageBy,
        start: date | None,
        end: date | None,
        limit: int,
        cursor: str | None,
    ) -> UsageReportPublic:
        """Daily aggregates by ``by`` over the range, with totals over the whole range."""
        today = datetime.fromtimestamp(self.clock(), UTC).date()
        first, last = date_range(start, end, max_days=self.max_range_days, today=today)
        report = await self.reports.usage(
            brand_id, by=by, start=first.isoformat(), end=last.isoformat(), limit=limit, cursor=cursor
        )
        return UsageReportPublic(
            by=by,
            start=report.start,
            end=report.end,
            data=[UsageRowPublic(day=r.day, value=r.value, counts=_numbers(r.counts)) for r in report.rows],
            totals=_numbers(report.totals),
            has_more=report.cursor is not None,
            next_cursor=report.cursor,
        )

    async def traces(
        self,
        brand_id: str,
        *,
        agent_id: str | None,
        model: str | None,
        status: str | None,
        fallback: bool | None,
        limit: int,
        cursor: str | None,
        window: TraceWindow | None = None,
    ) -> Page[TracePublic]:
        """Recent requests, newest first, filtered by agent, model, status (code or class), fallback,
        and ``window`` (alias, time range)."""

        def read(at: str | None) -> Awaitable[TracePage]:
            return self.reports.traces(
                brand_id,
                agent_id=agent_id,
                model=model,
                status=status,
                fallback=fallback,
                limit=limit,
                cursor=at,
            )

        if window is not None and window.active:
            if window.since is not None and window.until is not None and window.until <= window.since:
                raise InvalidRequest("until must be after since", param="until")
            records, next_cursor = await scan_traces(read, window, limit=limit, cursor=cursor)
            return Page[TracePublic].of([TracePublic.of(r) for r in records], next_cursor)
        page = await read(cursor)
        return Page[TracePublic].of([TracePublic.of(r) for r in page.records], page.cursor)
