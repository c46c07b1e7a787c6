"""/aliases: the task aliases with the brand's chains and 24 h usage; edit the brand's overrides."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from spidergate.dashboard.aliases import AliasList, AliasPublic, AliasUpdate
from spidergate.web.routes.dashboard.deps import AdminDep, DashboardDep, ViewerDep

router = APIRouter(prefix="/aliases")
AliasName = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("")
async def list_aliases(member: ViewerDep, dash: DashboardDep) -> AliasList:
    return await dash.aliases.list(member.brand_id)


@router.patch("/{alias}")
async def update_alias(
    member: AdminDep, dash: DashboardDep, alias: AliasName, body: AliasUpdate
) -> AliasPublic:
    return await dash.aliases.update(member.brand_id, alias, body, member.actor)
