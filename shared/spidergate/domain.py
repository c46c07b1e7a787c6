"""Domain records shared by the vault, auth, router and usage accounting."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

KeyStatus = Literal["active", "disabled"]
RecordStatus = Literal["active", "revoked"]


class Limits(BaseModel):
    """Per-agent rate limits; ``None`` means unlimited."""

    model_config = ConfigDict(extra="forbid")

    rpm: int | None = Field(default=None, ge=1)
    tpm: int | None = Field(default=None, ge=1)
    concurrency: int | None = Field(default=None, ge=1)

    @property
    def any(self) -> bool:
        return self.rpm is not None or self.tpm is not None or self.concurrency is not None


class Budgets(BaseModel):
    """Spend ceilings in USD; ``None`` means no ceiling."""

    model_config = ConfigDict(extra="forbid")

    daily_usd: Decimal | None = Field(default=None, ge=0)
    monthly_usd: Decimal | None = Field(default=None, ge=0)

    @property
    def any(self) -> bool:
        return self.daily_usd is not None or self.monthly_usd is not None


class Brand(BaseModel):
    brand_id: str
    name: str
    status: RecordStatus = "active"
    budgets: Budgets = Field(default_factory=Budgets)
    created_at: str = ""


class Agent(BaseModel):
    agent_id: str  # also the client_id of its bearer credentials
    brand_id: str
    name: str
    status: RecordStatus = "active"
    limits: Limits = Field(default_factory=Limits)
    budgets: Budgets = Field(default_factory=Budgets)
    created_at: str = ""


class Principal(BaseModel):
    """Who is calling the gateway: an agent of a brand, with what constrains it."""

    brand_id: str
    agent_id: str
    credential_id: str  # api_key id or PAT id: what to revoke
    limits: Limits = Field(default_factory=Limits)
    agent_budgets: Budgets = Field(default_factory=Budgets)
    brand_budgets: Budgets = Field(default_factory=Budgets)

    @property
    def constrained(self) -> bool:
        return self.limits.any or self.agent_budgets.any or self.brand_budgets.any


class ModelCooldown(BaseModel):
    """A (key, model) pair benched until ``until`` (epoch seconds): a per-model rate limit, or a model
    this key cannot reach while other keys of the provider may."""

    until: float
    reason: str


class ProviderKey(BaseModel):
    """One pooled provider account in a brand's vault. The key material lives in Secrets Manager."""

    brand_id: str
    key_id: str
    provider: str
    label: str
    masked: str
    secret_name: str
    status: KeyStatus = "active"
    disabled_reason: str | None = None
    cooldown_until: float = 0.0  # epoch seconds
    priority: int = 100  # lower first
    base_url: str | None = None
    monthly_cap_usd: Decimal | None = None
    monthly_token_cap: int | None = None
    free_tier: bool = False
    created_at: str = ""
    model_cooldowns: dict[str, ModelCooldown] = Field(default_factory=dict, exclude=True)

    def cooling(self, now: float) -> bool:
        return self.cooldown_until > now

    def usable(self, now: float) -> bool:
        return self.status == "active" and not self.cooling(now)
