"""``AsyncDynamoDB``: the DynamoDB operations of the hot path as plain async HTTP calls.

boto3's low-level client spends ~4 ms of CPU per TransactWriteItems validating, serializing
and parsing against its service model, and blocks a thread. The ledger already holds its items
in DynamoDB JSON, so a request is just ``json.dumps`` of the boto3 parameters, a SigV4 signature
and a POST; the answer is ``json.loads``. Errors and retries behave like boto3's (standard mode).

    ddb = AsyncDynamoDB.for_settings(settings, http)
    await ddb.transact_write_items(TransactItems=entries)
    except ddb.exceptions.TransactionCanceledException as e: e.response["CancellationReasons"]
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
import zlib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from spidergate.dynamo_http import wire
from spidergate.dynamo_http.errors import (
    ErrorClasses,
    checksum_error,
    error_response,
    is_retryable,
    is_throttling,
    transport_error,
)
from spidergate.dynamo_http.signing import Signer

if TYPE_CHECKING:
    import httpx

    from spidergate.settings import Settings

log = logging.getLogger(__name__)

_EXTRA_HEADERS = {"Accept-Encoding": "identity", "User-Agent": "spidergate-dynamo-http/1"}


def endpoint_url(settings: Settings) -> str:
    """Where DynamoDB calls go: AWS_ENDPOINT_URL_DYNAMODB, else AWS_ENDPOINT_URL, else the region's."""
    chosen = settings.aws_endpoint_url_dynamodb or settings.aws_endpoint_url
    if chosen:
        return chosen
    suffix = "amazonaws.com.cn" if settings.region.startswith("cn-") else "amazonaws.com"
    return f"https://dynamodb.{settings.region}.{suffix}"


def new_http_client() -> httpx.AsyncClient:
    """A small keep-alive pool for DynamoDB alone, with boto3's timeouts (aws.py: 2 s / 10 s)."""
    import httpx

    return httpx.AsyncClient(
        timeout=httpx.Timeout(10.0, connect=2.0),
        limits=httpx.Limits(max_connections=64, max_keepalive_connections=64, keepalive_expiry=30.0),
        follow_redirects=False,
    )


class AsyncDynamoDB:
    """DynamoDB's JSON protocol over an injected ``httpx.AsyncClient``.

    Methods take the keyword arguments boto3's low-level client takes (attribute values already
    typed) and return the parsed response like boto3 does. ``credentials`` (a botocore
    Credentials) replaces botocore's default chain, e.g. in tests.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        region: str,
        endpoint: str,
        credentials: Any = None,
        max_attempts: int = 3,
        backoff: float = 0.025,
        throttle_backoff: float = 1.0,
        max_backoff: float = 20.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.http = http
        self.region = region
        self.url = endpoint.rstrip("/") + "/"
        self.max_attempts = max(1, max_attempts)
        # botocore standard mode: full jitter on base * 2**i, 1 s base when throttled, 25 ms else.
        self._backoff = backoff
        self._throttle_backoff = throttle_backoff
        self._max_backoff = max_backoff
        self._sleep = sleep
        self._session_lock = threading.Lock()
        self._botocore: Any = None
        self._signer = Signer(self.url, region, self._session, credentials)
        self._errors = ErrorClasses(self._session)

    @classmethod
    def for_settings(cls, settings: Settings, http: httpx.AsyncClient, **options: Any) -> AsyncDynamoDB:
        """A client for the deployment's region and endpoint (see ``endpoint_url``)."""
        return cls(http, region=settings.region, endpoint=endpoint_url(settings), **options)

    @property
    def exceptions(self) -> Any:
        """The modeled exception classes, as on a boto3 client (``ddb.exceptions.X``)."""
        return self._errors.exceptions

    async def transact_write_items(self, **params: Any) -> dict[str, Any]:
        """TransactWriteItems."""
        return await self.call("TransactWriteItems", params)

    async def update_item(self, **params: Any) -> dict[str, Any]:
        """UpdateItem."""
        return await self.call("UpdateItem", params)

    async def put_item(self, **params: Any) -> dict[str, Any]:
        """PutItem."""
        return await self.call("PutItem", params)

    async def get_item(self, **params: Any) -> dict[str, Any]:
        """GetItem."""
        return await self.call("GetItem", params)

    async def delete_item(self, **params: Any) -> dict[str, Any]:
        """DeleteItem."""
        return await self.call("DeleteItem", params)

    async def batch_get_item(self, **params: Any) -> dict[str, Any]:
        """BatchGetItem."""
        return await self.call("BatchGetItem", params)

    async def query(self, **params: Any) -> dict[str, Any]:
        """Query."""
        return await self.call("Query", params)

    async def call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """Any DynamoDB operation by name (``"GetItem"``), retried like botocore's standard mode."""
        import httpx

        body = wire.encode(params)
        target = wire.TARGET_PREFIX + operation
        attempt = 0
        while True:
            attempt += 1
            last = attempt >= self.max_attempts
            credentials = await self._signer.frozen()
            headers = self._signer.headers(credentials, target, body)  # re-signed: the date moves
            headers.update(_EXTRA_HEADERS)
            try:
                response = await self.http.post(self.url, content=body, headers=headers)
            except httpx.TransportError as exc:
                if last:
                    raise transport_error(exc, self.url) from exc
                await self._pause(operation, attempt, type(exc).__name__, throttled=False)
                continue
            data = response.content
            expected = response.headers.get("x-amz-crc32")
            if expected is not None and expected.isdigit() and int(expected) != zlib.crc32(data):
                if last:
                    raise checksum_error(expected, zlib.crc32(data))
                await self._pause(operation, attempt, "crc32 mismatch", throttled=False)
                continue
            status = response.status_code
            request_id = response.headers.get("x-amzn-requestid", "")
            if status < 300:
                parsed = wire.decode(data)
                parsed["ResponseMetadata"] = {
                    "RequestId": request_id,
                    "HTTPStatusCode": status,
                    "RetryAttempts": attempt - 1,
                }
                return parsed
            code, message, fields = wire.error_fields(status, data)
            if not last and is_retryable(code, status):
                await self._pause(operation, attempt, code, throttled=is_throttling(code, status))
                continue
            error = error_response(code, message, fields, status, request_id, attempt - 1)
            if not self._errors.ready:  # loading the service model is ~15 ms of blocking work
                await asyncio.to_thread(lambda: self._errors.exceptions)
            raise self._errors.client_error(error, operation)

    async def _pause(self, operation: str, attempt: int, why: str, *, throttled: bool) -> None:
        base = self._throttle_backoff if throttled else self._backoff
        delay = random.random() * min(base * 2 ** (attempt - 1), self._max_backoff)
        log.debug("dynamodb %s attempt %d failed (%s); retrying in %.3f s", operation, attempt, why, delay)
        await self._sleep(delay)

    def _session(self) -> Any:
        """One botocore session (credential chain, service model), made on first need."""
        with self._session_lock:
            if self._botocore is None:
                import botocore.session

                self._botocore = botocore.session.get_session()
            return self._botocore
