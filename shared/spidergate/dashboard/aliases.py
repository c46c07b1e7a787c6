"""The task aliases as a brand sees them: each chain (the brand's override, if any), 24 h usage, and
editing the brand's overrides (audited; this container routes with the change at once, others within
the overrides cache's few seconds)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from spidergate.dashboard.wire import Usd
from spidergate.errors import InvalidRequest, NotFound

if TYPE_CHECKING:
    from spidergate.catalog.index import Catalog
    from spidergate.usage.reports import AliasUsage, UsageReports
    from spidergate.vault import KeyVault
    from spidergate.vault.aliases import AliasOverrides

MAX_CHAIN = 10
ModelId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=256)]


class AliasUpdate(BaseModel):
    """``chain`` replaces the built-in chain for this brand; ``null`` goes back to the built-in one."""

    model_config = ConfigDict(extra="forbid")

    chain: Annotated[list[ModelId], Field(min_length=1, max_length=MAX_CHAIN)] | None


class AliasUsagePublic(BaseModel):
    requests: int = 0
    errors: int = 0
    total_tokens: int = 0
    cost_usd: Usd = Decimal(0)
    top_model: str | None = None


class AliasPublic(BaseModel):
    object: Literal["alias"] = "alias"
    id: str
    description: str
    mode: str
    capabilities: list[str]
    default_chain: list[str]
    chain: list[str]  # what the gateway tries for this brand, in order
    overridden: bool
    usage_24h: AliasUsagePublic


class AliasList(BaseModel):
    object: Literal["list"] = "list"
    data: list[AliasPublic]


class AliasDesk:
    def __init__(
        self,
        catalog: Catalog,
        overrides: AliasOverrides,
        cached_overrides: Callable[[str], Awaitable[dict[str, tuple[str, ...]]]],
        forget: Callable[[str], None],
        reports: UsageReports,
        vault: KeyVault,
    ) -> None:
        self.catalog = catalog
        self.overrides = overrides
        self.cached_overrides = cached_overrides
        self.forget = forget
        self.reports = reports
        self.vault = vault

    async def list(self, brand_id: str) -> AliasList:
        overrides, usage = await asyncio.gather(
            asyncio.to_thread(self.overrides.all, brand_id), self.reports.alias_usage(brand_id)
        )
        return AliasList(data=[self._public(name, overrides, usage) for name in self.catalog.aliases])

    async def update(self, brand_id: str, alias: str, body: AliasUpdate, actor: str) -> AliasPublic:
        found = self.catalog.aliases.get(alias)
        if found is None:
            raise NotFound(f"There is no alias {alias!r}.", code="alias_not_found")
        if body.chain is None:
            await asyncio.to_thread(self.overrides.delete, brand_id, alias)
            action, details = "alias.reset", {}
        else:
            chain: list[str] = []
            for i, model_id in enumerate(body.chain):
                model = self.catalog.find(model_id)
                if model is None:
                    raise InvalidRequest(
                        f"unknown model {model_id!r}", param=f"chain.{i}", code="model_not_found"
                    )
                if not found.accepts(model):
                    needs = ", ".join(sorted(found.capabilities)) or found.mode
                    raise InvalidRequest(
                        f"{model.id} cannot serve alias {alias} (it needs {found.mode} with {needs})",
                        param=f"chain.{i}",
                    )
                if model.id not in chain:
                    chain.append(model.id)
            await asyncio.to_thread(self.overrides.put, brand_id, alias, chain)
            action, details = "alias.override", {"chain": chain}
        self.forget(brand_id)
        await asyncio.to_thread(self.vault.record_audit, brand_id, actor, action, alias, details)
        overrides, usage = await asyncio.gather(
            self.cached_overrides(brand_id), self.reports.alias_usage(brand_id)
        )
        return self._public(alias, overrides, usage)

    def _public(
        self, name: str, overrides: Mapping[str, tuple[str, ...]], usage: Mapping[str, AliasUsage]
    ) -> AliasPublic:
        alias = self.catalog.aliases[name]
        used = usage.get(name)
        usage_24h = AliasUsagePublic()
        if used is not None:
            usage_24h = AliasUsagePublic(
                requests=used.requests,
                errors=used.errors,
                total_tokens=used.total_tokens,
                cost_usd=used.cost,
                top_model=used.top_model,
            )
        return AliasPublic(
            id=name,
            description=alias.description,
            mode=alias.mode,
            capabilities=sorted(alias.capabilities),
            default_chain=[m.id for m in self.catalog.resolve(name).models],
            chain=[m.id for m in self.catalog.resolve(name, overrides).models],
            overridden=name in overrides,
            usage_24h=usage_24h,
        )
