"""The local moto server's item-level transaction rollback keeps DynamoDB's all-or-nothing rule."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from spidergate.local import moto_fixes


@pytest.fixture
def ddb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB"):
        monkeypatch.delenv(name, raising=False)
    moto_fixes.apply()
    with mock_aws():
        client = boto3.client(
            "dynamodb", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
        )
        client.create_table(
            TableName="t",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        )
        yield client


def put(pk: str, n: int) -> dict[str, Any]:
    return {"Put": {"TableName": "t", "Item": {"pk": {"S": pk}, "n": {"N": str(n)}}}}


def add(pk: str, n: int, *, below: int | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {
        "TableName": "t",
        "Key": {"pk": {"S": pk}},
        "UpdateExpression": "ADD n :n",
        "ExpressionAttributeValues": {":n": {"N": str(n)}},
    }
    if below is not None:
        op["ConditionExpression"] = "n < :max"
        op["ExpressionAttributeValues"][":max"] = {"N": str(below)}
        op["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    return {"Update": op}


def value(client: Any, pk: str) -> int | None:
    item = client.get_item(TableName="t", Key={"pk": {"S": pk}}).get("Item")
    return int(item["n"]["N"]) if item else None


def test_success_applies_every_item(ddb: Any) -> None:
    ddb.transact_write_items(TransactItems=[put("a", 1), add("b", 5)])
    assert (value(ddb, "a"), value(ddb, "b")) == (1, 5)


def test_failed_condition_rolls_back_earlier_items_and_reports_reasons(ddb: Any) -> None:
    ddb.transact_write_items(TransactItems=[put("a", 1), put("b", 10)])
    with pytest.raises(ddb.exceptions.TransactionCanceledException) as caught:
        ddb.transact_write_items(TransactItems=[add("a", 1), put("new", 7), add("b", 1, below=10)])
    reasons = caught.value.response["CancellationReasons"]
    assert [r["Code"] for r in reasons] == ["None", "None", "ConditionalCheckFailed"]
    assert reasons[2]["Item"]["n"]["N"] == "10"
    assert (value(ddb, "a"), value(ddb, "new"), value(ddb, "b")) == (1, None, 10)


def test_same_item_twice_is_a_validation_error(ddb: Any) -> None:
    with pytest.raises(ddb.exceptions.ClientError):
        ddb.transact_write_items(TransactItems=[put("a", 1), add("a", 1)])
    assert value(ddb, "a") is None


def test_numbers_stay_canonical_through_arithmetic(ddb: Any) -> None:
    for amount in ("0.0123456789", "-0.0123456789", "0.5"):
        ddb.update_item(
            TableName="t",
            Key={"pk": {"S": "n"}},
            UpdateExpression="ADD v :v",
            ExpressionAttributeValues={":v": {"N": amount}},
        )
    item = ddb.get_item(TableName="t", Key={"pk": {"S": "n"}})["Item"]
    assert item["v"]["N"] == "0.5"
