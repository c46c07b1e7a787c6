"""``GET /v1/models`` in Anthropic's list format: chat aliases first, then the chat models.

Anthropic pages with ``limit`` (1-1000, default 20), ``after_id`` and ``before_id``, and answers
``{"data", "has_more", "first_id", "last_id"}`` with ``{"type": "model", "id", "display_name",
"created_at"}`` entries. Only models of providers the caller has keys for are listed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from spidergate.catalog.model import CHAT
from spidergate.errors import InvalidRequest, ModelNotFound

if TYPE_CHECKING:
    from spidergate.catalog import Catalog

DEFAULT_LIMIT = 20
MAX_LIMIT = 1000


def _created_at(catalog: Catalog) -> str:
    created = int(catalog.public(catalog.models[0], False).get("created") or 0) if catalog.models else 0
    return datetime.fromtimestamp(created, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _entries(catalog: Catalog, configured: frozenset[str]) -> list[dict[str, Any]]:
    created_at = _created_at(catalog)
    entries = [
        {"type": "model", "id": name, "display_name": f"{name} (alias)", "created_at": created_at}
        for name, alias in catalog.aliases.items()
        if alias.mode == CHAT
    ]
    entries.extend(
        {"type": "model", "id": m.id, "display_name": m.model, "created_at": created_at}
        for m in catalog.models
        if m.mode == CHAT and m.provider in configured
    )
    return entries


def _limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    try:
        limit = int(raw)
    except ValueError:
        limit = 0
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidRequest(f"limit: an integer from 1 to {MAX_LIMIT}", param="limit")
    return limit


def model_list(
    catalog: Catalog,
    configured: frozenset[str],
    limit: str | None = None,
    after_id: str | None = None,
    before_id: str | None = None,
) -> dict[str, Any]:
    """One page of the list."""
    size = _limit(limit)
    entries = _entries(catalog, configured)
    ids = [e["id"] for e in entries]
    start, end = 0, len(entries)
    if after_id is not None:
        start = ids.index(after_id) + 1 if after_id in ids else len(entries)
    if before_id is not None:
        end = ids.index(before_id) if before_id in ids else 0
        start = max(start, end - size)
    page = entries[start : min(end, start + size)]
    return {
        "data": page,
        "has_more": start + len(page) < end if before_id is None else start > 0,
        "first_id": page[0]["id"] if page else None,
        "last_id": page[-1]["id"] if page else None,
    }


def one_model(catalog: Catalog, model_id: str) -> dict[str, Any]:
    """One entry by alias or model id (a 404 otherwise)."""
    if model_id in catalog.aliases:
        return {
            "type": "model",
            "id": model_id,
            "display_name": f"{model_id} (alias)",
            "created_at": _created_at(catalog),
        }
    model = catalog.get(model_id) or catalog.find(model_id)
    if model is None:
        raise ModelNotFound(f"The model `{model_id}` does not exist.", param="model")
    return {"type": "model", "id": model.id, "display_name": model.model, "created_at": _created_at(catalog)}
