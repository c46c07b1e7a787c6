"""A brand's pooled provider keys from the dashboard: list (masked), add, edit, disable, enable, remove.

Key material goes to Secrets Manager through ``KeyVault.add`` and never comes back out. Every
change is audited by ``KeyVault`` with the session's actor and drops this container's cached view
of the brand's keys so the router sees it on the next request.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, StringConstraints

from spidergate.dashboard.wire import Page, Usd
from spidergate.domain import ProviderKey
from spidergate.errors import InvalidRequest
from spidergate.usage import keys as usage_keys
from spidergate.usage.cursors import decode_cursor, encode_cursor

if TYPE_CHECKING:
    from spidergate.providers.base import ProviderDef
    from spidergate.routing.keypool import KeyPool
    from spidergate.usage.reports import UsageReports
    from spidergate.vault import KeyVault, Records

Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Priority = Annotated[int, Field(ge=0, le=10_000)]
BaseUrl = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2048)]
KeyHealth = Literal["healthy", "cooling", "disabled"]


class VaultKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    provider: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    api_key: Annotated[SecretStr, Field(min_length=1, max_length=8192)]
    label: Label | None = None
    base_url: BaseUrl | None = None
    priority: Priority = 100
    monthly_cap_usd: Annotated[Decimal, Field(ge=0)] | None = None
    monthly_token_cap: Annotated[int, Field(ge=1)] | None = None
    free_tier: bool = False


class VaultKeyUpdate(BaseModel):
    """Fields left out keep their value; ``null`` removes a cap or the key's own base URL."""

    model_config = ConfigDict(extra="forbid")

    label: Label | None = None
    priority: Priority | None = None
    monthly_cap_usd: Annotated[Decimal, Field(ge=0)] | None = None
    monthly_token_cap: Annotated[int, Field(ge=1)] | None = None
    free_tier: bool | None = None
    base_url: BaseUrl | None = None


class VaultKeyDisable(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] = (
        "disabled from the dashboard"
    )


class ModelCooldownPublic(BaseModel):
    """One model benched on a key: a per-model rate limit, or a model this key cannot reach."""

    model: str
    until: str
    reason: str


class VaultKeyPublic(BaseModel):
    """A pooled key as the dashboard shows it: masked, never its material."""

    object: Literal["vault_key"] = "vault_key"
    key_id: str
    provider: str
    label: str
    masked: str
    status: KeyHealth
    disabled_reason: str | None = None
    cooldown_until: str | None = None
    priority: int
    base_url: str | None = None
    monthly_cap_usd: Usd | None = None
    monthly_token_cap: int | None = None
    free_tier: bool
    spend_this_month_usd: Usd = Decimal(0)
    created_at: str
    model_cooldowns: list[ModelCooldownPublic] = []


_NOT_NULLABLE = ("label", "priority", "free_tier")
_HEALTH: dict[str, KeyHealth] = {"active": "healthy", "cooling": "cooling", "disabled": "disabled"}


def _needs_base_url(provider: ProviderDef) -> bool:
    """Whether a key of ``provider`` must name its endpoint (Azure; not Bedrock, which goes by region)."""
    return provider.base_url is None and provider.wire != "bedrock"


