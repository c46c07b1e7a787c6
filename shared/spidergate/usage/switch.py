"""Moving an admitted request to another key or model: only the key part and any top-up change."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from decimal import Decimal

from spidergate.domain import ProviderKey
from spidergate.usage.admission import (
    Admission,
    Check,
    Hold,
    hold_check,
    key_checks,
    release_hold,
    reservation_check,
)
from spidergate.usage.expressions import delete
from spidergate.usage.guards import BudgetGuard, KeyGuard, ReservationGuard
from spidergate.usage.keys import reservation_key


@dataclass(slots=True)
class SwitchPlan:
    """``claim``: the writes that may refuse (top-ups, the new key's cap), undone together on a
    refusal; ``then``: what follows once they all passed (the old key's release, the reservation)."""

    admission: Admission
    claim: list[Check] = field(default_factory=list)
    then: list[Check] = field(default_factory=list)


def plan_switch(
    table: str, adm: Admission, *, key: ProviderKey, worst_cost: Decimal, now: float
) -> SwitchPlan:
    """The admission as it will be after the switch, and the writes taking it there.

    No writes means nothing in DynamoDB changes (no cap on either key and no dearer worst case):
    the caller adopts the new state without a round trip. The reservation only grows: a cheaper
    fallback keeps the larger hold, and settle refunds the difference.
    """
    rid = adm.request_id
    new_reserved = max(adm.reserved, worst_cost)
    delta = new_reserved - adm.reserved
    plan = SwitchPlan(adm)
    holds: list[Hold] = []
    for hold in adm.budget_holds:
        assert isinstance(hold.guard, BudgetGuard)
        guard = dataclasses.replace(hold.guard, reserve=new_reserved)
        if new_reserved > guard.budget:
            raise guard.too_small()
        moved = Hold(hold.key, guard)
        if delta > 0:
            plan.claim.append(hold_check(table, moved, delta, now, rid, new=False))
        holds.append(moved)

    old_key_hold = adm.key_hold
    new_key_hold: Hold | None = None
    key_capped = adm.key_capped
    if key.key_id == adm.key_id:
        if old_key_hold is not None:
            assert isinstance(old_key_hold.guard, KeyGuard)
            guard_k = dataclasses.replace(old_key_hold.guard, reserve=new_reserved)
            refused = guard_k.too_small()
            if refused is not None:
                raise refused
            new_key_hold = Hold(old_key_hold.key, guard_k)
            if delta > 0:
                plan.claim.append(hold_check(table, new_key_hold, delta, now, rid, new=False))
    else:
        key_part, new_key_hold = key_checks(table, key, new_reserved, adm.token_estimate, now, rid)
        key_capped = bool(key_part)
        if old_key_hold is not None:
            plan.then.append(Check(release_hold(table, old_key_hold.key, rid, reserved=adm.reserved)))
        plan.claim += key_part
    if new_key_hold is not None:
        holds.append(new_key_hold)

    moved_holds = key.key_id != adm.key_id and (old_key_hold is not None or new_key_hold is not None)
    holds_changed = moved_holds or (delta > 0 and bool(holds))
    new = dataclasses.replace(adm, key_id=key.key_id, holds=holds, key_capped=key_capped)
    plan.admission = new
    if not holds_changed:
        return plan
    new.reserved = new_reserved if holds else Decimal(0)
    new.rev = adm.rev + 1
    new.reservation_open = bool(holds) or adm.concurrency_held
    if new.reservation_open:
        plan.then.append(reservation_check(table, new, new=not adm.reservation_open))
    elif adm.reservation_open:
        guard_r = ReservationGuard(adm.request_id, must_exist=True)
        plan.then.append(Check(delete(table, reservation_key(adm.request_id)), guard_r))
    return plan
