"""/agents: list, create (credentials shown once), update limits and budgets, rotate, revoke."""

from __future__ import annotations

from fastapi import APIRouter

from spidergate.dashboard.agents import AgentCreate, AgentIssued, AgentPublic, AgentUpdate
from spidergate.dashboard.wire import Page
from spidergate.web.routes.dashboard.deps import AdminDep, Cursor, DashboardDep, Limit, ViewerDep

router = APIRouter(prefix="/agents")


@router.get("")
async def list_agents(
    member: ViewerDep, dash: DashboardDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[AgentPublic]:
    return await dash.agents.list(member.brand_id, limit=limit, cursor=cursor)


@router.post("", status_code=201)
async def create_agent(member: AdminDep, dash: DashboardDep, body: AgentCreate) -> AgentIssued:
    return await dash.agents.create(member.brand_id, body, member.actor)


@router.get("/{agent_id}")
async def get_agent(member: ViewerDep, dash: DashboardDep, agent_id: str) -> AgentPublic:
    return await dash.agents.get(member.brand_id, agent_id)


@router.patch("/{agent_id}")
async def update_agent(member: AdminDep, dash: DashboardDep, agent_id: str, body: AgentUpdate) -> AgentPublic:
    return await dash.agents.update(member.brand_id, agent_id, body, member.actor)


@router.post("/{agent_id}/rotate")
async def rotate_agent(member: AdminDep, dash: DashboardDep, agent_id: str) -> AgentIssued:
    return await dash.agents.rotate(member.brand_id, agent_id, member.actor)


@router.post("/{agent_id}/revoke")
async def revoke_agent(member: AdminDep, dash: DashboardDep, agent_id: str) -> AgentPublic:
    return await dash.agents.revoke(member.brand_id, agent_id, member.actor)
