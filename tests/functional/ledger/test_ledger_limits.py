"""The ledger against DynamoDB over HTTP (a moto server): rate limits, concurrency and key caps."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from spidergate.domain import Budgets, Limits
from spidergate.errors import RateLimited
from spidergate.routing.metering import KeyCapReached
from spidergate.usage import keys
from tests.functional.ledger.harness import (
    BRAND,
    T0,
    WORST,
    CallCounter,
    Clock,
    agent_day,
    drain,
    item,
    key,
    ledger_for,
    principal,
    record,
)


# -- rate limits -----------------------------------------------------------------------------
async def test_sixth_request_in_sixty_seconds_is_refused_until_the_first_leaves_the_window(
    table: tuple[Any, str],
) -> None:
    clock = Clock()
    ledger = ledger_for(table, clock)
    agent = principal(limits=Limits(rpm=5))
    admitted = [
        await ledger.admit(agent, f"r{i}", key=key(), worst_cost=WORST, token_estimate=10) for i in range(5)
    ]
    assert ledger.headers(admitted[0])["x-ratelimit-remaining-requests"] == "4"
    # Admitted 19 s into a minute (the 15-20 s bucket): they leave the window 60-61 s later.
    assert ledger.headers(admitted[4]) == {
        "x-ratelimit-limit-requests": "5",
        "x-ratelimit-remaining-requests": "0",
        "x-ratelimit-reset-requests": "1m1s",
    }
    with pytest.raises(RateLimited) as refused:
        await ledger.admit(agent, "r5", key=key(), worst_cost=WORST, token_estimate=10)
    assert refused.value.retry_after == pytest.approx(61)
    assert refused.value.headers["retry-after"] == "61"
    assert (
        refused.value.message == "Rate limit reached for agent cli_x: 5 requests per minute. Retry after 61s."
    )
    clock.now += 41  # a new minute: a fixed window would admit here
    with pytest.raises(RateLimited) as still:
        await ledger.admit(agent, "r6", key=key(), worst_cost=WORST, token_estimate=10)
    assert still.value.retry_after == pytest.approx(20)
    clock.now += 20
    assert (
        await ledger.admit(agent, "r7", key=key(), worst_cost=WORST, token_estimate=10)
    ).requests_used == 1


async def test_rpm_admits_at_most_rpm_in_any_sixty_seconds_across_a_boundary(table: tuple[Any, str]) -> None:
    """The reported attack: ``rpm 10`` let 20 through in 5.5 s around a minute boundary. Here a
    request every 0.5 s for three minutes: no 60 s span ever holds more than 10 admissions, and
    the limit is not starved either (10 admitted per minute)."""
    minute = T0 - 19 + 60  # a minute boundary
    clock = Clock()
    clock.now = minute - 5.5
    ledger = ledger_for(table, clock)
    agent = principal(limits=Limits(rpm=10))
    admitted: list[float] = []
    refused: list[tuple[float, float]] = []  # (when, Retry-After)
    for n in range(360):
        try:
            await ledger.admit(agent, f"q{n}", key=key(), worst_cost=WORST, token_estimate=1)
            admitted.append(clock.now)
        except RateLimited as error:
            refused.append((clock.now, error.retry_after))
        clock.now += 0.5
    assert admitted[:10] == [minute - 5.5 + 0.5 * i for i in range(10)]  # a burst before the boundary
    assert all(t >= minute + 54.5 for t in admitted[10:])  # nothing more until the burst left
    worst = max(sum(1 for u in admitted if t <= u < t + 60) for t in admitted)
    assert worst == 10
    assert len(admitted) >= 30  # three minutes: about 10 a minute get through
    # Retry-After is right: the first request sent at or after it is admitted, none before it.
    for when, wait in refused:
        first = next((a for a in admitted if a > when), None)
        if first is not None:
            assert when + wait <= first < when + wait + 0.5


async def test_concurrency_limit_is_released_by_settle_and_untouched_by_a_refusal(
    table: tuple[Any, str],
) -> None:
    ledger = ledger_for(table, Clock())
    agent = principal(limits=Limits(concurrency=2), agent_budgets=Budgets(daily_usd=Decimal("0.35")))
    first = await ledger.admit(agent, "r1", key=key(), worst_cost=WORST, token_estimate=10)
    await ledger.admit(agent, "r2", key=key(), worst_cost=WORST, token_estimate=10)
    with pytest.raises(RateLimited, match="Concurrency limit reached for agent cli_x: 2 requests in flight"):
        await ledger.admit(agent, "r3", key=key(), worst_cost=WORST, token_estimate=10)
    assert item(table, keys.concurrency_key("cli_x"))["held"] == 2
    assert item(table, agent_day())["committed"] == Decimal("0.20")  # the refused one took nothing
    await ledger.settle(first, record(first, cost="0.05"))
    assert item(table, keys.concurrency_key("cli_x"))["held"] == 1
    # Now the budget refuses (0.05 spent + 0.10 held + 0.25 > 0.35): concurrency must not leak.
    with pytest.raises(
        RateLimited, match=r"Budget busy: agent daily budget of \$0.35 is held by requests in flight"
    ):
        await ledger.admit(agent, "r4", key=key(), worst_cost=Decimal("0.25"), token_estimate=10)
    assert item(table, keys.concurrency_key("cli_x"))["held"] == 1
    assert item(table, agent_day())["committed"] == Decimal("0.15")


# -- key caps ----------------------------------------------------------------------------------
async def test_a_capped_key_is_skipped_and_another_key_admits_without_double_counting(
    table: tuple[Any, str],
) -> None:
    ledger = ledger_for(table, Clock())
    agent = principal(limits=Limits(rpm=10), agent_budgets=Budgets(daily_usd=Decimal(5)))
    capped = key("pk_capped", monthly_cap_usd=Decimal("0.15"))
    first = await ledger.admit(agent, "r1", key=capped, worst_cost=WORST, token_estimate=10)
    await ledger.settle(first, record(first, cost="0.10"))
    with pytest.raises(KeyCapReached) as cap:
        await ledger.admit(agent, "r2", key=capped, worst_cost=WORST, token_estimate=10)
    assert (cap.value.key_id, cap.value.reason) == ("pk_capped", "monthly_spend_cap")
    second = await ledger.admit(agent, "r2", key=key("pk_free"), worst_cost=WORST, token_estimate=10)
    assert item(table, keys.window_key("cli_x", T0))["r3"] == 2  # 19 s in: the 15-20 s bucket
    assert item(table, agent_day())["committed"] == Decimal("0.20")  # 0.10 spent + 0.10 held by r2
    await ledger.settle(second, record(second, cost="0.04"))
    assert item(table, keys.key_spend_key(BRAND, "pk_capped", T0))["spent"] == Decimal("0.10")
    drain(table)  # an uncapped key's spend is folded from the stream
    assert item(table, keys.key_spend_key(BRAND, "pk_capped", T0))["spent"] == Decimal("0.10")
    assert item(table, keys.key_spend_key(BRAND, "pk_free", T0))["spent"] == Decimal("0.04")


async def test_a_free_tier_key_stops_at_its_token_quota(table: tuple[Any, str]) -> None:
    ledger = ledger_for(table, Clock())
    free = key("pk_ft", monthly_token_cap=1000, free_tier=True)
    first = await ledger.admit(principal(), "r1", key=free, worst_cost=WORST, token_estimate=100)
    await ledger.settle(first, record(first, cost="0", tokens=950))
    with pytest.raises(KeyCapReached) as cap:
        await ledger.admit(principal(), "r2", key=free, worst_cost=WORST, token_estimate=100)
    assert cap.value.reason == "free_tier_quota"
    assert (
        await ledger.admit(principal(), "r3", key=free, worst_cost=WORST, token_estimate=50)
    ).key_id == "pk_ft"


async def test_switch_moves_the_key_hold_and_tops_up_a_dearer_fallback(table: tuple[Any, str]) -> None:
    ledger = ledger_for(table, Clock())
    counter = CallCounter(table[0])
    agent = principal(agent_budgets=Budgets(daily_usd=Decimal("1.00")))
    adm = await ledger.admit(
        agent, "r1", key=key("pk_a", monthly_cap_usd=Decimal(1)), worst_cost=WORST, token_estimate=1
    )
    counter.calls.clear()
    await ledger.switch(adm, key=key("pk_b"), worst_cost=Decimal("0.05"))  # releases pk_a's hold
    assert counter.total == 2  # pk_a's release and the reservation's update, in one round trip
    assert item(table, keys.key_spend_key(BRAND, "pk_a", T0))["committed"] == 0
    await ledger.switch(adm, key=key("pk_c"), worst_cost=Decimal("0.08"))  # nothing to move
    assert counter.total == 2
    assert adm.key_id == "pk_c"
    with pytest.raises(KeyCapReached):
        await ledger.switch(adm, key=key("pk_d", monthly_cap_usd=Decimal("0.10")), worst_cost=Decimal("0.30"))
    assert (adm.key_id, adm.reserved) == ("pk_c", WORST)  # unchanged by the refusal
    await ledger.switch(adm, key=key("pk_c"), worst_cost=Decimal("0.30"))  # dearer: top up
    assert item(table, agent_day())["reserved"] == Decimal("0.30")
    await ledger.settle(adm, record(adm, cost="0.12"))
    assert item(table, agent_day()) | {"expires_at": 0} == {
        "pk": agent_day()[0], "sk": agent_day()[1], "committed": Decimal("0.12"), "reserved": 0,
        "spent": Decimal("0.12"), "expires_at": 0,
    }  # fmt: skip


# -- exits and refusals ------------------------------------------------------------------------
async def test_a_request_whose_caller_lost_the_admission_still_releases_its_holds(
    table: tuple[Any, str],
) -> None:
    """An unexpected exception between admission and the response: settle(None, ...) finds the
    admission by request id, so the concurrency slot and the reservation are given back."""
    ledger = ledger_for(table, Clock())
    agent = principal(limits=Limits(concurrency=1), agent_budgets=Budgets(daily_usd=Decimal(1)))
    adm = await ledger.admit(agent, "r1", key=key(), worst_cost=WORST, token_estimate=1)
    await ledger.settle(None, record(adm, status=500, cost="0"))
    assert item(table, keys.concurrency_key("cli_x"))["held"] == 0
    assert item(table, agent_day())["committed"] == 0
    assert item(table, keys.reservation_key("r1")) == {}
    assert (await ledger.admit(agent, "r2", key=key(), worst_cost=WORST, token_estimate=1)).concurrency_held


async def test_a_rate_limit_refusal_carries_the_ratelimit_headers(table: tuple[Any, str]) -> None:
    ledger = ledger_for(table, Clock())
    agent = principal(limits=Limits(rpm=2, tpm=10_000))
    for n in range(2):
        await ledger.admit(agent, f"r{n}", key=key(), worst_cost=WORST, token_estimate=10)
    with pytest.raises(RateLimited) as refused:
        await ledger.admit(agent, "r2", key=key(), worst_cost=WORST, token_estimate=10)
    headers = refused.value.headers
    assert headers["x-ratelimit-limit-requests"] == "2"
    assert headers["x-ratelimit-remaining-requests"] == "0"
    assert headers["x-ratelimit-reset-requests"] == "1m1s"  # when the first leaves the 60 s window
    assert headers["x-ratelimit-limit-tokens"] == "10000"
    assert "retry-after" in headers
