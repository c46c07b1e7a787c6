"""Admission: the conditional single-item writes before the upstream call, and what settle needs.

Each counter (the agent's minute window, its concurrency, every spend counter with a budget or
cap) is its own conditional UpdateItem; the ledger issues them concurrently with the reservation
item and undoes the ones that succeeded when another refuses. A counter holding a request keeps
its id in the string set ``holders``: a release (settle) or refund (sweep) applies only while the
id is there, so each happens exactly once whichever comes first, and a hold that never landed is
never refunded.

Budget scheme ("committed" form). Each spend counter (agent/brand day/month, key month) keeps
``committed`` = ``spent`` + ``reserved``. Conditions have no arithmetic, so the arithmetic moves to
the value side: admitting ``reserve`` against ``budget`` is the condition
``committed <= :ceiling`` with ``:ceiling = budget - reserve`` computed here from the budget the
Principal carries *now*. A budget raised, lowered or newly set later is honoured on the next
admission, because settle always adds actual spend to every counter whether or not a budget
was set when the request started. A reserve larger than the whole budget is refused locally.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from spidergate.domain import Budgets, Principal, ProviderKey
from spidergate.usage import keys, sliding
from spidergate.usage.expressions import Expr, delete, put_new, update
from spidergate.usage.guards import (
    BudgetGuard,
    ConcurrencyGuard,
    Guard,
    KeyGuard,
    ReservationGuard,
    WindowGuard,
)
from spidergate.usage.sliding import Window

WINDOW_TTL_SECONDS = 3600
DAY_SPEND_TTL_SECONDS = 40 * 86400
MONTH_SPEND_TTL_SECONDS = 400 * 86400
# A backstop only: the sweep refunds a reservation long before this.
RESERVATION_TTL_SECONDS = 7 * 86400
HOLDERS = "holders"  # string set of the request ids a counter holds


@dataclass(slots=True)
class Hold:
    """A spend counter holding the reservation (refunded at settle, or by the sweep)."""

    key: keys.Key
    guard: BudgetGuard | KeyGuard


@dataclass(frozen=True, slots=True)
class Check:
    """One single-item write and, if it is conditional, what its failure means and how to undo it."""

    entry: dict[str, Any]
    guard: Guard | None = None
    undo: dict[str, Any] | None = None  # reverts ``entry`` when another write of the same step refuses


@dataclass(slots=True)
class Admission:
    """An admitted request: what settle, switch and the rate-limit headers need."""

    request_id: str
    brand_id: str
    agent_id: str
    admitted_at: float
    key_id: str | None
    reserved: Decimal = Decimal(0)
    holds: list[Hold] = field(default_factory=list)
    concurrency_held: bool = False
    key_capped: bool = False  # the key has a cap: settle counts its spend and tokens
    reservation_open: bool = False  # a RES# item exists (something to refund or release)
    rev: int = 0  # bumped by every change to the reservation item (the sweep deletes on a match)
    # Rate-limit state for the x-ratelimit-* headers.
    rpm: int | None = None
    tpm: int | None = None
    requests_used: int = 0  # in the last 60 s, this request included
    tokens_used: int = 0  # in the last 60 s, before this request
    request_window: Window | None = None  # the sliding counts as the admission saw them
    token_window: Window | None = None
    token_estimate: int = 0
    counts_exact: bool = False  # read back from DynamoDB rather than estimated in this container
    round_trips: int = 0  # DynamoDB calls made for this request so far (admit + switch + settle)

    @property
    def key_hold(self) -> Hold | None:
        return next((h for h in self.holds if isinstance(h.guard, KeyGuard)), None)

    @property
    def budget_holds(self) -> list[Hold]:
        return [h for h in self.holds if isinstance(h.guard, BudgetGuard)]


def plan_admission(
    table: str,
    principal: Principal,
    request_id: str,
    *,
    key: ProviderKey,
    worst_cost: Decimal,
    token_estimate: int,
    now: float,
) -> tuple[Admission, list[Check]]:
    """The admission and its writes; raises the refusal when one is certain without a round trip."""
    limits = principal.limits
    adm = Admission(
        request_id=request_id,
        brand_id=principal.brand_id,
        agent_id=principal.agent_id,
        admitted_at=now,
        key_id=key.key_id,
        rpm=limits.rpm,
        tpm=limits.tpm,
        token_estimate=token_estimate,
    )
    checks: list[Check] = []
    if limits.rpm is not None or limits.tpm is not None:
        checks += window_checks(table, principal.agent_id, limits.rpm, limits.tpm, now)
    if limits.concurrency is not None:
        checks.append(concurrency_check(table, principal.agent_id, limits.concurrency, request_id))
        adm.concurrency_held = True
    for hold in budget_holds(principal, worst_cost, now):
        checks.append(hold_check(table, hold, worst_cost, now, request_id))
        adm.holds.append(hold)
    key_part, key_hold = key_checks(table, key, worst_cost, token_estimate, now, request_id)
    checks += key_part
    adm.key_capped = bool(key_part)
    if key_hold is not None:
        adm.holds.append(key_hold)
    if adm.holds:
        adm.reserved = worst_cost
    if adm.holds or adm.concurrency_held:
        adm.reservation_open = True
        checks.append(reservation_check(table, adm, new=True))
    return adm, checks


def window_checks(table: str, agent_id: str, rpm: int | None, tpm: int | None, now: float) -> list[Check]:
    """The sliding window (``usage/sliding.py``): +1 request in every counter of this minute if the
    count of the last 60 s is below rpm (and its tokens below tpm), and +1 carried into the next
    minute's counters, concurrently; both return their new counters (for the headers)."""
    e = Expr()
    j = sliding.bucket(now)
    cond = []
    if rpm is not None:
        cond.append(e.below(sliding.attr(sliding.REQUESTS, j), rpm))
    if tpm is not None:
        cond.append(e.below(sliding.attr(sliding.TOKENS, j), tpm))
    this_key, next_key = keys.window_key(agent_id, now), keys.window_key(agent_id, now + 60)
    entry = update(
        table,
        this_key,
        add=sliding.counted(sliding.REQUESTS, 1),
        set_if_absent={"expires_at": window_ttl(now)},
        condition=cond,
        expr=e,
    )
    entry["Update"]["ReturnValues"] = "ALL_NEW"
    undo = update(table, this_key, add=sliding.counted(sliding.REQUESTS, -1))
    carry = update(
        table,
        next_key,
        add=sliding.carried(sliding.REQUESTS, now, 1),
        set_if_absent={"expires_at": window_ttl(now + 60)},
    )
    carry["Update"]["ReturnValues"] = "ALL_NEW"
    uncarry = update(table, next_key, add=sliding.carried(sliding.REQUESTS, now, -1))
    guard = WindowGuard(agent_id, rpm, tpm, sliding.minute_start(now))
    return [Check(entry, guard, undo), Check(carry, None, uncarry)]


