"""Least-spent ordering reads the month spend the ledger settles (capped keys) or the stream folds
(every other key), from the usage table."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from spidergate.domain import Principal, ProviderKey
from spidergate.local.servers import start_moto
from spidergate.local.stack import local_settings, moto_client, usage_poller
from spidergate.local.tables import create_tables
from spidergate.usage.counts import Usage
from spidergate.usage.key_spend import KeySpend
from spidergate.usage.ledger import Ledger
from spidergate.usage.record import RequestRecord


@pytest.fixture(scope="module")
def moto_url():
    with start_moto() as moto:
        create_tables(moto_client("dynamodb", moto.url), local_settings())
        yield moto.url


@pytest.fixture
def ddb(moto_url):
    return moto_client("dynamodb", moto_url)


def key(key_id: str) -> ProviderKey:
    return ProviderKey(
        brand_id="brd_s", key_id=key_id, provider="openai", label=key_id, masked="…", secret_name="s"
    )


async def test_settled_spend_shows_up_per_key(ddb, moto_url) -> None:
    settings = local_settings()
    ledger = Ledger(ddb, settings.usage_table, settings)
    principal = Principal(brand_id="brd_s", agent_id="cli_s", credential_id="c")
    for request_id, used, amount in (("r1", key("pk_a"), "0.25"), ("r2", key("pk_a"), "0.5")):
        admission = await ledger.admit(
            principal, request_id, key=used, worst_cost=Decimal(1), token_estimate=1
        )
        record = RequestRecord(
            request_id=request_id,
            brand_id="brd_s",
            agent_id="cli_s",
            endpoint="chat",
            requested_model="m",
            alias=None,
            started_at=time.time(),
            key_id=used.key_id,
            served_model="openai/m",
            provider="openai",
            usage=Usage(prompt_tokens=1),
            cost=Decimal(amount),
        )
        await ledger.settle(admission, record)
    assert usage_poller(moto_url, settings).drain() == 2
    spend = await KeySpend(ddb, settings.usage_table, ttl=0.0).month_to_date(
        "brd_s", [key("pk_a"), key("pk_b")]
    )
    assert spend == {"pk_a": Decimal("0.75")}
