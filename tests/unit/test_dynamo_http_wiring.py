"""Where AsyncDynamoDB plugs in: endpoint settings, the ledger's transactions, the Runtime."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from botocore.credentials import Credentials

from spidergate.aws import AwsClients
from spidergate.dynamo_http import AsyncDynamoDB, endpoint_url
from spidergate.runtime import Runtime
from spidergate.settings import Settings
from spidergate.usage.writes import LedgerContention, apply

TYPE = "com.amazonaws.dynamodb.v20120810#"
UPDATE = {"Update": {"TableName": "t", "Key": {"pk": {"S": "a"}}, "UpdateExpression": "ADD #n0 :v0"}}
PUT = {"Put": {"TableName": "t", "Item": {"pk": {"S": "b"}}}}


class Recorder:
    """MockTransport handler: scripted (status, body) answers; the requests it saw."""

    def __init__(self, *answers: tuple[int, dict[str, Any]]) -> None:
        self.answers = list(answers)
        self.seen: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append((request.headers["x-amz-target"].split(".")[1], json.loads(request.content)))
        status, body = self.answers.pop(0)
        return httpx.Response(status, json=body)


async def no_sleep(_: float) -> None:
    return None


def ddb(handler: Recorder) -> AsyncDynamoDB:
    return AsyncDynamoDB(
        httpx.AsyncClient(transport=httpx.MockTransport(handler)),
        region="us-east-1",
        endpoint="http://dynamo.test",
        credentials=Credentials("AKID", "secret"),
        sleep=no_sleep,
    )


def cancelled(*reasons: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    body = {
        "__type": TYPE + "TransactionCanceledException",
        "Message": "cancelled",
        "CancellationReasons": list(reasons),
    }
    return 400, body


def test_the_endpoint_prefers_the_dynamodb_override_then_the_general_one_then_the_region() -> None:
    both = Settings(aws_endpoint_url="http://all:1", aws_endpoint_url_dynamodb="http://ddb:2")
    assert endpoint_url(both) == "http://ddb:2"
    assert (
        endpoint_url(Settings(aws_endpoint_url="http://all:1", aws_endpoint_url_dynamodb=None))
        == "http://all:1"
    )
    plain = Settings(region="eu-central-1", aws_endpoint_url=None, aws_endpoint_url_dynamodb=None)
    assert endpoint_url(plain) == "https://dynamodb.eu-central-1.amazonaws.com"
    china = Settings(region="cn-north-1", aws_endpoint_url=None, aws_endpoint_url_dynamodb=None)
    assert endpoint_url(china) == "https://dynamodb.cn-north-1.amazonaws.com.cn"


def test_settings_read_the_sdk_endpoint_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://moto:5000")
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://dynamo:8000")
    settings = Settings()
    assert settings.aws_endpoint_url == "http://moto:5000"
    assert settings.aws_endpoint_url_dynamodb == "http://dynamo:8000"
    assert AsyncDynamoDB.for_settings(settings, httpx.AsyncClient()).url == "http://dynamo:8000/"


async def test_an_update_goes_out_as_update_item_and_returns_its_attributes() -> None:
    handler = Recorder((200, {"Attributes": {"requests": {"N": "3"}}}))
    result = await apply(ddb(handler), UPDATE, attempts=2, sleep=no_sleep)
    assert handler.seen == [("UpdateItem", UPDATE["Update"])]
    assert result.ok
    assert result.attributes == {"requests": {"N": "3"}}


async def test_a_failed_condition_reports_the_old_item() -> None:
    old = {"requests": {"N": "9"}}
    failed = {"__type": TYPE + "ConditionalCheckFailedException", "message": "no", "Item": old}
    result = await apply(ddb(Recorder((400, failed))), UPDATE, attempts=2, sleep=no_sleep)
    assert (result.ok, result.old) == (False, old)


async def test_conflicts_are_retried_then_surface_as_contention() -> None:
    conflict = (400, {"__type": TYPE + "TransactionConflictException", "message": "ongoing"})
    handler = Recorder(conflict, conflict, (200, {}))
    assert (await apply(ddb(handler), PUT, attempts=3, sleep=no_sleep)).ok
    assert [name for name, _ in handler.seen] == ["PutItem"] * 3
    with pytest.raises(LedgerContention):
        await apply(ddb(Recorder(conflict, conflict)), PUT, attempts=2, sleep=no_sleep)


def test_the_exceptions_mirror_boto3s() -> None:
    import boto3

    ours = ddb(Recorder()).exceptions
    theirs = boto3.session.Session().client("dynamodb", region_name="us-east-1").exceptions
    for name in (
        "TransactionCanceledException",
        "ConditionalCheckFailedException",
        "ResourceNotFoundException",
    ):
        assert getattr(ours, name).__name__ == getattr(theirs, name).__name__
        assert getattr(ours, name).__mro__[1:] == getattr(theirs, name).__mro__[1:]  # ClientError subclasses


async def test_the_runtime_ledger_uses_the_lean_client_on_its_own_pool() -> None:
    settings = Settings(ledger_http=True, aws_endpoint_url="http://moto.test:5000")
    upstream = httpx.AsyncClient()
    rt = Runtime(settings=settings, aws=AwsClients(settings), http_client=upstream)
    client = rt.ledger.ddb
    assert isinstance(client, AsyncDynamoDB)
    assert client.url == "http://moto.test:5000/"
    assert client.http is not upstream  # never the upstream client (mock transports, long timeouts)
    await rt.aclose()
    assert client.http.is_closed and upstream.is_closed


def test_the_runtime_ledger_keeps_boto3_when_the_lean_client_is_off() -> None:
    settings = Settings(ledger_http=False, region="us-east-1")
    rt = Runtime(settings=settings, aws=AwsClients(settings))
    assert rt.ledger.ddb is rt.aws.dynamodb