def window_ttl(now: float) -> int:
    return int(keys.minute_end(now)) + WINDOW_TTL_SECONDS


def token_window_writes(table: str, agent_id: str, tokens: int, now: float) -> list[dict[str, Any]]:
    """Settle's tokens in the sliding window: every counter of this minute, carried into the next."""
    return [
        update(
            table,
            keys.window_key(agent_id, now),
            add=sliding.counted(sliding.TOKENS, tokens),
            set_if_absent={"expires_at": window_ttl(now)},
        ),
        update(
            table,
            keys.window_key(agent_id, now + 60),
            add=sliding.carried(sliding.TOKENS, now, tokens),
            set_if_absent={"expires_at": window_ttl(now + 60)},
        ),
    ]


def concurrency_check(table: str, agent_id: str, limit: int, request_id: str) -> Check:
    e = Expr()
    entry = update(
        table,
        keys.concurrency_key(agent_id),
        add={"held": 1},
        add_members={HOLDERS: request_id},
        condition=[e.below("held", limit)],
        expr=e,
    )
    return Check(entry, ConcurrencyGuard(agent_id, limit), release_slot(table, agent_id, request_id))


def release_slot(table: str, agent_id: str, request_id: str) -> dict[str, Any]:
    """Give back the concurrency slot ``request_id`` holds (only while it holds it)."""
    e = Expr()
    return update(
        table,
        keys.concurrency_key(agent_id),
        add={"held": -1},
        delete_members={HOLDERS: request_id},
        condition=[e.holds(HOLDERS, request_id)],
        expr=e,
    )


def release_hold(
    table: str,
    key: keys.Key,
    request_id: str,
    *,
    reserved: Decimal,
    spent: Decimal = Decimal(0),
    tokens: int = 0,
) -> dict[str, Any]:
    """Release ``request_id``'s hold on a spend counter, adding what it really spent (only while
    the counter still holds it: a settle and a sweep refund cannot both apply)."""
    e = Expr()
    return update(
        table,
        key,
        add={"committed": spent - reserved, "reserved": -reserved, "spent": spent, "tokens": tokens},
        delete_members={HOLDERS: request_id},
        condition=[e.holds(HOLDERS, request_id)],
        expr=e,
    )


