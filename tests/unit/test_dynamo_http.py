"""AsyncDynamoDB over httpx.MockTransport: the signed request, responses, errors and retries."""

from __future__ import annotations

import base64
import json
import logging
import zlib
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ChecksumError, ClientError, EndpointConnectionError, ReadTimeoutError

from spidergate.dynamo_http import AsyncDynamoDB

ENDPOINT = "https://dynamodb.eu-west-1.amazonaws.com"
ACCESS_KEY = "AKIDUNITTEST0000"
SECRET_KEY = "unit-secret-key-never-printed"
TOKEN = "unit-session-token-never-printed"
CREDENTIALS = Credentials(ACCESS_KEY, SECRET_KEY, TOKEN)
ITEM = {"pk": {"S": "a"}, "sk": {"S": "b"}, "n": {"N": "1.5"}}
CANCEL_TYPE = "com.amazonaws.dynamodb.v20120810#TransactionCanceledException"
THROTTLED = {"__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException", "message": "slow down"}

Answer = httpx.Response | Exception


class Scripted:
    """A MockTransport handler answering each request with the next scripted answer."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def reply(status: int, body: Any, **headers: str) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.Response(status, content=content, headers={"x-amzn-RequestId": "req-1", **headers})


class Sleeps:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


def client(handler: Callable[[httpx.Request], httpx.Response], **options: Any) -> AsyncDynamoDB:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    options.setdefault("sleep", Sleeps())
    return AsyncDynamoDB(http, region="eu-west-1", endpoint=ENDPOINT, credentials=CREDENTIALS, **options)


def expected_signature(request: httpx.Request) -> str:
    """SigV4 recomputed by botocore from what was actually sent (URL, signed headers, body)."""
    authorization = request.headers["authorization"]
    signed = authorization.split("SignedHeaders=")[1].split(",")[0].split(";")
    aws = AWSRequest(
        method=request.method,
        url=str(request.url),
        data=request.content,
        headers={name: request.headers[name] for name in signed if name != "host"},
    )
    aws.context["timestamp"] = request.headers["x-amz-date"]
    auth = SigV4Auth(CREDENTIALS.get_frozen_credentials(), "dynamodb", "eu-west-1")
    return str(auth.signature(auth.string_to_sign(aws, auth.canonical_request(aws)), aws))


async def test_a_call_is_a_signed_json_post_with_the_operation_as_target() -> None:
    handler = Scripted(reply(200, {"Item": ITEM}))
    params = {"TableName": "t", "Key": {"pk": {"S": "a"}, "sk": {"S": "b"}}, "ConsistentRead": True}
    got = await client(handler).get_item(**params)
    assert got["Item"] == ITEM
    assert got["ResponseMetadata"] == {"RequestId": "req-1", "HTTPStatusCode": 200, "RetryAttempts": 0}
    sent = handler.requests[0]
    assert sent.method == "POST"
    assert str(sent.url) == ENDPOINT + "/"
    assert sent.headers["x-amz-target"] == "DynamoDB_20120810.GetItem"
    assert sent.headers["content-type"] == "application/x-amz-json-1.0"
    assert json.loads(sent.content) == params
    assert sent.headers["x-amz-security-token"] == TOKEN
    authorization = sent.headers["authorization"]
    date = sent.headers["x-amz-date"][:8]
    assert authorization.startswith(
        f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/{date}/eu-west-1/dynamodb/aws4_request, "
    )
    signed = authorization.split("SignedHeaders=")[1].split(",")[0].split(";")
    assert {"host", "x-amz-date", "x-amz-target", "content-type", "x-amz-security-token"} <= set(signed)
    assert authorization.endswith("Signature=" + expected_signature(sent))


@pytest.mark.parametrize(
    ("method", "target"),
    [
        ("transact_write_items", "TransactWriteItems"),
        ("update_item", "UpdateItem"),
        ("put_item", "PutItem"),
        ("delete_item", "DeleteItem"),
        ("batch_get_item", "BatchGetItem"),
        ("query", "Query"),
    ],
)
async def test_each_method_targets_its_operation(method: str, target: str) -> None:
    handler = Scripted(reply(200, {"Count": 0}))
    got = await getattr(client(handler), method)(TableName="t")
    assert handler.requests[0].headers["x-amz-target"] == f"DynamoDB_20120810.{target}"
    assert got["Count"] == 0


async def test_binary_values_go_out_as_base64_and_come_back_as_bytes() -> None:
    raw = b"\x00\xffbinary"
    encoded = base64.b64encode(raw).decode()
    answer = {"Items": [{"blob": {"B": encoded}, "m": {"M": {"set": {"BS": [encoded]}}}}], "Count": 1}
    handler = Scripted(reply(200, answer))
    got = await client(handler).query(TableName="t", ExclusiveStartKey={"pk": {"B": raw}})
    assert json.loads(handler.requests[0].content)["ExclusiveStartKey"] == {"pk": {"B": encoded}}
    assert got["Items"] == [{"blob": {"B": raw}, "m": {"M": {"set": {"BS": [raw]}}}}]


async def test_a_cancelled_transaction_raises_the_modeled_class_with_its_reasons() -> None:
    reasons = [{"Code": "None"}, {"Code": "ConditionalCheckFailed", "Item": ITEM, "Message": "failed"}]
    body = {"__type": CANCEL_TYPE, "Message": "Transaction cancelled", "CancellationReasons": reasons}
    handler = Scripted(reply(400, body))
    ddb = client(handler)
    with pytest.raises(ddb.exceptions.TransactionCanceledException) as caught:
        await ddb.transact_write_items(TransactItems=[{"Put": {"TableName": "t", "Item": ITEM}}])
    error = caught.value
    assert isinstance(error, ClientError)
    assert error.operation_name == "TransactWriteItems"
    assert error.response["Error"] == {
        "Code": "TransactionCanceledException",
        "Message": "Transaction cancelled",
    }
    assert error.response["CancellationReasons"] == reasons
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert len(handler.requests) == 1  # a refusal is never retried


async def test_a_failed_condition_carries_the_item_and_is_not_retried() -> None:
    body = {
        "__type": "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
        "message": "The conditional request failed",
        "Item": ITEM,
    }
    handler = Scripted(reply(400, body))
    ddb = client(handler)
    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException) as caught:
        await ddb.update_item(TableName="t", Key={}, ReturnValuesOnConditionCheckFailure="ALL_OLD")
    assert caught.value.response["Item"] == ITEM
    assert caught.value.response["Error"]["Message"] == "The conditional request failed"
    assert len(handler.requests) == 1


async def test_an_unmodeled_code_is_a_plain_client_error_raised_at_once() -> None:
    body = {"__type": "com.amazon.coral.validate#ValidationException", "message": "bad key"}
    handler = Scripted(reply(400, body))
    with pytest.raises(ClientError) as caught:
        await client(handler).put_item(TableName="t", Item={})
    assert caught.value.response["Error"] == {"Code": "ValidationException", "Message": "bad key"}
    assert "ValidationException" in str(caught.value)
    assert len(handler.requests) == 1


async def test_throttling_is_retried_with_throttling_backoff_then_succeeds() -> None:
    sleeps = Sleeps()
    handler = Scripted(reply(400, THROTTLED), reply(400, THROTTLED), reply(200, {}))
    got = await client(handler, sleep=sleeps).transact_write_items(TransactItems=[])
    assert got["ResponseMetadata"]["RetryAttempts"] == 2
    assert len(handler.requests) == 3
    assert len(sleeps.delays) == 2
    assert 0 <= sleeps.delays[0] <= 1.0 and 0 <= sleeps.delays[1] <= 2.0


async def test_throttling_gives_up_after_three_attempts_with_the_modeled_error() -> None:
    body = {
        "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
        "message": "too fast",
    }
    handler = Scripted(*[reply(400, body) for _ in range(3)])
    ddb = client(handler)
    with pytest.raises(ddb.exceptions.ProvisionedThroughputExceededException) as caught:
        await ddb.update_item(TableName="t", Key={})
    assert len(handler.requests) == 3
    assert caught.value.response["ResponseMetadata"]["RetryAttempts"] == 2


async def test_server_errors_retry_with_the_short_backoff() -> None:
    sleeps = Sleeps()
    server = {"__type": "com.amazonaws.dynamodb.v20120810#InternalServerError", "message": "oops"}
    handler = Scripted(reply(500, server), reply(503, b"<html>busy</html>"), reply(200, {"Count": 1}))
    got = await client(handler, sleep=sleeps).query(TableName="t")
    assert got["Count"] == 1
    assert len(handler.requests) == 3
    assert all(delay <= 0.05 for delay in sleeps.delays)  # 25 ms * 2**i, not the 1 s throttling base


async def test_an_unparseable_error_body_gives_the_status_as_code() -> None:
    handler = Scripted(*[reply(503, b"<html>busy</html>") for _ in range(3)])
    with pytest.raises(ClientError) as caught:
        await client(handler).query(TableName="t")
    assert caught.value.response["Error"]["Code"] == "503"


async def test_transport_errors_are_retried_then_surface_as_botocore_errors() -> None:
    handler = Scripted(httpx.ConnectError("refused"), httpx.RemoteProtocolError("closed"), reply(200, {}))
    await client(handler).put_item(TableName="t", Item={})
    assert len(handler.requests) == 3

    handler = Scripted(*[httpx.ConnectError("refused") for _ in range(3)])
    with pytest.raises(EndpointConnectionError, match=r"dynamodb\.eu-west-1"):
        await client(handler).put_item(TableName="t", Item={})
    assert len(handler.requests) == 3

    handler = Scripted(httpx.ReadTimeout("slow"))
    with pytest.raises(ReadTimeoutError):
        await client(handler, max_attempts=1).put_item(TableName="t", Item={})


async def test_a_corrupted_response_is_retried_on_its_crc32() -> None:
    body = json.dumps({"Count": 2}).encode()
    good = str(zlib.crc32(body))
    handler = Scripted(
        reply(200, body, **{"x-amz-crc32": "12345"}), reply(200, body, **{"x-amz-crc32": good})
    )
    assert (await client(handler).query(TableName="t"))["Count"] == 2
    assert len(handler.requests) == 2

    handler = Scripted(reply(200, body, **{"x-amz-crc32": "12345"}))
    with pytest.raises(ChecksumError):
        await client(handler, max_attempts=1).query(TableName="t")


async def test_no_secret_reaches_logs_or_errors(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    body = {"__type": CANCEL_TYPE, "Message": "cancelled", "CancellationReasons": [{"Code": "None"}]}
    handler = Scripted(reply(500, {"message": "x"}), httpx.ConnectError("refused"), reply(400, body))
    ddb = client(handler)
    with pytest.raises(ClientError) as caught:
        await ddb.transact_write_items(TransactItems=[])
    assert "retrying" in caplog.text  # the retries were logged
    shown = caplog.text + str(caught.value) + repr(caught.value) + json.dumps(caught.value.response)
    for secret in (SECRET_KEY, TOKEN):
        assert secret not in shown
