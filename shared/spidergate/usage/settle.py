"""Settlement: the writes after the upstream call, each a single item, issued concurrently.

- the request record: one conditional put (``attribute_not_exists``), the idempotency anchor of
  the request: a second settle of the same request id writes nothing;
- per counter the request holds (a budget or a capped key): release the hold and add the actual
  spend, only while the counter still lists the request in ``holders``; if the sweep refunded it
  first (the request outlived ``reservation_stale_seconds``), the "late" write adds the spend alone;
- the concurrency slot, the TPM window's tokens, and the reservation item.

An agent without limits or budgets on an uncapped key writes the record and nothing else; the
aggregates are folded from the table's stream (``usage/aggregates.py``), off the hot path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from spidergate.usage import keys
from spidergate.usage.admission import (
    Admission,
    Check,
    release_hold,
    release_slot,
    spend_ttl,
    token_window_writes,
)
from spidergate.usage.aggregates import counter_id
from spidergate.usage.expressions import delete, put_new, update
from spidergate.usage.record import RequestRecord
from spidergate.usage.record_items import record_item


@dataclass(slots=True)
class SettlePlan:
    checks: list[Check]
    record_index: int
    reservation_index: int | None = None
    lates: dict[int, dict[str, Any]] = field(default_factory=dict)  # release index -> late write


def plan_settle(
    table: str, adm: Admission, record: RequestRecord, *, now: float, ttl_days: int
) -> SettlePlan:
    """The settle writes of ``adm`` for ``record`` (plain values; the ledger applies them)."""
    checks = [Check({})]  # the record, once the counters it settles are known
    plan = SettlePlan(checks, record_index=0)
    settled: list[str] = []
    cost = record.cost
    tokens = record.usage.total_tokens
    metered_key = None
    for hold in adm.holds:
        is_key = hold is adm.key_hold
        if is_key:
            metered_key = hold.key
        counted = tokens if is_key else 0
        settled.append(counter_id(hold.key))
        plan.lates[len(checks)] = update(
            table,
            hold.key,
            add={"committed": cost, "spent": cost, "tokens": counted},
            set_if_absent={"expires_at": spend_ttl(hold.key, adm.admitted_at)},
        )
        checks.append(
            Check(
                release_hold(
                    table, hold.key, adm.request_id, reserved=adm.reserved, spent=cost, tokens=counted
                )
            )
        )
    if adm.key_capped and metered_key is None and record.key_id and (cost or tokens):
        # A key with a token cap only: count its tokens (and spend) where the next admission looks.
        key = keys.key_spend_key(adm.brand_id, record.key_id, adm.admitted_at)
        entry = update(
            table,
            key,
            add={"committed": cost, "spent": cost, "tokens": tokens},
            set_if_absent={"expires_at": spend_ttl(key, adm.admitted_at)},
        )
        checks.append(Check(entry))
        settled.append(counter_id(key))
    if adm.concurrency_held:
        checks.append(Check(release_slot(table, adm.agent_id, adm.request_id)))
    if tokens and adm.tpm is not None:
        # TPM counts tokens when they were used, in the sliding window the next admissions check.
        checks += [Check(entry) for entry in token_window_writes(table, adm.agent_id, tokens, now)]
    if adm.reservation_open:
        plan.reservation_index = len(checks)
        checks.append(Check(delete(table, keys.reservation_key(adm.request_id))))
    checks[0] = Check(put_new(table, record_item(record, ttl_days, settled)))
    return plan
