"""Dashboard dependencies: the verified session, the caller's role on the path's brand, the services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Query, Request, Response

from spidergate.dashboard.desks import Dashboard
from spidergate.dashboard.membership import Role
from spidergate.dashboard.session import DashboardSession, SessionVerifier
from spidergate.dashboard.wire import MAX_PAGE
from spidergate.web.deps import RuntimeDep


async def get_sessions(request: Request, rt: RuntimeDep) -> SessionVerifier:
    """The container's verifier (its JWKS cache lives as long as the app)."""
    state = request.app.state
    verifier: SessionVerifier | None = getattr(state, "dashboard_sessions", None)
    if verifier is None:
        verifier = state.dashboard_sessions = SessionVerifier.from_settings(rt.settings, rt.http)
    return verifier


async def get_dashboard(request: Request, rt: RuntimeDep) -> Dashboard:
    state = request.app.state
    dashboard: Dashboard | None = getattr(state, "dashboard", None)
    if dashboard is None:
        dashboard = state.dashboard = Dashboard.from_runtime(rt)
    return dashboard


async def get_session(
    request: Request, sessions: Annotated[SessionVerifier, Depends(get_sessions)]
) -> DashboardSession:
    return await sessions.verify(request.headers.get("authorization"))


SessionDep = Annotated[DashboardSession, Depends(get_session)]
BrandId = Annotated[str, Path(min_length=1, max_length=64)]


@dataclass(frozen=True)
class Member:
    """The caller, checked against the brand in the path."""

    brand_id: str
    session: DashboardSession
    role: Role

    @property
    def actor(self) -> str:
        return self.session.actor


def _private(response: Response) -> None:
    # Responses carry credentials and brand data: never let a shared cache keep them.
    response.headers["cache-control"] = "no-store"


async def viewer(brand_id: BrandId, session: SessionDep, response: Response) -> Member:
    """Any member of the brand (read access)."""
    role = session.require(brand_id)
    _private(response)
    return Member(brand_id, session, role)


async def admin(brand_id: BrandId, session: SessionDep, response: Response) -> Member:
    """An admin of the brand (write access); viewers get 403."""
    role = session.require(brand_id, write=True)
    _private(response)
    return Member(brand_id, session, role)


ViewerDep = Annotated[Member, Depends(viewer)]
AdminDep = Annotated[Member, Depends(admin)]
DashboardDep = Annotated[Dashboard, Depends(get_dashboard)]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]
Cursor = Annotated[str | None, Query(max_length=2048)]
