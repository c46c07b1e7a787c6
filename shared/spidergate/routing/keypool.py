"""A container's view of brands' pooled keys: cached briefly, with local cooldowns applied at once.

Cooldowns and disables are written to DynamoDB (shared by every container) and mirrored here so
this container skips the key immediately; other containers see them within ``keys_cache_ttl``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from spidergate.domain import ModelCooldown, ProviderKey
from spidergate.ttlcache import TTLCache
from spidergate.vault.keys import KeyVault


class KeyPool:
    def __init__(
        self, vault: KeyVault, *, keys_ttl: float, secret_ttl: float, clock: Callable[[], float] = time.time
    ) -> None:
        self.vault = vault
        self.clock = clock
        self._keys: TTLCache[str, list[ProviderKey]] = TTLCache(keys_ttl)
        self._material: TTLCache[str, str] = TTLCache(secret_ttl)
        self._cool: dict[str, float] = {}  # key_id -> cooldown until (epoch), set by this container
        self._disabled: dict[str, float] = {}  # key_id -> when this container disabled it
        self._overlay_ttl = keys_ttl
        self._model_cool: dict[tuple[str, str], ModelCooldown] = {}  # (key_id, model_id) benches
        self._brand_of: dict[str, str] = {}  # key_id -> brand, for the keys flagged above

    async def keys(self, brand_id: str) -> list[ProviderKey]:
        """All of a brand's keys (one Query per brand per TTL)."""
        cached = self._keys.get(brand_id)
        if cached is None:
            cached = await asyncio.to_thread(self.vault.list, brand_id)
            self._keys.put(brand_id, cached)
        return cached

    async def for_provider(self, brand_id: str, provider: str) -> list[ProviderKey]:
        return [k for k in await self.keys(brand_id) if k.provider == provider]

    def state(self, key: ProviderKey, model_id: str | None = None) -> str:
        """ "active", "cooling" or "disabled", local knowledge included; with ``model_id``, also
        "cooling" for a pair on a per-model rate limit and "benched" for a pair otherwise benched
        (a model this key cannot reach)."""
        if key.status != "active":
            return "disabled"
        disabled_at = self._disabled.get(key.key_id)
        if disabled_at is not None and disabled_at + self._overlay_ttl > self.clock():
            return "disabled"  # until the cached list is refreshed from the table
        until = max(key.cooldown_until, self._cool.get(key.key_id, 0.0))
        if until > self.clock():
            return "cooling"
        if model_id is not None:
            bench = self._pair(key, model_id)
            if bench is not None and bench.until > self.clock():
                return "cooling" if bench.reason == "rate_limited" else "benched"
        return "active"

    def cooldown_left(self, key: ProviderKey, model_id: str | None = None) -> float:
        until = max(key.cooldown_until, self._cool.get(key.key_id, 0.0))
        if model_id is not None:
            bench = self._pair(key, model_id)
            if bench is not None:
                until = max(until, bench.until)
        return max(0.0, until - self.clock())

    def model_benches(self, key: ProviderKey) -> dict[str, ModelCooldown]:
        """The key's (key, model) benches still running, local knowledge included."""
        models = set(key.model_cooldowns) | {m for k, m in self._model_cool if k == key.key_id}
        now = self.clock()
        found = {m: self._pair(key, m) for m in sorted(models)}
        return {m: b for m, b in found.items() if b is not None and b.until > now}

    def _pair(self, key: ProviderKey, model_id: str) -> ModelCooldown | None:
        """The later of the stored and this container's bench of (key, model)."""
        stored = key.model_cooldowns.get(model_id)
        local = self._model_cool.get((key.key_id, model_id))
        if stored is None or (local is not None and local.until > stored.until):
            return local
        return stored

    async def material(self, key: ProviderKey) -> str:
        """The key's secret, from Secrets Manager once per ``secret_ttl``."""
        found = self._material.get(key.key_id)
        if found is None:
            found = await asyncio.to_thread(self.vault.material, key)
            self._material.put(key.key_id, found)
        return found

    async def cool_down(self, key: ProviderKey, seconds: float) -> None:
        until = self.clock() + seconds
        self._brand_of[key.key_id] = key.brand_id
        self._cool[key.key_id] = max(until, self._cool.get(key.key_id, 0.0))
        await asyncio.to_thread(self.vault.cool_down, key, until)

    async def cool_model(self, key: ProviderKey, model_id: str, seconds: float, reason: str) -> None:
        """Bench one model on the key (shared through the key's vault item)."""
        until = self.clock() + seconds
        self._brand_of[key.key_id] = key.brand_id
        current = self._model_cool.get((key.key_id, model_id))
        if current is None or current.until < until:
            self._model_cool[(key.key_id, model_id)] = ModelCooldown(until=until, reason=reason)
        await asyncio.to_thread(self.vault.cool_model, key, model_id, until, reason)

    async def disable(self, key: ProviderKey, reason: str) -> None:
        self._disabled[key.key_id] = self.clock()
        self._brand_of[key.key_id] = key.brand_id
        self._material.pop(key.key_id)
        await asyncio.to_thread(self.vault.mark_disabled, key, reason)

    def forget(self, brand_id: str) -> None:
        """Drop the cached view of a brand and this container's flags on its keys (after an
        operator changed them here, e.g. re-enabled a key the router had disabled)."""
        for key_id in [k for k, b in self._brand_of.items() if b == brand_id]:
            self._cool.pop(key_id, None)
            self._disabled.pop(key_id, None)
            for pair in [p for p in self._model_cool if p[0] == key_id]:
                del self._model_cool[pair]
            del self._brand_of[key_id]
        self._keys.pop(brand_id)
