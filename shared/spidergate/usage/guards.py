"""What each conditional ledger write guards, and the error its failure means.

A guard turns a failed condition (with the item as it was, from ``ALL_OLD``) into the refusal
the client sees: ``RateLimited`` for limits that free up with time, ``QuotaExceeded`` for a spent
budget, ``KeyCapReached`` (the router's signal to move to the next key; clients never see it)
for a capped vault key, with ``reason`` one of ``monthly_spend_cap``, ``monthly_token_cap``,
``free_tier_quota``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from spidergate.dynamo import from_item
from spidergate.errors import Conflict, NoCapacity, QuotaExceeded, RateLimited
from spidergate.routing.metering import KeyCapReached
from spidergate.usage import sliding
from spidergate.usage.sliding import Window

# A budget held only by requests still in flight frees up when they settle, usually within seconds.
IN_FLIGHT_RETRY_SECONDS = 2.0
CONCURRENCY_RETRY_SECONDS = 1.0


class Guard(Protocol):
    def refusal(self, old: dict[str, Any] | None, now: float) -> Exception: ...


def usd(amount: Decimal) -> str:
    """``$1.00`` for cents, more digits only when the amount needs them (``$0.0042``)."""
    if amount == amount.quantize(Decimal("0.01")):
        return f"${amount:.2f}"
    text = f"{amount.quantize(Decimal('0.000001')).normalize():f}"
    return f"${text}"


def _seconds(value: float) -> str:
    return f"{max(1, int(value + 0.999))}s"


def _iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _number(old: dict[str, Any] | None, attr: str) -> Decimal:
    if not old or attr not in old:
        return Decimal(0)
    return Decimal(from_item({attr: old[attr]})[attr])


@dataclass(frozen=True, slots=True)
class WindowGuard:
    """The agent's sliding minute (``usage/sliding.py``): requests < rpm and tokens < tpm over the
    last 60 s. ``start``: the minute the admission counted in."""

    agent_id: str
    rpm: int | None
    tpm: int | None
    start: float

    def windows(
        self, old: dict[str, Any] | None, carried: dict[str, Any] | None, now: float
    ) -> tuple[Window, Window]:
        """The request and token windows as a refused admission found them: this minute's item as
        it was and, when known, the next minute's without this request's carry (else this minute's
        counters stand in for it: never fewer than the next minute can hold)."""
        this = from_item(old or {})
        out = []
        for prefix, less in ((sliding.REQUESTS, 1), (sliding.TOKENS, 0)):
            here = sliding.counters(prefix, this)
            if carried is None:
                ahead = here
            else:
                ahead = sliding.counters(prefix, from_item(carried), less=less, upto=sliding.bucket(now))
            out.append(Window(self.start, here, ahead))
        return out[0], out[1]

    def refusal(self, old: dict[str, Any] | None, now: float) -> Exception:
        return self.refused(*self.windows(old, None, now), now)

    def refused(self, requests: Window, tokens: Window, now: float) -> RateLimited:
        free_at = now
        what = ""
        if self.rpm is not None and requests.count_at(now) >= self.rpm:
            free_at = requests.below_at(now, self.rpm)
            what = f"{self.rpm} requests per minute"
        if self.tpm is not None and tokens.count_at(now) >= self.tpm:
            free_at = max(free_at, tokens.below_at(now, self.tpm))
            what = what or f"{self.tpm} tokens per minute ({tokens.count_at(now)} used)"
        if not what:  # counted meanwhile by another container: name the limit the agent has
            what = (
                f"{self.rpm} requests per minute" if self.rpm is not None else f"{self.tpm} tokens per minute"
            )
        wait = max(free_at - now, 0.001)
        message = f"Rate limit reached for agent {self.agent_id}: {what}. Retry after {_seconds(wait)}."
        return RateLimited(message, retry_after=wait)


@dataclass(frozen=True, slots=True)
class ConcurrencyGuard:
    agent_id: str
    limit: int

    def refusal(self, old: dict[str, Any] | None, now: float) -> Exception:
        wait = CONCURRENCY_RETRY_SECONDS
        message = (
            f"Concurrency limit reached for agent {self.agent_id}: {self.limit} requests in flight. "
            f"Retry after {_seconds(wait)}."
        )
        return RateLimited(message, retry_after=wait)


@dataclass(frozen=True, slots=True)
class BudgetGuard:
    """An agent's or brand's daily or monthly budget: committed + this reserve <= budget."""

    scope: str  # "agent" or "brand"
    owner: str
    period: str  # "day" or "month"
    budget: Decimal
    reserve: Decimal
    resets_at: datetime

    @property
    def name(self) -> str:
        adjective = "daily" if self.period == "day" else "monthly"
        return f"{self.scope} {adjective} budget of {usd(self.budget)}"

    def too_small(self) -> QuotaExceeded:
        """The request's worst case alone exceeds the budget: refused without a round trip."""
        return QuotaExceeded(
            f"Budget too small: {self.name} is below this request's worst-case cost of "
            f"{usd(self.reserve)} ({self.scope} {self.owner}); lower max_tokens or raise the budget."
        )

    def refusal(self, old: dict[str, Any] | None, now: float) -> Exception:
        spent = _number(old, "spent")
        held = _number(old, "reserved")
        if spent + self.reserve > self.budget or held <= 0:
            # "Exhausted" only when it is: otherwise the worst case would overshoot what is left.
            state = "Budget exhausted" if spent >= self.budget else "Budget would be exceeded"
            verb = "is spent" if spent >= self.budget else f"has {usd(self.budget - spent)} left"
            return QuotaExceeded(
                f"{state}: {self.name} {verb} ({self.scope} {self.owner}: {usd(spent)} used, "
                f"this request may cost up to {usd(self.reserve)}). It resets at {_iso(self.resets_at)}."
            )
        # What is left is only held by requests in flight: it comes back when they settle.
        return RateLimited(
            f"Budget busy: {self.name} is held by requests in flight ({self.scope} {self.owner}: "
            f"{usd(spent)} used, {usd(held)} reserved, this request may cost up to {usd(self.reserve)}). "
            f"Retry after {_seconds(IN_FLIGHT_RETRY_SECONDS)}.",
            retry_after=IN_FLIGHT_RETRY_SECONDS,
        )


