"""/vault/keys: the brand's pooled provider keys (masked), and every change to them."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

from spidergate.dashboard.vault import VaultKeyCreate, VaultKeyDisable, VaultKeyPublic, VaultKeyUpdate
from spidergate.dashboard.wire import Page
from spidergate.web.routes.dashboard.deps import AdminDep, Cursor, DashboardDep, Limit, ViewerDep

router = APIRouter(prefix="/vault/keys")


class VaultKeyDeleted(BaseModel):
    object: Literal["vault_key.deleted"] = "vault_key.deleted"
    key_id: str
    deleted: bool = True


@router.get("")
async def list_keys(
    member: ViewerDep, dash: DashboardDep, limit: Limit = 100, cursor: Cursor = None
) -> Page[VaultKeyPublic]:
    return await dash.vault.list(member.brand_id, limit=limit, cursor=cursor)


@router.post("", status_code=201)
async def add_key(member: AdminDep, dash: DashboardDep, body: VaultKeyCreate) -> VaultKeyPublic:
    return await dash.vault.add(member.brand_id, body, member.actor)


@router.patch("/{key_id}")
async def update_key(
    member: AdminDep, dash: DashboardDep, key_id: str, body: VaultKeyUpdate
) -> VaultKeyPublic:
    return await dash.vault.update(member.brand_id, key_id, body, member.actor)


@router.post("/{key_id}/disable")
async def disable_key(
    member: AdminDep, dash: DashboardDep, key_id: str, body: VaultKeyDisable | None = None
) -> VaultKeyPublic:
    reason = (body or VaultKeyDisable()).reason
    return await dash.vault.disable(member.brand_id, key_id, reason, member.actor)


@router.post("/{key_id}/enable")
async def enable_key(member: AdminDep, dash: DashboardDep, key_id: str) -> VaultKeyPublic:
    return await dash.vault.enable(member.brand_id, key_id, member.actor)


@router.delete("/{key_id}")
async def remove_key(member: AdminDep, dash: DashboardDep, key_id: str) -> VaultKeyDeleted:
    await dash.vault.remove(member.brand_id, key_id, member.actor)
    return VaultKeyDeleted(key_id=key_id)
