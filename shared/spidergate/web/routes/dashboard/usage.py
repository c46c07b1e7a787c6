"""/usage (daily aggregates with totals) and /traces (recent requests with their route traces)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from spidergate.dashboard.reports import TracePublic, UsageBy, UsageReportPublic
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
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[TracePublic]:
    return await dash.reports.traces(
        member.brand_id,
        agent_id=agent,
        model=model,
        status=status,
        fallback=fallback,
        limit=limit,
        cursor=cursor,
    )
