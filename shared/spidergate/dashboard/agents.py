"""A brand's agents from the dashboard: list, create, change limits and budgets, rotate, revoke.

Every change is written to the brand's audit trail and evicts the agent from this container's auth
cache, so it applies here at once (other containers within ``auth_cache_ttl``).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from spidergate.dashboard.wire import Page, Usd
from spidergate.domain import Agent, Budgets, Limits
from spidergate.usage.cursors import decode_cursor, encode_cursor

if TYPE_CHECKING:
    from spidergate.auth import Authenticator
    from spidergate.vault import KeyVault, Records
    from spidergate.vault.records import IssuedCredential

AgentName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class AgentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: AgentName
    limits: Limits = Field(default_factory=Limits)
    budgets: Budgets = Field(default_factory=Budgets)


class AgentUpdate(BaseModel):
    """A merge patch: fields left out keep their value; ``null`` lifts a limit or budget
    (``"limits": null`` lifts them all)."""

    model_config = ConfigDict(extra="forbid")

    name: AgentName | None = None
    limits: Limits | None = None
    budgets: Budgets | None = None


class BudgetsPublic(BaseModel):
    daily_usd: Usd | None = None
    monthly_usd: Usd | None = None


class AgentPublic(BaseModel):
    object: Literal["agent"] = "agent"
    agent_id: str
    client_id: str
    name: str
    status: str
    limits: Limits
    budgets: BudgetsPublic
    created_at: str

    @classmethod
    def of(cls, agent: Agent) -> AgentPublic:
        return cls(
            agent_id=agent.agent_id,
            client_id=agent.agent_id,
            name=agent.name,
            status=agent.status,
            limits=agent.limits,
            budgets=BudgetsPublic(**agent.budgets.model_dump()),
            created_at=agent.created_at,
        )


class AgentCredentials(BaseModel):
    """Shown once: the gateway keeps only the secret's hash."""

    client_id: str
    api_key: str
    api_secret: str
    bearer: str

    @classmethod
    def of(cls, cred: IssuedCredential) -> AgentCredentials:
        return cls(
            client_id=cred.client_id, api_key=cred.api_key, api_secret=cred.api_secret, bearer=cred.bearer
        )


class AgentIssued(BaseModel):
    """An agent with freshly issued credentials (create, rotate)."""

    agent: AgentPublic
    credentials: AgentCredentials
    notice: str = "Store these credentials now: the secret cannot be shown again."


def _merge(current: BaseModel, patch: BaseModel) -> dict[str, Any]:
    """``current`` with the fields ``patch`` sets explicitly (``null`` included)."""
    return {**current.model_dump(), **{name: getattr(patch, name) for name in patch.model_fields_set}}


class AgentDesk:
    """Agent administration for one container; ``records``/``vault`` are blocking, run in threads."""

    def __init__(self, records: Records, vault: KeyVault, auth: Authenticator) -> None:
        self.records = records
        self.vault = vault
        self.auth = auth

    async def list(self, brand_id: str, *, limit: int, cursor: str | None) -> Page[AgentPublic]:
        """The brand's agents, revoked ones included, in id order."""
        start = decode_cursor(
            cursor, expect={"pk": "", "sk": "", "gsi1pk": f"BRAND#{brand_id}", "gsi1sk": ""}
        )
        agents, last = await asyncio.to_thread(self.records.list_agents, brand_id, limit, start)
        return Page[AgentPublic].of([AgentPublic.of(a) for a in agents], encode_cursor(last))

    async def get(self, brand_id: str, agent_id: str) -> AgentPublic:
        return AgentPublic.of(await asyncio.to_thread(self.records.require_agent, brand_id, agent_id))

    async def create(self, brand_id: str, body: AgentCreate, actor: str) -> AgentIssued:
        agent, cred = await asyncio.to_thread(
            self.records.create_agent, brand_id, body.name, body.limits, body.budgets
        )
        await self._audit(
            brand_id,
            actor,
            "agent.create",
            agent.agent_id,
            {"name": agent.name, **self._settings(agent.limits, agent.budgets)},
        )
        return AgentIssued(agent=AgentPublic.of(agent), credentials=AgentCredentials.of(cred))

    async def update(self, brand_id: str, agent_id: str, body: AgentUpdate, actor: str) -> AgentPublic:
        current = await asyncio.to_thread(self.records.require_agent, brand_id, agent_id)
        given = body.model_fields_set
        limits: Limits | None = None
        budgets: Budgets | None = None
        if "limits" in given:
            limits = (
                Limits.model_validate(_merge(current.limits, body.limits))
                if body.limits is not None
                else Limits()
            )
        if "budgets" in given:
            budgets = (
                Budgets.model_validate(_merge(current.budgets, body.budgets))
                if body.budgets is not None
                else Budgets()
            )
        name = body.name
        agent = await asyncio.to_thread(
            lambda: self.records.update_agent(brand_id, agent_id, name=name, limits=limits, budgets=budgets)
        )
        self.auth.forget_agent(agent_id)
        details: dict[str, Any] = {"name": name} if name is not None else {}
        details.update(self._settings(limits, budgets))
        await self._audit(brand_id, actor, "agent.update", agent_id, details)
        return AgentPublic.of(agent)

    async def rotate(self, brand_id: str, agent_id: str, actor: str) -> AgentIssued:
        """New credentials; every older credential of the agent is revoked."""
        cred = await asyncio.to_thread(self.records.rotate_secret, brand_id, agent_id)
        self.auth.forget_agent(agent_id)
        await self._audit(brand_id, actor, "agent.rotate", agent_id, {"api_key": cred.api_key})
        agent = await asyncio.to_thread(self.records.require_agent, brand_id, agent_id)
        return AgentIssued(agent=AgentPublic.of(agent), credentials=AgentCredentials.of(cred))

    async def revoke(self, brand_id: str, agent_id: str, actor: str) -> AgentPublic:
        """Revoke the agent and all its credentials (PATs acting as it stop working too)."""
        await asyncio.to_thread(self.records.revoke_agent, brand_id, agent_id)
        self.auth.forget_agent(agent_id)
        await self._audit(brand_id, actor, "agent.revoke", agent_id, {})
        return await self.get(brand_id, agent_id)

    @staticmethod
    def _settings(limits: Limits | None, budgets: Budgets | None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if limits is not None:
            out["limits"] = limits.model_dump(mode="json", exclude_none=True)
        if budgets is not None:
            out["budgets"] = budgets.model_dump(mode="json", exclude_none=True)
        return out

    async def _audit(
        self, brand_id: str, actor: str, action: str, target: str, details: dict[str, Any]
    ) -> None:
        await asyncio.to_thread(self.vault.record_audit, brand_id, actor, action, target, details)
