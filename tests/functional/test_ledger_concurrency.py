"""The ledger against DynamoDB's API over HTTP (a moto server): limits, budgets and key caps under
concurrency, settle idempotency, the refund sweep, round-trip counts and the usage reports."""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import boto3
import pytest
from botocore.config import Config
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from moto.server import ThreadedMotoServer
from werkzeug.serving import make_server

from spidergate.domain import Budgets, Limits, Principal, ProviderKey
from spidergate.dynamo import from_item
from spidergate.errors import InvalidRequest, QuotaExceeded, RateLimited
from spidergate.local.tables import create_tables
from spidergate.routing.metering import KeyCapReached
from spidergate.settings import Settings
from spidergate.usage import keys
from spidergate.usage.counts import Usage
from spidergate.usage.ledger import Admission, Ledger
from spidergate.usage.record import RequestRecord
from spidergate.usage.reports import UsageReports
from spidergate.usage.sweep import sweep_reservations

T0 = 1_764_000_000 + 19.0  # 19 s into a UTC minute: the window resets 41 s later
BRAND = "brd_a"
WORST = Decimal("0.10")


# -- a DynamoDB endpoint ---------------------------------------------------------------------
class SerialMotoServer(ThreadedMotoServer):
    """ThreadedMotoServer applying one request at a time.

    moto runs a TransactWriteItems step by step on shared dicts and rolls back by swapping in a
    copy of the table, so two requests in parallel can lose each other's writes. DynamoDB applies
    every request atomically (transactions are serializable); serving requests one at a time
    restores exactly that, while the clients stay truly concurrent.
    """

    def _server_entry(self) -> None:
        app = DomainDispatcherApplication(create_backend_app)
        lock = threading.Lock()

        def serial(environ: dict[str, Any], start_response: Any) -> Any:
            with lock:
                return app(environ, start_response)

        self._server = make_server(
            self._ip_address, self._port, serial, True, request_handler=MotoRequestHandler
        )
        self._server_ready_event.set()
        self._server.serve_forever()


def create_usage_table(ddb: Any, name: str) -> None:
    """The UsageTable as template.yaml defines it (keys, gsi1, TTL), under the name ``name``."""
    assert name in create_tables(ddb, Settings(usage_table=name, vault_table=f"{name}-vault"))


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = SerialMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def dynamodb(endpoint: str) -> Any:
    return boto3.session.Session().client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(max_pool_connections=64, retries={"mode": "standard", "total_max_attempts": 3}),
    )


@pytest.fixture
def table(endpoint: str) -> tuple[Any, str]:
    ddb = dynamodb(endpoint)
    name = f"usage-{uuid.uuid4().hex[:10]}"
    create_usage_table(ddb, name)
    return ddb, name


