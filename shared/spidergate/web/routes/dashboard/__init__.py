"""The brand dashboard API (mounted at ``/api/v1/brands/{brand_id}/gate``), one router per resource.

Agents and their personal access tokens, vault keys, usage, traces, audit and alias overrides.
Authenticated by a dashboard session (a Cognito user-pool JWT), never by a gateway token; see
``spidergate.dashboard`` for how sessions, brand membership and roles are checked.
"""

from fastapi import APIRouter

from spidergate.web.routes.dashboard import agents, aliases, audit, pats, usage, vault

router = APIRouter()
for part in (agents, pats, vault, usage, audit, aliases):
    router.include_router(part.router)

__all__ = ["router"]
