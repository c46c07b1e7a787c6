"""AsyncDynamoDB against DynamoDB's API over HTTP (a moto server), side by side with boto3: every
method round-trips with the same answers, refusals raise the same errors, and the ledger runs on it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from spidergate.domain import Budgets, Limits, Principal, ProviderKey
from spidergate.dynamo import from_item
from spidergate.dynamo_http import AsyncDynamoDB
from spidergate.errors import QuotaExceeded
from spidergate.local.stack import Running, local_settings, moto_client, start_moto
from spidergate.local.tables import create_tables
from spidergate.settings import Settings
from spidergate.usage import keys
from spidergate.usage.counts import Usage
from spidergate.usage.ledger import Ledger
from spidergate.usage.record import RequestRecord

T0 = 1_764_000_000 + 19.0
BLOB = b"\x00\x01binary\xff"


@pytest.fixture(scope="module")
def moto() -> Iterator[Running]:
    with start_moto() as running:
        yield running


@pytest.fixture(scope="module")
def settings(moto: Running) -> Settings:
    suffix = uuid.uuid4().hex[:8]
    chosen = local_settings(
        usage_table=f"usage-{suffix}", vault_table=f"vault-{suffix}", aws_endpoint_url=moto.url
    )
    create_tables(moto_client("dynamodb", moto.url), chosen)
    return chosen


@pytest.fixture
def boto(moto: Running) -> Any:
    return moto_client("dynamodb", moto.url)


@pytest.fixture
async def ddb(settings: Settings) -> AsyncIterator[AsyncDynamoDB]:
    async with httpx.AsyncClient() as http:
        yield AsyncDynamoDB.for_settings(settings, http, credentials=Credentials("testing", "testing"))


def key(pk: str, sk: str = "0") -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def same(ours: dict[str, Any], theirs: dict[str, Any]) -> None:
    """Equal responses, apart from the request metadata."""
    assert {k: v for k, v in ours.items() if k != "ResponseMetadata"} == {
        k: v for k, v in theirs.items() if k != "ResponseMetadata"
    }


async def test_every_method_round_trips_like_boto3(ddb: AsyncDynamoDB, boto: Any, settings: Settings) -> None:
    table = settings.usage_table
    pk = f"rt-{uuid.uuid4().hex[:8]}"
    item = {
        **key(pk, "a"),
        "n": {"N": "1.25"},
        "blob": {"B": BLOB},
        "m": {"M": {"l": {"L": [{"S": "x"}, {"N": "2"}]}, "ss": {"SS": ["p", "q"]}}},
        "flag": {"BOOL": True},
    }
    put = await ddb.put_item(TableName=table, Item=item)
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 200
    stored = boto.get_item(TableName=table, Key=key(pk, "a"), ConsistentRead=True)
    assert stored["Item"] == item  # written exactly, binary included
    got = await ddb.get_item(TableName=table, Key=key(pk, "a"), ConsistentRead=True)
    same(got, stored)

    update = {
        "TableName": table,
        "Key": key(pk, "a"),
        "UpdateExpression": "ADD #n :d",
        "ExpressionAttributeNames": {"#n": "n"},
        "ExpressionAttributeValues": {":d": {"N": "0.75"}},
        "ReturnValues": "ALL_NEW",
    }
    updated = await ddb.update_item(**update)
    assert Decimal(updated["Attributes"]["n"]["N"]) == 2
    assert updated["Attributes"]["blob"] == {"B": BLOB}
    same(updated, boto.update_item(**{**update, "ExpressionAttributeValues": {":d": {"N": "0"}}}))

    await ddb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": table, "Item": {**key(pk, "b"), "v": {"S": "two"}}}},
            {"Update": {**{k: v for k, v in update.items() if k != "ReturnValues"}}},
        ]
    )
    assert from_item(boto.get_item(TableName=table, Key=key(pk, "a"))["Item"])["n"] == Decimal("2.75")

    query = {
        "TableName": table,
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": pk}},
        "Limit": 1,
    }
    page = await ddb.query(**query)
    assert page["Count"] == 1 and "LastEvaluatedKey" in page
    same(page, boto.query(**query))
    rest = await ddb.query(**query, ExclusiveStartKey=page["LastEvaluatedKey"])
    assert [i["sk"]["S"] for i in rest["Items"]] == ["b"]

    batch = {"RequestItems": {table: {"Keys": [key(pk, "a"), key(pk, "b"), key(pk, "missing")]}}}
    ours, theirs = await ddb.batch_get_item(**batch), boto.batch_get_item(**batch)
    by_sk = sorted(ours["Responses"][table], key=lambda i: i["sk"]["S"])
    assert [i["sk"]["S"] for i in by_sk] == ["a", "b"]
    assert by_sk == sorted(theirs["Responses"][table], key=lambda i: i["sk"]["S"])

    deleted = await ddb.delete_item(TableName=table, Key=key(pk, "b"), ReturnValues="ALL_OLD")
    assert deleted["Attributes"] == {**key(pk, "b"), "v": {"S": "two"}}
    assert "Item" not in boto.get_item(TableName=table, Key=key(pk, "b"), ConsistentRead=True)


async def test_a_failing_transaction_raises_the_cancellation_with_boto3s_reasons(
    ddb: AsyncDynamoDB, boto: Any, settings: Settings
) -> None:
    table = settings.usage_table
    pk = f"tx-{uuid.uuid4().hex[:8]}"
    boto.put_item(TableName=table, Item={**key(pk, "held"), "count": {"N": "3"}})
    entries = [
        {"Put": {"TableName": table, "Item": {**key(pk, "new"), "v": {"S": "x"}}}},
        {
            "Put": {
                "TableName": table,
                "Item": {**key(pk, "held"), "count": {"N": "4"}},
                "ConditionExpression": "attribute_not_exists(pk)",
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        },
    ]
    with pytest.raises(ddb.exceptions.TransactionCanceledException) as ours:
        await ddb.transact_write_items(TransactItems=entries)
    with pytest.raises(ClientError) as theirs:
        boto.transact_write_items(TransactItems=entries)
    reasons = ours.value.response["CancellationReasons"]
    assert reasons[0]["Code"] == "None"
    assert reasons[1]["Code"] == "ConditionalCheckFailed"
    assert reasons[1]["Item"] == {**key(pk, "held"), "count": {"N": "3"}}
    assert reasons == theirs.value.response["CancellationReasons"]
    assert ours.value.response["Error"] == theirs.value.response["Error"]
    assert type(ours.value).__name__ == type(theirs.value).__name__ == "TransactionCanceledException"
    assert "Item" not in boto.get_item(TableName=table, Key=key(pk, "new"), ConsistentRead=True)


async def test_a_failed_condition_and_a_missing_table_raise_boto3s_errors(
    ddb: AsyncDynamoDB, boto: Any, settings: Settings
) -> None:
    table = settings.usage_table
    pk = f"cc-{uuid.uuid4().hex[:8]}"
    await ddb.put_item(TableName=table, Item=key(pk))
    again = {"TableName": table, "Item": key(pk), "ConditionExpression": "attribute_not_exists(pk)"}
    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException) as ours:
        await ddb.put_item(**again)
    with pytest.raises(boto.exceptions.ConditionalCheckFailedException) as theirs:
        boto.put_item(**again)
    assert ours.value.response["Error"] == theirs.value.response["Error"]
    with pytest.raises(ddb.exceptions.ResourceNotFoundException):
        await ddb.get_item(TableName="no-such-table", Key=key(pk))


async def test_the_ledger_admits_settles_and_refuses_through_it(
    ddb: AsyncDynamoDB, settings: Settings
) -> None:
    ledger = Ledger(ddb, settings.usage_table, settings, clock=lambda: T0)
    agent_id = f"cli_{uuid.uuid4().hex[:8]}"
    provider_key = ProviderKey(
        brand_id="brd_h", key_id="pk_1", provider="openai", label="k", masked="…", secret_name="s"
    )
    # A rate limit alone is one UpdateItem whose new counts come back.
    limited = Principal(brand_id="brd_h", agent_id=f"{agent_id}_r", credential_id="ak", limits=Limits(rpm=5))
    for n in (1, 2):
        counted = await ledger.admit(
            limited, f"q{n}", key=provider_key, worst_cost=Decimal(0), token_estimate=1
        )
        assert counted.counts_exact and counted.requests_used == n
    # A budget makes it a transaction; the settle is another.
    agent = Principal(
        brand_id="brd_h", agent_id=agent_id, credential_id="ak",
        agent_budgets=Budgets(daily_usd=Decimal("0.15")),
    )  # fmt: skip
    adm = await ledger.admit(agent, "r1", key=provider_key, worst_cost=Decimal("0.10"), token_estimate=10)
    assert adm.round_trips == 1
    record = RequestRecord(
        request_id="r1", brand_id="brd_h", agent_id=agent_id, endpoint="chat", requested_model="fast",
        alias="fast",
        started_at=adm.admitted_at, served_model="openai/gpt-4o-mini", provider="openai", key_id="pk_1",
        usage=Usage(prompt_tokens=100, completion_tokens=50), cost=Decimal("0.07"),
    )  # fmt: skip
    await ledger.settle(adm, record)
    assert adm.round_trips == 2  # one admit, one settle: no retries against a quiet table
    boto = moto_client("dynamodb", str(settings.aws_endpoint_url))
    spend = keys.agent_spend_key(agent_id, "day", T0)
    got = boto.get_item(TableName=settings.usage_table, Key={"pk": {"S": spend[0]}, "sk": {"S": spend[1]}})
    counters = from_item(got["Item"])
    assert counters["spent"] == counters["committed"] == Decimal("0.07")
    assert counters["reserved"] == 0
    with pytest.raises(QuotaExceeded):  # 0.07 spent + 0.10 worst case > 0.15
        await ledger.admit(agent, "r2", key=provider_key, worst_cost=Decimal("0.10"), token_estimate=10)