@dataclass(frozen=True, slots=True)
class KeyGuard:
    """A vault key's monthly spend cap and/or token cap (a free-tier key's caps are its quota)."""

    key_id: str
    usd_cap: Decimal | None
    token_cap: int | None
    free_tier: bool
    reserve: Decimal
    token_estimate: int

    def _reason(self, tokens: bool) -> str:
        if self.free_tier:
            return "free_tier_quota"
        return "monthly_token_cap" if tokens else "monthly_spend_cap"

    def too_small(self) -> KeyCapReached | None:
        """The request alone cannot fit under a cap: skip the key without a round trip."""
        if self.token_cap is not None and self.token_estimate > self.token_cap:
            return KeyCapReached(self.key_id, self._reason(tokens=True))
        if self.usd_cap is not None and self.reserve > self.usd_cap:
            return KeyCapReached(self.key_id, self._reason(tokens=False))
        return None

    def refusal(self, old: dict[str, Any] | None, now: float) -> Exception:
        token_hit = (
            self.token_cap is not None and _number(old, "tokens") + self.token_estimate > self.token_cap
        )
        return KeyCapReached(self.key_id, self._reason(tokens=token_hit or self.usd_cap is None))


@dataclass(frozen=True, slots=True)
class ReservationGuard:
    """The reservation item: new at admission, still open at a switch."""

    request_id: str
    must_exist: bool

    def refusal(self, old: dict[str, Any] | None, now: float) -> Exception:
        if self.must_exist:
            # The sweep refunded it: the request outlived reservation_stale_seconds.
            return NoCapacity(f"request {self.request_id} outlived its reservation; retry the request")
        return Conflict(f"request {self.request_id} was already admitted")