class VaultDesk:
    """Pooled-key administration for one container (``vault`` is blocking, run in threads)."""

    def __init__(
        self,
        vault: KeyVault,
        records: Records,
        pool: KeyPool,
        reports: UsageReports,
        providers: Mapping[str, ProviderDef],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.vault = vault
        self.records = records
        self.pool = pool
        self.reports = reports
        self.providers = providers
        self.clock = clock

    async def list(self, brand_id: str, *, limit: int, cursor: str | None) -> Page[VaultKeyPublic]:
        """The brand's keys, lowest priority value first, with this month's spend of each."""
        after = decode_cursor(cursor, expect={"key_id": ""})
        keys, spend = await asyncio.gather(
            asyncio.to_thread(self.vault.list, brand_id), self._month_spend(brand_id)
        )
        if after is not None:
            ids = [k.key_id for k in keys]
            last = after["key_id"]["S"]
            # A removed cursor key ends the listing rather than restarting it.
            keys = keys[ids.index(last) + 1 :] if last in ids else []
        page, more = keys[:limit], len(keys) > limit
        next_cursor = encode_cursor({"key_id": {"S": page[-1].key_id}}) if more else None
        return Page[VaultKeyPublic].of([self._public(k, spend.get(k.key_id)) for k in page], next_cursor)

    async def add(self, brand_id: str, body: VaultKeyCreate, actor: str) -> VaultKeyPublic:
        provider = self.providers.get(body.provider)
        if provider is None:
            raise InvalidRequest(
                f"unknown provider {body.provider!r}", param="provider", code="unknown_provider"
            )
        if not body.base_url and _needs_base_url(provider):
            raise InvalidRequest(f"provider {body.provider} needs a base_url", param="base_url")
        await asyncio.to_thread(self.records.require_brand, brand_id)
        key = await asyncio.to_thread(
            lambda: self.vault.add(
                brand_id,
                body.provider,
                body.api_key.get_secret_value(),
                label=body.label or "",
                base_url=body.base_url,
                priority=body.priority,
                monthly_cap_usd=body.monthly_cap_usd,
                monthly_token_cap=body.monthly_token_cap,
                free_tier=body.free_tier,
                actor=actor,
            )
        )
        self.pool.forget(brand_id)
        return self._public(key, None)

    async def update(self, brand_id: str, key_id: str, body: VaultKeyUpdate, actor: str) -> VaultKeyPublic:
        changes: dict[str, Any] = {name: getattr(body, name) for name in body.model_fields_set}
        for name in _NOT_NULLABLE:
            if name in changes and changes[name] is None:
                raise InvalidRequest(f"{name} cannot be null", param=name)
        if not changes:
            raise InvalidRequest("nothing to change")
        if "base_url" in changes and changes["base_url"] is None:
            key = await asyncio.to_thread(self.vault.get, brand_id, key_id)
            provider = self.providers.get(key.provider)
            if provider is None or _needs_base_url(provider):
                raise InvalidRequest(f"provider {key.provider} needs a base_url", param="base_url")
        key = await asyncio.to_thread(self.vault.update, brand_id, key_id, changes, actor)
        self.pool.forget(brand_id)
        return await self._one(key)

    async def disable(self, brand_id: str, key_id: str, reason: str, actor: str) -> VaultKeyPublic:
        key = await asyncio.to_thread(self.vault.disable, brand_id, key_id, reason, actor)
        self.pool.forget(brand_id)
        return await self._one(key)

    async def enable(self, brand_id: str, key_id: str, actor: str) -> VaultKeyPublic:
        key = await asyncio.to_thread(self.vault.enable, brand_id, key_id, actor)
        self.pool.forget(brand_id)
        return await self._one(key)

    async def remove(self, brand_id: str, key_id: str, actor: str) -> None:
        """Delete the key; its secret is scheduled for deletion (7-day recovery window)."""
        await asyncio.to_thread(self.vault.remove, brand_id, key_id, actor)
        self.pool.forget(brand_id)

    # -- internals ------------------------------------------------------------------------
    async def _one(self, key: ProviderKey) -> VaultKeyPublic:
        spend = await self._month_spend(key.brand_id)
        return self._public(key, spend.get(key.key_id))

    async def _month_spend(self, brand_id: str) -> dict[str, Decimal]:
        """Key id -> USD spent since the start of this UTC month (settled requests)."""
        now = self.clock()
        start, end = f"{usage_keys.month_id(now)}-01", usage_keys.day_id(now)
        spend: dict[str, Decimal] = {}
        cursor: str | None = None
        while True:
            report = await self.reports.usage(
                brand_id, by="key", start=start, end=end, limit=200, cursor=cursor
            )
            for row in report.rows:
                if row.value:
                    spend[row.value] = spend.get(row.value, Decimal(0)) + Decimal(row.counts.get("cost", 0))
            cursor = report.cursor
            if cursor is None:
                return spend

    def _public(self, key: ProviderKey, spend: Decimal | None) -> VaultKeyPublic:
        state = self.pool.state(key)
        cooling_until = None
        if state == "cooling":
            cooling_until = _iso(self.clock() + self.pool.cooldown_left(key))
        benches = [
            ModelCooldownPublic(model=model, until=_iso(bench.until), reason=bench.reason)
            for model, bench in self.pool.model_benches(key).items()
        ]
        return VaultKeyPublic(
            key_id=key.key_id,
            provider=key.provider,
            label=key.label,
            masked=key.masked,
            status=_HEALTH.get(state, "disabled"),
            disabled_reason=key.disabled_reason if state == "disabled" else None,
            cooldown_until=cooling_until,
            priority=key.priority,
            base_url=key.base_url,
            monthly_cap_usd=key.monthly_cap_usd,
            monthly_token_cap=key.monthly_token_cap,
            free_tier=key.free_tier,
            spend_this_month_usd=spend or Decimal(0),
            created_at=key.created_at,
            model_cooldowns=benches,
        )


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
