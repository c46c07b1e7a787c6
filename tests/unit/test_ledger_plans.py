"""The transactions the ledger builds: what is in them, what is refused before any round trip."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from spidergate.domain import Budgets, Limits, Principal, ProviderKey
from spidergate.errors import QuotaExceeded
from spidergate.routing.metering import KeyCapReached
from spidergate.usage import keys
from spidergate.usage.admission import Admission, plan_admission
from spidergate.usage.counts import Usage
from spidergate.usage.record import Attempt, RequestRecord
from spidergate.usage.settle import plan_settle
from spidergate.usage.switch import plan_switch

NOW = 1_764_000_019.0
BUDGETS = Budgets(daily_usd=Decimal(5), monthly_usd=Decimal(50))


def principal(**kw: Any) -> Principal:
    return Principal(brand_id="brd_a", agent_id="cli_x", credential_id="ak_1", **kw)


def key(key_id: str = "pk_1", **kw: Any) -> ProviderKey:
    return ProviderKey(
        brand_id="brd_a", key_id=key_id, provider="openai", label="k", masked="…", secret_name="s", **kw
    )


def admit(p: Principal, k: ProviderKey | None = None, worst: str = "0.10", estimate: int = 10) -> Any:
    return plan_admission(
        "t", p, "req_1", key=k or key(), worst_cost=Decimal(worst), token_estimate=estimate, now=NOW
    )


def item_key(entry: dict[str, Any]) -> tuple[str, str]:
    op = next(iter(entry.values()))
    found = op["Key"] if "Key" in op else op["Item"]
    return found["pk"]["S"], found["sk"]["S"]


def test_an_unconstrained_agent_on_an_uncapped_key_needs_no_transaction() -> None:
    adm, checks = admit(principal())
    assert checks == []
    assert (adm.reservation_open, adm.concurrency_held, adm.reserved) == (False, False, 0)


def test_a_fully_constrained_admission_is_nine_single_item_writes() -> None:
    p = principal(limits=Limits(rpm=5, tpm=1000, concurrency=2), agent_budgets=BUDGETS, brand_budgets=BUDGETS)
    adm, checks = admit(p, key(monthly_cap_usd=Decimal(10), monthly_token_cap=10_000))
    carry = checks.pop(1)  # the sliding window's carry into the next minute: unconditional
    assert item_key(carry.entry) == keys.window_key("cli_x", NOW + 60)
    assert carry.guard is None and "ConditionExpression" not in carry.entry["Update"]
    assert [item_key(c.entry) for c in checks] == [
        keys.window_key("cli_x", NOW),
        keys.concurrency_key("cli_x"),
        keys.agent_spend_key("cli_x", "day", NOW),
        keys.agent_spend_key("cli_x", "month", NOW),
        keys.brand_spend_key("brd_a", "day", NOW),
        keys.brand_spend_key("brd_a", "month", NOW),
        keys.key_spend_key("brd_a", "pk_1", NOW),
        keys.reservation_key("req_1"),
    ]
    assert all(c.guard is not None for c in checks)
    assert all(
        next(iter(c.entry.values()))["ReturnValuesOnConditionCheckFailure"] == "ALL_OLD" for c in checks[:-1]
    )
    day = checks[2].entry["Update"]
    values = {v.get("N") for v in day["ExpressionAttributeValues"].values()}
    assert "4.90" in values  # the ceiling: budget 5 - reserve 0.10, compared with committed
    assert adm.reserved == Decimal("0.10")
    assert len(adm.holds) == 5
    reservation = checks[-1].entry["Put"]
    assert reservation["Item"]["gsi1pk"]["S"].startswith("RESOPEN#")
    assert reservation["ConditionExpression"] == "attribute_not_exists(pk)"


def test_a_token_capped_key_is_checked_not_held() -> None:
    adm, checks = admit(principal(), key(monthly_token_cap=1000, free_tier=True), estimate=100)
    assert list(checks[0].entry) == ["Update"]  # a condition riding on a TTL set once
    assert "tokens" in str(checks[0].entry["Update"]["ExpressionAttributeNames"].values())
    assert adm.holds == []
    assert adm.reservation_open is False


def test_a_worst_case_above_the_whole_budget_is_refused_without_a_round_trip() -> None:
    with pytest.raises(
        QuotaExceeded, match=r"brand daily budget of \$1.00 is below this request's worst-case"
    ):
        admit(principal(brand_budgets=Budgets(daily_usd=Decimal(1))), worst="1.50")


def test_a_request_larger_than_a_key_cap_skips_the_key_without_a_round_trip() -> None:
    with pytest.raises(KeyCapReached) as cap:
        admit(principal(), key(monthly_token_cap=50), estimate=100)
    assert cap.value.reason == "monthly_token_cap"


def served(adm: Admission, **kw: Any) -> RequestRecord:
    base: dict[str, Any] = {
        "endpoint": "chat", "requested_model": "fast", "alias": "fast", "started_at": NOW,
        "served_model": "openai/gpt-4o", "provider": "openai", "key_id": "pk_2", "cost": Decimal("0.04"),
        "usage": Usage(prompt_tokens=100, completion_tokens=20),
        "attempts": [Attempt("m", "p", "k", "l", "ok")],
    }  # fmt: skip
    base.update(kw)
    return RequestRecord(request_id=adm.request_id, brand_id=adm.brand_id, agent_id=adm.agent_id, **base)


def test_the_largest_settle_stays_far_below_the_transaction_limit() -> None:
    p = principal(limits=Limits(rpm=5, tpm=1000, concurrency=2), agent_budgets=BUDGETS, brand_budgets=BUDGETS)
    adm, _ = admit(p, key(monthly_cap_usd=Decimal(10)))
    plan = plan_settle("t", adm, served(adm), now=NOW + 61, ttl_days=30)
    touched = [item_key(c.entry) for c in plan.checks]
    assert len(touched) == len(set(touched))  # DynamoDB refuses two operations on one item
    assert len(touched) <= 20
    assert keys.window_key("cli_x", NOW + 61) in touched  # tokens land in the minute they were used
    assert list(plan.checks[plan.record_index].entry) == ["Put"]
    assert plan.reservation_index is not None


def test_settle_merges_the_refund_and_the_spend_on_one_counter() -> None:
    adm, _ = admit(principal(agent_budgets=BUDGETS))
    plan = plan_settle("t", adm, served(adm), now=NOW, ttl_days=30)
    day = next(c.entry["Update"] for c in plan.checks if item_key(c.entry) == adm.holds[0].key)
    numbers = sorted(Decimal(v["N"]) for v in day["ExpressionAttributeValues"].values() if "N" in v)
    # reserved -0.10, committed -0.10 + 0.04, spent 0.04: one write, only while the request holds it
    assert numbers == [Decimal("-0.10"), Decimal("-0.06"), Decimal("0.04")]
    assert day["ConditionExpression"].startswith("contains(")


def test_a_late_settle_adds_the_spend_and_releases_nothing() -> None:
    adm, _ = admit(principal(limits=Limits(concurrency=1), agent_budgets=BUDGETS))
    plan = plan_settle("t", adm, served(adm), now=NOW, ttl_days=30)
    assert len(plan.lates) == len(adm.holds)
    for late in plan.lates.values():
        update = late["Update"]
        assert "ConditionExpression" not in update and "reserved" not in str(update)


def test_a_failed_request_writes_no_spend() -> None:
    adm, _ = admit(principal())
    plan = plan_settle(
        "t", adm, served(adm, cost=Decimal(0), usage=Usage(), status=502, key_id=None), now=NOW, ttl_days=1
    )
    assert not any(item_key(c.entry)[0].startswith(("SPEND#", "RATE#")) for c in plan.checks)


def test_switching_between_uncapped_keys_at_no_higher_cost_changes_nothing_stored() -> None:
    adm, _ = admit(principal(agent_budgets=BUDGETS))
    plan = plan_switch("t", adm, key=key("pk_2"), worst_cost=Decimal("0.05"), now=NOW)
    new = plan.admission
    assert plan.claim == plan.then == []
    assert (new.key_id, new.reserved, new.rev) == ("pk_2", Decimal("0.10"), 0)


def test_switching_to_a_dearer_model_tops_up_every_budget_hold() -> None:
    adm, _ = admit(principal(agent_budgets=BUDGETS, brand_budgets=BUDGETS))
    plan = plan_switch("t", adm, key=key("pk_1"), worst_cost=Decimal("0.25"), now=NOW)
    new = plan.admission
    assert [item_key(c.entry) for c in plan.claim][:4] == [h.key for h in adm.holds]
    assert all(c.undo is not None for c in plan.claim)  # undone together if one refuses
    assert "Update" in plan.then[-1].entry  # the reservation item, rev checked by the sweep
    assert (new.reserved, new.rev) == (Decimal("0.25"), 1)


def test_switching_off_the_last_held_key_deletes_the_reservation() -> None:
    adm, _ = admit(principal(), key(monthly_cap_usd=Decimal(5)))
    plan = plan_switch("t", adm, key=key("pk_2"), worst_cost=Decimal("0.10"), now=NOW)
    new = plan.admission
    assert [next(iter(c.entry)) for c in plan.then] == ["Update", "Delete"]
    assert (new.reservation_open, len(new.holds), new.reserved) == (False, 0, Decimal(0))
