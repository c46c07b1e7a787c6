"""Sliding one-minute rate windows from per-minute items, exact to a 5-second bucket.

A fixed minute window lets twice the limit through across a boundary (``rpm 10``: ten at 0:59,
ten more at 1:00). Here the count an admission checks covers the whole 60 s before it:

- Each minute's item holds one counter per 5 s bucket, ``r0``..``r11`` for requests (``t0``..
  ``t11`` for tokens). Counter ``i`` of minute M is what an admission in bucket ``i`` of M must
  count: everything admitted in M so far, plus what minute M-1 admitted in its buckets ``>= i``
  (those are less than 60 s old at any time in bucket ``i`` of M; bucket ``i`` itself counted
  whole, so the estimate errs on the safe side by under one bucket).
- An admission in bucket ``j`` of minute M adds 1 to every counter of M, on the condition
  ``r<j> < rpm`` (one conditional single-item update), and, concurrently in the same round trip,
  carries itself into minute M+1: +1 to counters ``0..j`` of M+1 (an unconditional update, undone
  with the others when the admission is refused).

So no 60 s span ever holds more than ``rpm`` admissions (the span ending at its last admission
was checked whole), at the cost of two single-item writes instead of one. Settle counts tokens
the same way. Both updates return the item's new counters, which is everything the
``x-ratelimit-*`` headers and ``Retry-After`` need: the count at any later time follows from them
(absent new requests), bucket by bucket.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

BUCKETS = 12
BUCKET_SECONDS = 60.0 / BUCKETS
REQUESTS = "r"
TOKENS = "t"


def minute_start(now: float) -> float:
    return float(int(now // 60) * 60)


def bucket(now: float) -> int:
    return min(BUCKETS - 1, int((now - minute_start(now)) // BUCKET_SECONDS))


def attr(prefix: str, i: int) -> str:
    return f"{prefix}{i}"


def counted(prefix: str, amount: int) -> dict[str, int]:
    """The deltas for this minute's item: every counter (later buckets of the minute see it too)."""
    return {attr(prefix, i): amount for i in range(BUCKETS)}


def carried(prefix: str, now: float, amount: int) -> dict[str, int]:
    """The deltas for the next minute's item: the buckets still within 60 s of ``now``."""
    return {attr(prefix, i): amount for i in range(bucket(now) + 1)}


def counters(
    prefix: str, values: Mapping[str, Decimal | int] | None, *, less: int = 0, upto: int = -1
) -> tuple[int, ...]:
    """The counters of one item (0 where absent), ``less`` taken off buckets ``0..upto``."""
    values = values or {}
    return tuple(
        max(0, int(values.get(attr(prefix, i), 0)) - (less if i <= upto else 0)) for i in range(BUCKETS)
    )


@dataclass(frozen=True, slots=True)
class Window:
    """One counter kind of two consecutive minute items, as last seen: the sliding count at any
    time from ``start`` on, absent new requests (requests of minute M+1 are not known here)."""

    start: float  # the start of the minute the counts were taken in
    this_minute: tuple[int, ...] = (0,) * BUCKETS
    next_minute: tuple[int, ...] = (0,) * BUCKETS

    def count_at(self, t: float) -> int:
        m = minute_start(t)
        if m <= self.start:
            return self.this_minute[bucket(t) if m == self.start else 0]
        if m == self.start + 60:
            return self.next_minute[bucket(t)]
        return 0

    def below_at(self, t: float, limit: int) -> float:
        """The earliest time from ``t`` at which the count is below ``limit``."""
        if self.count_at(t) < limit:
            return t
        first = minute_start(t) + (bucket(t) + 1) * BUCKET_SECONDS
        edge = first
        while edge < self.start + 120:
            if self.count_at(edge) < limit:
                return edge
            edge += BUCKET_SECONDS
        return max(edge, t)

    def drops_at(self, t: float) -> float:
        """When the count next falls (a slot frees); ``t`` itself when nothing is counted."""
        now = self.count_at(t)
        return self.below_at(t, now) if now else t
