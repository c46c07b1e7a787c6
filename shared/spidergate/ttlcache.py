"""A tiny per-container TTL cache (warm Lambda containers reuse it across invocations)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class TTLCache(Generic[K, V]):
    def __init__(self, ttl: float, maxsize: int = 4096, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.maxsize = maxsize
        self.clock = clock
        self._data: dict[K, tuple[float, V]] = {}

    def get(self, key: K) -> V | None:
        hit = self._data.get(key)
        if hit is None:
            return None
        expires, value = hit
        if expires <= self.clock():
            self._data.pop(key, None)
            return None
        return value

    def put(self, key: K, value: V) -> None:
        if len(self._data) >= self.maxsize:
            # Drop the oldest insertion: dicts keep insertion order.
            self._data.pop(next(iter(self._data)))
        self._data[key] = (self.clock() + self.ttl, value)

    def pop(self, key: K) -> None:
        self._data.pop(key, None)

    def pop_where(self, predicate: Callable[[V], bool]) -> int:
        """Drop every entry whose value matches ``predicate``; returns how many were dropped."""
        doomed = [k for k, (_, v) in self._data.items() if predicate(v)]
        for k in doomed:
            del self._data[k]
        return len(doomed)

    def clear(self) -> None:
        self._data.clear()
