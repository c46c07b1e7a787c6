"""/agents/{agent_id}/tokens: an agent's personal access tokens (the secret shown once at creation)."""

from __future__ import annotations

from fastapi import APIRouter

from spidergate.dashboard.pats import PatCreate, PatIssued, PatList, PatPublic
from spidergate.web.routes.dashboard.deps import AdminDep, DashboardDep, ViewerDep

router = APIRouter(prefix="/agents/{agent_id}/tokens")


@router.get("")
async def list_tokens(member: ViewerDep, dash: DashboardDep, agent_id: str) -> PatList:
    return await dash.pats.list(member.brand_id, agent_id)


@router.post("", status_code=201)
async def create_token(
    member: AdminDep, dash: DashboardDep, agent_id: str, body: PatCreate | None = None
) -> PatIssued:
    return await dash.pats.create(member.brand_id, agent_id, body or PatCreate(), member.actor)


@router.post("/{pat_id}/revoke")
async def revoke_token(member: AdminDep, dash: DashboardDep, agent_id: str, pat_id: str) -> PatPublic:
    return await dash.pats.revoke(member.brand_id, agent_id, pat_id, member.actor)