def budget_holds(principal: Principal, reserve: Decimal, now: float) -> list[Hold]:
    """A hold on every agent/brand counter that has a budget; refuses a reserve above a budget."""
    holds: list[Hold] = []
    scopes: tuple[tuple[str, str, Budgets], ...] = (
        ("agent", principal.agent_id, principal.agent_budgets),
        ("brand", principal.brand_id, principal.brand_budgets),
    )
    for scope, owner, budgets in scopes:
        for period, budget in (("day", budgets.daily_usd), ("month", budgets.monthly_usd)):
            if budget is None:
                continue
            resets = keys.day_end(now) if period == "day" else keys.month_end(now)
            guard = BudgetGuard(scope, owner, period, budget, reserve, resets)
            if reserve > budget:
                raise guard.too_small()
            if scope == "agent":
                key = keys.agent_spend_key(owner, period, now)
            else:
                key = keys.brand_spend_key(owner, period, now)
            holds.append(Hold(key, guard))
    return holds


def spend_ttl(key: keys.Key, now: float) -> int:
    return int(now) + (DAY_SPEND_TTL_SECONDS if key[1].startswith("DAY#") else MONTH_SPEND_TTL_SECONDS)


def hold_check(
    table: str, hold: Hold, amount: Decimal, now: float, request_id: str, *, new: bool = True
) -> Check:
    """Reserve ``amount`` more on ``hold``'s counter if it stays within the guard's budget or cap;
    ``new``: the request starts holding the counter (else it tops up a hold it has)."""
    guard = hold.guard
    limit = guard.budget if isinstance(guard, BudgetGuard) else guard.usd_cap
    assert limit is not None
    e = Expr()
    cond = [e.at_most("committed", limit - amount)]
    if isinstance(guard, KeyGuard) and guard.token_cap is not None:
        cond.append(e.at_most("tokens", guard.token_cap - guard.token_estimate))
    entry = update(
        table,
        hold.key,
        add={"committed": amount, "reserved": amount},
        set_if_absent={"expires_at": spend_ttl(hold.key, now)},
        add_members={HOLDERS: request_id} if new else None,
        condition=cond,
        expr=e,
    )
    if new:
        undo = release_hold(table, hold.key, request_id, reserved=amount)
    else:
        undo = update(table, hold.key, add={"committed": -amount, "reserved": -amount})
    return Check(entry, guard, undo)


def key_checks(
    table: str, key: ProviderKey, reserve: Decimal, token_estimate: int, now: float, request_id: str
) -> tuple[list[Check], Hold | None]:
    """The chosen key's cap check: a hold when it has a spend cap, a bare check for a token cap."""
    if key.monthly_cap_usd is None and key.monthly_token_cap is None:
        return [], None
    guard = KeyGuard(
        key.key_id, key.monthly_cap_usd, key.monthly_token_cap, key.free_tier, reserve, token_estimate
    )
    refused = guard.too_small()
    if refused is not None:
        raise refused
    spend_key = keys.key_spend_key(key.brand_id, key.key_id, now)
    if key.monthly_cap_usd is not None:
        hold = Hold(spend_key, guard)
        return [hold_check(table, hold, reserve, now, request_id)], hold
    assert key.monthly_token_cap is not None
    e = Expr()
    cond = [e.at_most("tokens", key.monthly_token_cap - token_estimate)]
    # A check only; the write (a TTL set once) is what a single-item condition needs to ride on.
    entry = update(
        table, spend_key, set_if_absent={"expires_at": spend_ttl(spend_key, now)}, condition=cond, expr=e
    )
    return [Check(entry, guard)], None


def reservation_check(table: str, adm: Admission, *, new: bool) -> Check:
    """Write the reservation item: what the sweep must refund if the request never settles."""
    gsi1pk, gsi1sk = keys.reservation_index(adm.request_id, adm.admitted_at)
    state = {
        "request_id": adm.request_id,
        "brand_id": adm.brand_id,
        "agent_id": adm.agent_id,
        "key_id": adm.key_id,
        "reserved": adm.reserved,
        "holds": [{"pk": h.key[0], "sk": h.key[1]} for h in adm.holds],
        "concurrency": adm.concurrency_held,
        "rev": adm.rev,
    }
    guard = ReservationGuard(adm.request_id, must_exist=not new)
    pk, sk = keys.reservation_key(adm.request_id)
    if new:
        item = {
            "pk": pk,
            "sk": sk,
            "gsi1pk": gsi1pk,
            "gsi1sk": gsi1sk,
            "created_at": adm.admitted_at,
            "expires_at": int(adm.admitted_at) + RESERVATION_TTL_SECONDS,
            **state,
        }
        return Check(put_new(table, item), guard, delete(table, (pk, sk), condition=None))
    e = Expr()
    entry = update(table, (pk, sk), set_=state, condition=[f"attribute_exists({e.name('pk')})"], expr=e)
    return Check(entry, guard)
