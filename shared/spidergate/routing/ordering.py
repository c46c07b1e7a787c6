"""Key ordering strategies: which of a brand's usable keys for a provider to try first."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from decimal import Decimal

from spidergate.domain import ProviderKey


class RoundRobin:
    """Rotates the start position within each priority band, per brand and provider."""

    def __init__(self) -> None:
        self._counters: dict[str, itertools.count[int]] = {}

    def order(self, scope: str, keys: Sequence[ProviderKey]) -> list[ProviderKey]:
        if len(keys) < 2:
            return list(keys)
        turn = next(self._counters.setdefault(scope, itertools.count()))
        ordered: list[ProviderKey] = []
        for _, band in itertools.groupby(sorted(keys, key=lambda k: k.priority), key=lambda k: k.priority):
            group = list(band)
            shift = turn % len(group)
            ordered.extend(group[shift:] + group[:shift])
        return ordered


def least_spent(keys: Sequence[ProviderKey], spend: Mapping[str, Decimal]) -> list[ProviderKey]:
    """Lowest month-to-date spend first (priority still ranks first)."""
    return sorted(keys, key=lambda k: (k.priority, spend.get(k.key_id, Decimal(0)), k.key_id))


def free_first(keys: Sequence[ProviderKey], spend: Mapping[str, Decimal]) -> list[ProviderKey]:
    """Free-tier keys before paid ones, then by priority and spend."""
    return sorted(
        keys, key=lambda k: (not k.free_tier, k.priority, spend.get(k.key_id, Decimal(0)), k.key_id)
    )


STRATEGIES = ("round_robin", "least_spent", "free_first")