class Clock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class CallCounter:
    """Counts DynamoDB operations a client sends (a botocore ``before-call`` hook), except the
    GetItem reads these tests make to inspect the table (the ledger never reads an item)."""

    def __init__(self, ddb: Any) -> None:
        self.calls: Counter[str] = Counter()
        ddb.meta.events.register("before-call.dynamodb.*", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        if model.name != "GetItem":
            self.calls[model.name] += 1

    @property
    def total(self) -> int:
        return sum(self.calls.values())


# -- builders --------------------------------------------------------------------------------
def principal(agent: str = "cli_x", **kw: Any) -> Principal:
    return Principal(brand_id=BRAND, agent_id=agent, credential_id="ak_1", **kw)


def key(key_id: str = "pk_1", **kw: Any) -> ProviderKey:
    return ProviderKey(
        brand_id=BRAND,
        key_id=key_id,
        provider="openai",
        label=key_id,
        masked="sk-…abcd",
        secret_name="s",
        **kw,
    )


def record(adm: Admission, *, cost: str = "0.07", tokens: int = 150, **kw: Any) -> RequestRecord:
    fields: dict[str, Any] = {
        "endpoint": "chat",
        "requested_model": "fast",
        "alias": "fast",
        "started_at": adm.admitted_at,
        "served_model": "openai/gpt-4o-mini",
        "provider": "openai",
        "key_id": adm.key_id,
        "key_label": adm.key_id,
        "usage": Usage(prompt_tokens=tokens - 50, completion_tokens=50),
        "cost": Decimal(cost),
    }
    fields.update(kw)
    return RequestRecord(request_id=adm.request_id, brand_id=adm.brand_id, agent_id=adm.agent_id, **fields)


def ledger_for(table: tuple[Any, str], clock: Clock) -> Ledger:
    return Ledger(table[0], table[1], Settings(reservation_stale_seconds=900), clock)


def item(table: tuple[Any, str], key: keys.Key) -> dict[str, Any]:
    got = table[0].get_item(
        TableName=table[1], Key={"pk": {"S": key[0]}, "sk": {"S": key[1]}}, ConsistentRead=True
    )
    return from_item(got.get("Item", {}))


def agent_day(agent: str = "cli_x") -> keys.Key:
    return keys.agent_spend_key(agent, "day", T0)


# -- rate limits -----------------------------------------------------------------------------
async def test_sixth_request_in_the_minute_is_refused_until_the_window_resets(table: tuple[Any, str]) -> None:
    clock = Clock()
    ledger = ledger_for(table, clock)
    agent = principal(limits=Limits(rpm=5))
    admitted = [
        await ledger.admit(agent, f"r{i}", key=key(), worst_cost=WORST, token_estimate=10) for i in range(5)
    ]
    assert ledger.headers(admitted[0])["x-ratelimit-remaining-requests"] == "4"
    assert ledger.headers(admitted[4]) == {
        "x-ratelimit-limit-requests": "5",
        "x-ratelimit-remaining-requests": "0",
        "x-ratelimit-reset-requests": "41s",
    }
    with pytest.raises(RateLimited) as refused:
        await ledger.admit(agent, "r5", key=key(), worst_cost=WORST, token_estimate=10)
    assert 0 < refused.value.retry_after <= 41
    assert refused.value.headers["retry-after"] == "41"
    assert (
        refused.value.message == "Rate limit reached for agent cli_x: 5 requests per minute. Retry after 41s."
    )
    clock.now += 41
    assert (
        await ledger.admit(agent, "r6", key=key(), worst_cost=WORST, token_estimate=10)
    ).requests_used == 1


async def test_tokens_per_minute_count_what_settled(table: tuple[Any, str]) -> None:
    clock = Clock()
    ledger = ledger_for(table, clock)
    agent = principal(limits=Limits(tpm=1000))
    first = await ledger.admit(agent, "r1", key=key(), worst_cost=WORST, token_estimate=10)
    await ledger.settle(first, record(first, tokens=600))
    second = await ledger.admit(agent, "r2", key=key(), worst_cost=WORST, token_estimate=10)
    assert ledger.headers(second)["x-ratelimit-remaining-tokens"] == "390"  # 1000 - 600 settled - 10 asked
    await ledger.settle(second, record(second, tokens=400))
    with pytest.raises(RateLimited, match="1000 tokens per minute") as refused:
        await ledger.admit(agent, "r3", key=key(), worst_cost=WORST, token_estimate=10)
    assert refused.value.retry_after == pytest.approx(41)
    clock.now += 45
    third = await ledger.admit(agent, "r4", key=key(), worst_cost=WORST, token_estimate=200)
    assert ledger.headers(third)["x-ratelimit-remaining-tokens"] == "800"


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


# -- budgets under concurrency ---------------------------------------------------------------
async def _drain_budget(ledgers: list[Ledger], agents: list[Principal], first_round: int) -> list[Admission]:
    """Rounds of 50 concurrent admits and their settles until the budget admits nothing more."""
    settled: list[Admission] = []
    for round_no in range(10):
        calls = [
            ledgers[i % len(ledgers)].admit(
                agents[i % len(agents)], f"q{round_no}-{i}", key=key(), worst_cost=WORST, token_estimate=10
            )
            for i in range(50)
        ]
        results = await asyncio.gather(*calls, return_exceptions=True)
        admitted = [r for r in results if isinstance(r, Admission)]
        refused = [r for r in results if not isinstance(r, Admission)]
        assert all(
            isinstance(r, QuotaExceeded | RateLimited) and "budget of $1.00" in r.message for r in refused
        )
        if round_no == 0:
            assert len(admitted) == first_round
        await asyncio.gather(*(ledgers[0].settle(a, record(a, cost="0.07")) for a in admitted))
        settled += admitted
        if not admitted:
            return settled
    raise AssertionError("the budget never ran out")


def _assert_books_balance(table: tuple[Any, str], spend: keys.Key, settled: list[Admission]) -> None:
    counters = item(table, spend)
    assert counters["spent"] <= Decimal("1.00")  # never past the budget...
    assert counters["spent"] > Decimal("1.00") - WORST  # ...and used up to within one worst case
    assert counters["reserved"] == 0
    assert counters["committed"] == counters["spent"] == Decimal("0.07") * len(settled)
    total = item(table, keys.aggregate_key(BRAND, "TOTAL", keys.day_id(T0)))
    assert total["requests"] == len(settled)
    assert total["cost"] == counters["spent"]
    assert total["total_tokens"] == 150 * len(settled)


async def test_agent_budget_holds_against_fifty_concurrent_admits(table: tuple[Any, str]) -> None:
    agent = principal(agent_budgets=Budgets(daily_usd=Decimal("1.00")))
    # $1.00 covers exactly 10 worst cases of $0.10; then 0.70 is spent and 3 more fit.
    settled = await _drain_budget([ledger_for(table, Clock())], [agent], first_round=10)
    assert len(settled) == 13
    _assert_books_balance(table, agent_day(), settled)


async def test_brand_budget_holds_across_two_containers_on_real_threads(endpoint: str) -> None:
    """Two Ledgers with their own clients, each in its own thread and event loop, two agents."""
    name = f"usage-{uuid.uuid4().hex[:10]}"
    create_usage_table(dynamodb(endpoint), name)
    brand = Budgets(monthly_usd=Decimal("1.00"))
    agents = [principal("cli_a", brand_budgets=brand), principal("cli_b", brand_budgets=brand)]
    containers = [Ledger(dynamodb(endpoint), name, Settings(), Clock()) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[list[Any]] = [[], []]

    def container(n: int) -> None:
        async def run() -> list[Any]:
            barrier.wait()
            calls = [
                containers[n].admit(
                    agents[i % 2], f"c{n}-{i}", key=key(), worst_cost=WORST, token_estimate=10
                )
                for i in range(25)
            ]
            return await asyncio.gather(*calls, return_exceptions=True)

        outcomes[n] = asyncio.run(run())

    threads = [threading.Thread(target=container, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    admitted = [r for rs in outcomes for r in rs if isinstance(r, Admission)]
    assert len(admitted) == 10
    refused = [r for rs in outcomes for r in rs if not isinstance(r, Admission)]
    assert len(refused) == 40
    assert all("brand monthly budget of $1.00" in r.message for r in refused)
    tbl = (dynamodb(endpoint), name)
    await asyncio.gather(*(containers[0].settle(a, record(a, cost="0.07")) for a in admitted))
    settled = admitted + await _drain_budget(containers, agents, first_round=3)
    _assert_books_balance(tbl, keys.brand_spend_key(BRAND, "month", T0), settled)


async def test_a_lowered_budget_is_honoured_at_once(table: tuple[Any, str]) -> None:
    ledger = ledger_for(table, Clock())
    first = await ledger.admit(
        principal(agent_budgets=Budgets(daily_usd=Decimal(5))),
        "r1",
        key=key(),
        worst_cost=WORST,
        token_estimate=1,
    )
    await ledger.settle(first, record(first, cost="0.50"))
    with pytest.raises(QuotaExceeded, match=r"agent daily budget of \$0.50 is spent"):
        await ledger.admit(
            principal(agent_budgets=Budgets(daily_usd=Decimal("0.50"))),
            "r2",
            key=key(),
            worst_cost=WORST,
            token_estimate=1,
        )
    # A budget set only now still sees what was spent before it existed.
    with pytest.raises(QuotaExceeded, match=r"brand daily budget of \$0.55"):
        await ledger.admit(
            principal(brand_budgets=Budgets(daily_usd=Decimal("0.55"))),
            "r3",
            key=key(),
            worst_cost=WORST,
            token_estimate=1,
        )


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
    assert item(table, keys.window_key("cli_x", T0))["requests"] == 2
    assert item(table, agent_day())["committed"] == Decimal("0.20")  # 0.10 spent + 0.10 held by r2
    await ledger.settle(second, record(second, cost="0.04"))
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
    assert counter.total == 1
    assert item(table, keys.key_spend_key(BRAND, "pk_a", T0))["committed"] == 0
    await ledger.switch(adm, key=key("pk_c"), worst_cost=Decimal("0.08"))  # nothing to move
    assert counter.total == 1
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


# -- settle ------------------------------------------------------------------------------------
async def test_settling_twice_counts_once(table: tuple[Any, str]) -> None:
    ledger, other_container = ledger_for(table, Clock()), ledger_for(table, Clock())
    agent = principal(limits=Limits(concurrency=3), agent_budgets=Budgets(daily_usd=Decimal(1)))
    adm = await ledger.admit(agent, "r1", key=key(), worst_cost=WORST, token_estimate=1)
    copy = Admission(**{f: getattr(adm, f) for f in Admission.__dataclass_fields__})
    await ledger.settle(adm, record(adm))
    await other_container.settle(copy, record(copy))
    await ledger.settle(adm, record(adm))
    assert item(table, agent_day())["spent"] == Decimal("0.07")
    assert item(table, keys.concurrency_key("cli_x"))["held"] == 0
    assert (
        item(table, keys.aggregate_key(BRAND, "MODEL", keys.day_id(T0), "openai/gpt-4o-mini"))["requests"]
        == 1
    )


async def test_a_request_refused_before_admission_is_still_recorded(table: tuple[Any, str]) -> None:
    ledger = ledger_for(table, Clock())
    failed = RequestRecord(
        "r9", BRAND, "cli_x", "chat", "fast", "fast", T0, status=429, error_code="rate_limit"
    )
    await ledger.settle(None, failed)
    total = item(table, keys.aggregate_key(BRAND, "TOTAL", keys.day_id(T0)))
    assert (total["requests"], total["errors"]) == (1, 1)


# -- sweep -------------------------------------------------------------------------------------
async def test_sweep_refunds_a_stale_reservation_exactly_once(table: tuple[Any, str]) -> None:
    clock = Clock()
    ledger = ledger_for(table, clock)
    agent = principal(limits=Limits(concurrency=1), agent_budgets=Budgets(daily_usd=Decimal(1)))
    stale = await ledger.admit(agent, "r1", key=key(), worst_cost=WORST, token_estimate=1)
    assert (await sweep_reservations(table[0], table[1], stale_seconds=900, now=T0 + 60)).found == 0
    results = await asyncio.gather(
        *(sweep_reservations(table[0], table[1], stale_seconds=900, now=T0 + 901) for _ in range(3))
    )
    assert sum(r.refunded for r in results) == 1
    assert sum(r.refunded_usd for r in results) == WORST
    assert item(table, agent_day())["committed"] == 0
    assert item(table, keys.concurrency_key("cli_x"))["held"] == 0
    # The request that never settled in time settles late: its spend counts, nothing is refunded twice.
    await ledger.settle(stale, record(stale, cost="0.06"))
    day = item(table, agent_day())
    assert (day["committed"], day["spent"], day["reserved"]) == (Decimal("0.06"), Decimal("0.06"), 0)
    assert item(table, keys.concurrency_key("cli_x"))["held"] == 0


# -- round trips -------------------------------------------------------------------------------
async def test_an_unlimited_agent_admits_without_dynamodb_and_settles_in_one_call(
    table: tuple[Any, str],
) -> None:
    ledger = ledger_for(table, Clock())
    counter = CallCounter(table[0])
    adm = await ledger.admit(principal(), "r1", key=key(), worst_cost=WORST, token_estimate=1)
    assert counter.total == 0
    assert ledger.headers(adm) == {}
    await ledger.settle(adm, record(adm))
    assert counter.calls == {"TransactWriteItems": 1}


async def test_a_fully_constrained_agent_uses_one_call_each_way(table: tuple[Any, str]) -> None:
    ledger = ledger_for(table, Clock())
    counter = CallCounter(table[0])
    budgets = Budgets(daily_usd=Decimal(5), monthly_usd=Decimal(50))
    agent = principal(
        limits=Limits(rpm=5, tpm=10_000, concurrency=2), agent_budgets=budgets, brand_budgets=budgets
    )
    adm = await ledger.admit(
        agent, "r1", key=key(monthly_cap_usd=Decimal(10)), worst_cost=WORST, token_estimate=1
    )
    assert counter.calls == {"TransactWriteItems": 1}
    await ledger.settle(adm, record(adm))
    assert counter.calls == {"TransactWriteItems": 2}
    assert adm.round_trips == 2


# -- reports -----------------------------------------------------------------------------------
async def test_reports_serve_traces_usage_and_alias_windows(table: tuple[Any, str]) -> None:
    clock = Clock()
    ledger = ledger_for(table, clock)
    reports = UsageReports(table[0], table[1], clock)
    plan = [
        ("cli_a", "openai/gpt-4o-mini", 200, False),
        ("cli_b", "anthropic/claude-haiku", 200, True),
        ("cli_a", "openai/gpt-4o-mini", 502, False),
        ("cli_a", "anthropic/claude-haiku", 200, True),
    ]
    for n, (agent_id, model, status, fallback) in enumerate(plan):
        clock.now = T0 + n
        adm = await ledger.admit(principal(agent_id), f"r{n}", key=key(), worst_cost=WORST, token_estimate=1)
        await ledger.settle(
            adm,
            record(adm, served_model=model, provider=model.split("/")[0], status=status, fallback=fallback),
        )
    page = await reports.traces(BRAND, limit=3)
    assert [r.request_id for r in page.records] == ["r3", "r2", "r1"]
    rest = await reports.traces(BRAND, limit=3, cursor=page.cursor)
    assert [r.request_id for r in rest.records] == ["r0"]
    assert rest.cursor is None
    by_agent = await reports.traces(BRAND, agent_id="cli_a", model="anthropic/claude-haiku", fallback=True)
    assert [r.request_id for r in by_agent.records] == ["r3"]
    assert [r.request_id for r in (await reports.traces(BRAND, status="5xx")).records] == ["r2"]
    with pytest.raises(InvalidRequest):
        await reports.traces("brd_other", cursor=page.cursor)
    with pytest.raises(InvalidRequest):
        await reports.traces(BRAND, cursor="not-a-cursor")

    day = keys.day_id(T0)
    usage = await reports.usage(BRAND, by="model", start=day, end=day)
    assert {row.value: row.counts["requests"] for row in usage.rows} == {
        "openai/gpt-4o-mini": 2,
        "anthropic/claude-haiku": 2,
    }
    assert (usage.totals["requests"], usage.totals["errors"]) == (4, 1)
    assert usage.totals["cost"] == Decimal("0.28")

    mine = await reports.alias_usage(BRAND)
    everyone = await reports.alias_usage()
    for view in (mine, everyone):
        assert (view["fast"].requests, view["fast"].total_tokens, view["fast"].cost) == (
            4,
            600,
            Decimal("0.28"),
        )
        assert view["fast"].top_model == "anthropic/claude-haiku"  # 2 each: ties go to the first name
    clock.now = T0 + 25 * 3600
    assert await reports.alias_usage(BRAND) == {}
