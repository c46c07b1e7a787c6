"""Month-to-date spend of a brand's pooled keys (for least-spent key ordering), cached briefly."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from spidergate.domain import ProviderKey
from spidergate.dynamo import from_item, to_item
from spidergate.ttlcache import TTLCache
from spidergate.usage import keys

_BATCH = 100  # BatchGetItem's ceiling


class KeySpend:
    """Reads the ``SPEND#KEY`` counters the ledger settles into; one BatchGetItem per refresh."""

    def __init__(self, ddb: Any, table: str, ttl: float, clock: Callable[[], float] = time.time) -> None:
        self.ddb = ddb
        self.table = table
        self.clock = clock
        self._cache: TTLCache[tuple[str, frozenset[str]], dict[str, Decimal]] = TTLCache(ttl)

    async def month_to_date(self, brand_id: str, pool: Sequence[ProviderKey]) -> dict[str, Decimal]:
        """key_id -> USD settled this month (keys never used are absent, i.e. zero)."""
        ids = frozenset(k.key_id for k in pool)
        found = self._cache.get((brand_id, ids))
        if found is None:
            found = await asyncio.to_thread(self._read, brand_id, sorted(ids))
            self._cache.put((brand_id, ids), found)
        return found

    def _read(self, brand_id: str, key_ids: list[str]) -> dict[str, Decimal]:
        now = self.clock()
        spend: dict[str, Decimal] = {}
        for start in range(0, len(key_ids), _BATCH):
            wanted = key_ids[start : start + _BATCH]
            request: dict[str, Any] = {
                self.table: {
                    "Keys": [
                        to_item(dict(zip(("pk", "sk"), keys.key_spend_key(brand_id, k, now), strict=True)))
                        for k in wanted
                    ]
                }
            }
            while request:
                got = self.ddb.batch_get_item(RequestItems=request)
                for raw in got.get("Responses", {}).get(self.table, []):
                    item = from_item(raw)
                    spend[item["pk"].rsplit("#", 1)[1]] = Decimal(item.get("spent", 0))
                request = got.get("UnprocessedKeys") or {}
        return spend
