"""What the gateway records about one request (written once, at settlement)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from spidergate.usage.counts import Usage


@dataclass(slots=True)
class Attempt:
    """One upstream attempt in a route trace (never holds key material: the label is masked)."""

    model: str
    provider: str
    key_id: str | None
    key_label: str | None
    outcome: str  # "success", "next_key", "cooldown", "disabled", "next_model", "client_error", "skipped"
    status: int | None = None
    error_type: str | None = None
    latency_ms: float = 0.0

    def public(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "provider": self.provider,
            "key": self.key_label,
            "outcome": self.outcome,
            "status": self.status,
            "error_type": self.error_type,
            "latency_ms": round(self.latency_ms, 1),
        }


@dataclass(slots=True)
class RequestRecord:
    """The usage record of one gateway request, served or failed."""

    request_id: str
    brand_id: str
    agent_id: str
    endpoint: str  # "chat", "embeddings", "images", "speech", "transcription"
    requested_model: str
    alias: str | None
    started_at: float  # epoch seconds
    status: int = 200
    served_model: str | None = None
    provider: str | None = None
    key_id: str | None = None
    key_label: str | None = None
    usage: Usage = field(default_factory=Usage)
    cost: Decimal = Decimal(0)
    ref_cost: Decimal = Decimal(0)  # the same counts at the list price of the alias's first choice
    attempts: list[Attempt] = field(default_factory=list)
    fallback: bool = False
    stream: bool = False
    latency_ms: float = 0.0
    error_code: str | None = None
    client_disconnected: bool = False
