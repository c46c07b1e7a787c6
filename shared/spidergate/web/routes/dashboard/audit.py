"""/audit: who changed what in the brand's vault and agents, newest first."""

from __future__ import annotations

from fastapi import APIRouter

from spidergate.dashboard.audit import AuditEntryPublic
from spidergate.dashboard.wire import Page
from spidergate.web.routes.dashboard.deps import Cursor, DashboardDep, Limit, ViewerDep

router = APIRouter()


@router.get("/audit")
async def audit_trail(
    member: ViewerDep, dash: DashboardDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[AuditEntryPublic]:
    return await dash.audit.list(member.brand_id, limit=limit, cursor=cursor)
