"""/usage (daily aggregates with totals) and /traces (recent requests with their route traces,
filtered by agent, model, status, fallback, alias and a time window)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from spidergate.dashboard.reports import TracePublic, UsageBy, UsageReportPublic
from spidergate.dashboard.trace_scan import TraceWindow
from spidergate.dashboard.wire import Page
from spidergate.web.routes.dashboard.deps import Cursor, DashboardDep, Limit, ViewerDep

router = APIRouter()


@router.get("/usage")
async def usage_report(
    member: ViewerDep,
    dash: DashboardDep,
    by: UsageBy = "day",
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> UsageReportPublic:
    return await dash.reports.usage(member.brand_id, by=by, start=start, end=end, limit=limit, cursor=cursor)


@router.get("/traces")
async def traces(
    member: ViewerDep,
    dash: DashboardDep,
    agent: Annotated[str | None, Query(max_length=64)] = None,
    model: Annotated[str | None, Query(max_length=256)] = None,
    status: Annotated[str | None, Query(max_length=8)] = None,
    fallback: bool | None = None,
    alias: Annotated[str | None, Query(max_length=64)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[TracePublic]:
    window = TraceWindow(alias, _epoch(since), _epoch(until))
    return await dash.reports.traces(
        member.brand_id,
        agent_id=agent,
        model=model,
        status=status,
        fallback=fallback,
        limit=limit,
        cursor=cursor,
        window=window,
    )


def _epoch(moment: datetime | None) -> float | None:
    """Epoch seconds; a time without a zone is taken as UTC."""
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
