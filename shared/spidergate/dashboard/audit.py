"""A brand's audit trail (vault and agent changes), newest first."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from spidergate.dashboard.wire import Page
from spidergate.usage.cursors import decode_cursor, encode_cursor

if TYPE_CHECKING:
    from spidergate.vault import KeyVault


class AuditEntryPublic(BaseModel):
    object: Literal["audit_entry"] = "audit_entry"
    at: str
    actor: str  # "user:<cognito username>", "cli", or "router" (automatic disables)
    action: str  # e.g. "vault.add", "vault.disable", "agent.create", "agent.revoke"
    target: str  # a key id or an agent id
    details: dict[str, Any]


def _plain(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal: whole ones as int, others as float."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


class AuditDesk:
    def __init__(self, vault: KeyVault) -> None:
        self.vault = vault

    async def list(self, brand_id: str, *, limit: int, cursor: str | None) -> Page[AuditEntryPublic]:
        start = decode_cursor(cursor, expect={"pk": f"BRAND#{brand_id}", "sk": ""})
        entries, last = await asyncio.to_thread(self.vault.audit_trail, brand_id, limit, start)
        data = [
            AuditEntryPublic(
                at=e["at"],
                actor=e["actor"],
                action=e["action"],
                target=e["target"],
                details=_plain(e.get("details") or {}),
            )
            for e in entries
        ]
        return Page[AuditEntryPublic].of(data, encode_cursor(last))
