"""The public catalog: model pages, one model, providers with key status, aliases with usage."""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from spidergate.domain import Principal
from spidergate.errors import ModelNotFound

if TYPE_CHECKING:
    from spidergate.catalog import Catalog
    from spidergate.runtime import Runtime

_PAGE_CACHE: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()
_PAGE_CACHE_SIZE = 256


async def configured_providers(rt: Runtime, principal: Principal | None) -> frozenset[str]:
    """Providers the caller can use: its brand's non-disabled keys, else the deployment's providers."""
    known = frozenset(rt.catalog.providers)
    if principal is None:
        return rt.settings.enabled_providers(known)
    keys = await rt.pool.keys(principal.brand_id)
    return frozenset(k.provider for k in keys if rt.pool.state(k) != "disabled")


def models_page(catalog: Catalog, params: dict[str, Any], configured: frozenset[str]) -> bytes:
    """The serialized ``/models`` page for ``params``; pages are cached per container."""
    from spidergate.catalog import MAX_LIMIT, ModelQuery

    query = ModelQuery(**params, configured=configured)
    cache_key = (catalog.etag, tuple(sorted((k, str(v)) for k, v in params.items())), configured)
    hit = _PAGE_CACHE.get(cache_key)
    if hit is not None:
        _PAGE_CACHE.move_to_end(cache_key)
        return hit
    # One model past the page tells whether another page follows (no limit: everything is here).
    probe = query
    if query.limit is not None:
        probe = replace(query, limit=query.limit + 1 if query.limit < MAX_LIMIT else None)
    total, models = catalog.query(probe)
    has_more = query.limit is not None and len(models) > query.limit
    models = models[: query.limit]
    body = {
        "object": "list",
        "data": [catalog.public(m, m.provider in configured) for m in models],
        "total": total,
        "limit": query.limit,
        "offset": query.offset,
        "first_id": models[0].id if models else None,
        "last_id": models[-1].id if models else None,
        "has_more": has_more,
    }
    out = json.dumps(body, separators=(",", ":")).encode()
    _PAGE_CACHE[cache_key] = out
    if len(_PAGE_CACHE) > _PAGE_CACHE_SIZE:
        _PAGE_CACHE.popitem(last=False)
    return out


def one_model(catalog: Catalog, model_id: str, configured: frozenset[str]) -> bytes:
    model = catalog.get(model_id) or catalog.find(model_id)
    if model is None:
        raise ModelNotFound(f"The model `{model_id}` does not exist.", param="model")
    return json.dumps(catalog.public(model, model.provider in configured), separators=(",", ":")).encode()


async def providers_list(rt: Runtime, principal: Principal | None) -> bytes:
    """Every routable provider with model counts and key status (the caller's brand, with a bearer)."""
    catalog = rt.catalog
    counts = catalog.provider_model_counts()
    enabled = rt.settings.enabled_providers(frozenset(catalog.providers))
    keys = await rt.pool.keys(principal.brand_id) if principal else []
    data = []
    for name, provider in sorted(catalog.providers.items()):
        entry: dict[str, Any] = {
            "id": name,
            "object": "provider",
            "name": provider.display_name,
            "wire_format": provider.wire,
            "models": counts.get(name, 0),
            "free_tier": provider.free_tier,
            "self_hosted": provider.self_hosted,
            # Whether this deployment routes to the provider at all; says nothing about any
            # brand's keys (``configured`` and ``keys`` do, for the caller's own brand only).
            "enabled": name in enabled,
        }
        if principal is not None:
            states = [rt.pool.state(k) for k in keys if k.provider == name]
            entry["keys"] = {s: states.count(s) for s in ("active", "cooling", "disabled")}
            entry["configured"] = entry["keys"]["active"] + entry["keys"]["cooling"] > 0
        data.append(entry)
    return json.dumps({"object": "list", "data": data}, separators=(",", ":")).encode()


_ALIAS_USAGE: dict[str, tuple[float, dict[str, Any]]] = {}
_ALIAS_USAGE_TTL = 1.0  # the aggregates themselves trail the records by the stream's delay


async def aliases_list(rt: Runtime, principal: Principal | None) -> bytes:
    """All task aliases with their chains; with a bearer, the brand's overrides and its own 24 h
    usage (``usage_24h`` is ``null`` without one: no tenant's traffic is public)."""
    import time

    brand = principal.brand_id if principal else None
    overrides = await rt.alias_overrides(brand) if brand else {}
    usage_by_alias: dict[str, Any] = {}
    if brand is not None:
        cached = _ALIAS_USAGE.get(brand)
        if cached is None or cached[0] < time.monotonic():
            if len(_ALIAS_USAGE) > 4096:
                _ALIAS_USAGE.clear()
            usage = await rt.reports.alias_usage(brand)
            cached = (time.monotonic() + _ALIAS_USAGE_TTL, dict(usage))
            _ALIAS_USAGE[brand] = cached
        usage_by_alias = cached[1]
    data = []
    for name, alias in rt.catalog.aliases.items():
        chain = [m.id for m in rt.catalog.resolve(name, overrides).models]
        used = usage_by_alias.get(name)
        data.append(
            {
                "id": name,
                "object": "alias",
                "description": alias.description,
                "mode": alias.mode,
                "capabilities": sorted(alias.capabilities),
                "chain": chain,
                "overridden": name in overrides,
                "usage_24h": None
                if brand is None
                else {
                    "requests": used.requests if used else 0,
                    "errors": used.errors if used else 0,
                    "total_tokens": used.total_tokens if used else 0,
                    "cost_usd": float(used.cost) if used else 0.0,
                    "reference_cost_usd": float(used.ref_cost) if used else 0.0,
                    "top_model": used.top_model if used else None,
                },
            }
        )
    return json.dumps({"object": "list", "data": data}, separators=(",", ":")).encode()
