"""What a failed condition means to the client: the refusal and its message."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from spidergate.dynamo import to_item
from spidergate.errors import Conflict, NoCapacity, QuotaExceeded, RateLimited
from spidergate.routing.metering import KeyCapReached
from spidergate.usage.guards import (
    BudgetGuard,
    ConcurrencyGuard,
    KeyGuard,
    ReservationGuard,
    WindowGuard,
    usd,
)

MIDNIGHT = datetime(2025, 11, 26, tzinfo=UTC)


def test_usd_shows_cents_and_more_only_when_needed() -> None:
    assert usd(Decimal(1)) == "$1.00"
    assert usd(Decimal("12.5")) == "$12.50"
    assert usd(Decimal("0.0042")) == "$0.0042"
    assert usd(Decimal("0.0000001")) == "$0"


def test_the_window_names_the_limit_that_was_hit_and_when_it_frees() -> None:
    guard = WindowGuard("cli_x", rpm=5, tpm=1000, start=60.0)
    # 5 requests this minute, all in its first bucket (carried into the next minute's bucket 0).
    this = to_item({f"r{i}": 5 for i in range(12)} | {f"t{i}": 10 for i in range(12)})
    carried = to_item({"r0": 5 + 1})  # the refused request's own carry, taken off again
    by_requests = guard.refused(*guard.windows(this, carried, 80.0), 80.0)
    assert (
        by_requests.message == "Rate limit reached for agent cli_x: 5 requests per minute. Retry after 45s."
    )
    assert by_requests.headers["retry-after"] == "45"  # at 125 s, when bucket 0 of the next minute ends
    # Without the next minute's counters the bound is this minute's: no sooner than the minute after.
    assert guard.refusal(this, now=80.0).retry_after == 100.0
    heavy = to_item({f"r{i}": 2 for i in range(12)} | {f"t{i}": 1200 for i in range(8)})
    by_tokens = guard.refused(*guard.windows(heavy, {}, 99.5), 99.5)
    assert (
        by_tokens.message
        == "Rate limit reached for agent cli_x: 1000 tokens per minute (1200 used). Retry after 1s."
    )
    assert by_tokens.retry_after == 0.5  # bucket 8 (from 100 s) counts no tokens
    # Both limits hit: the later of the two frees the request.
    both = to_item({f"r{i}": 5 for i in range(12)} | {f"t{i}": 1200 for i in range(6)})
    assert guard.refused(*guard.windows(both, {}, 80.0), 80.0).retry_after == 40.0  # not 16 s


def test_concurrency_refusal_is_retryable() -> None:
    refusal = ConcurrencyGuard("cli_x", 3).refusal(None, now=0)
    assert isinstance(refusal, RateLimited)
    assert "3 requests in flight" in refusal.message


def budget(reserve: str = "0.10") -> BudgetGuard:
    return BudgetGuard("agent", "cli_x", "day", Decimal(1), Decimal(reserve), MIDNIGHT)


def test_a_spent_budget_is_a_final_quota_refusal() -> None:
    refusal = budget().refusal(to_item({"spent": Decimal("1.00"), "reserved": Decimal(0)}), now=0)
    assert isinstance(refusal, QuotaExceeded)
    assert refusal.headers["x-should-retry"] == "false"
    assert refusal.message.startswith(
        "Budget exhausted: agent daily budget of $1.00 is spent (agent cli_x: $1.00"
    )
    assert "resets at 2025-11-26T00:00:00Z" in refusal.message


def test_a_budget_with_too_little_left_is_not_called_exhausted() -> None:
    refusal = budget().refusal(to_item({"spent": Decimal("0.95"), "reserved": Decimal(0)}), now=0)
    assert isinstance(refusal, QuotaExceeded)
    assert refusal.message.startswith(
        "Budget would be exceeded: agent daily budget of $1.00 has $0.05 left (agent cli_x: $0.95 used"
    )
    untouched = budget("1.50").refusal(None, now=0)
    assert "Budget would be exceeded" in untouched.message and "$0.00 used" in untouched.message


def test_a_budget_held_by_requests_in_flight_is_worth_retrying() -> None:
    refusal = budget().refusal(to_item({"spent": Decimal("0.50"), "reserved": Decimal("0.45")}), now=0)
    assert isinstance(refusal, RateLimited)
    assert refusal.message.startswith(
        "Budget busy: agent daily budget of $1.00 is held by requests in flight"
    )
    assert refusal.retry_after == 2.0


def test_a_request_dearer_than_the_budget_says_so() -> None:
    refusal = BudgetGuard("brand", "brd_a", "month", Decimal(1), Decimal("1.50"), MIDNIGHT).too_small()
    assert refusal.message.startswith("Budget too small: ")
    assert "brand monthly budget of $1.00 is below this request's worst-case cost of $1.50" in refusal.message


def test_key_caps_give_a_short_reason_for_the_router() -> None:
    spend = KeyGuard("pk_1", Decimal(5), None, False, Decimal("0.10"), 10)
    assert spend.refusal(to_item({"committed": Decimal("4.95")}), now=0).reason == "monthly_spend_cap"  # type: ignore[attr-defined]
    both = KeyGuard("pk_1", Decimal(5), 1000, False, Decimal("0.10"), 10)
    hit = both.refusal(to_item({"committed": Decimal(1), "tokens": 995}), now=0)
    assert isinstance(hit, KeyCapReached)
    assert hit.reason == "monthly_token_cap"
    free = KeyGuard("pk_2", None, 1000, True, Decimal(0), 2000).too_small()
    assert free is not None
    assert (free.key_id, free.reason) == ("pk_2", "free_tier_quota")
    assert both.too_small() is None


def test_reservation_refusals() -> None:
    assert isinstance(ReservationGuard("r1", must_exist=False).refusal(None, 0), Conflict)
    assert isinstance(ReservationGuard("r1", must_exist=True).refusal(None, 0), NoCapacity)
