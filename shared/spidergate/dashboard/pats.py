"""An agent's personal access tokens from the dashboard: list, create (the token shown once), revoke.

A PAT acts as its agent (same limits and budgets). Only the token's hash is stored; creating and
revoking are audited, and a revoke evicts the agent from this container's auth cache (other
containers stop accepting the token within ``auth_cache_ttl``).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

from spidergate.errors import NotFound

if TYPE_CHECKING:
    from spidergate.auth import Authenticator
    from spidergate.vault import KeyVault, Records

PatName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]


class PatCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: PatName = ""


class PatPublic(BaseModel):
    object: Literal["personal_access_token"] = "personal_access_token"
    pat_id: str
    agent_id: str
    name: str
    status: str
    created_at: str

    @classmethod
    def of(cls, item: dict[str, Any]) -> PatPublic:
        return cls(
            pat_id=str(item["pat_id"]),
            agent_id=str(item["agent_id"]),
            name=str(item.get("name") or ""),
            status=str(item.get("status") or "active"),
            created_at=str(item.get("created_at") or ""),
        )


class PatList(BaseModel):
    object: Literal["list"] = "list"
    data: list[PatPublic]


class PatIssued(BaseModel):
    """Shown once: the gateway keeps only the token's hash."""

    token: PatPublic
    secret: str
    notice: str = "Store this token now: it cannot be shown again."


class PatDesk:
    def __init__(self, records: Records, vault: KeyVault, auth: Authenticator) -> None:
        self.records = records
        self.vault = vault
        self.auth = auth

    async def list(self, brand_id: str, agent_id: str) -> PatList:
        await asyncio.to_thread(self.records.require_agent, brand_id, agent_id)
        items = await asyncio.to_thread(self.records.list_pats, brand_id)
        tokens = [PatPublic.of(i) for i in items if i.get("agent_id") == agent_id]
        return PatList(data=sorted(tokens, key=lambda t: t.created_at, reverse=True))

    async def create(self, brand_id: str, agent_id: str, body: PatCreate, actor: str) -> PatIssued:
        pat_id, token = await asyncio.to_thread(self.records.create_pat, brand_id, agent_id, body.name)
        await self._audit(brand_id, actor, "pat.create", pat_id, {"agent_id": agent_id, "name": body.name})
        return PatIssued(token=await self._one(brand_id, agent_id, pat_id), secret=token)

    async def revoke(self, brand_id: str, agent_id: str, pat_id: str, actor: str) -> PatPublic:
        await self._one(brand_id, agent_id, pat_id)  # 404 unless this agent of this brand holds it
        await asyncio.to_thread(self.records.revoke_pat, brand_id, pat_id)
        self.auth.forget_agent(agent_id)
        await self._audit(brand_id, actor, "pat.revoke", pat_id, {"agent_id": agent_id})
        return await self._one(brand_id, agent_id, pat_id)

    async def _one(self, brand_id: str, agent_id: str, pat_id: str) -> PatPublic:
        for token in (await self.list(brand_id, agent_id)).data:
            if token.pat_id == pat_id:
                return token
        raise NotFound(f"Agent {agent_id} has no personal access token {pat_id}.", code="pat_not_found")

    async def _audit(
        self, brand_id: str, actor: str, action: str, target: str, details: dict[str, Any]
    ) -> None:
        await asyncio.to_thread(self.vault.record_audit, brand_id, actor, action, target, details)
