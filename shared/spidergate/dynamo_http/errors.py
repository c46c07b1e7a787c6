"""The exceptions boto3's DynamoDB client raises, for the same failures seen over plain HTTP.

Service errors become the modeled ``ClientError`` subclasses of botocore's error factory (so
``except ddb.exceptions.TransactionCanceledException as e: e.response["CancellationReasons"]``
works unchanged); transport failures become botocore's connection errors. Building the classes
loads DynamoDB's service model (~15 ms): it happens once, on the first error or first use.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

# Error codes botocore's standard retry mode retries: throttling (long backoff), then transient.
THROTTLING_CODES = frozenset({
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
})  # fmt: skip
TRANSIENT_CODES = frozenset({"RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete"})
TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})
# Refusals the caller (the ledger) interprets itself: never retried here.
NEVER_RETRIED = frozenset({"ConditionalCheckFailedException", "TransactionCanceledException"})


def is_throttling(code: str, status: int) -> bool:
    return code in THROTTLING_CODES or status == 429


def is_retryable(code: str, status: int) -> bool:
    """Whether botocore's standard mode would try the call again."""
    if code in NEVER_RETRIED:
        return False
    return is_throttling(code, status) or code in TRANSIENT_CODES or status in TRANSIENT_STATUSES


def error_response(
    code: str, message: str, fields: dict[str, Any], status: int, request_id: str, retries: int
) -> dict[str, Any]:
    """The ``response`` a botocore ClientError carries: modeled fields (``CancellationReasons``,
    ``Item``) at the top level, as botocore's parser puts them."""
    return {
        **fields,
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"RequestId": request_id, "HTTPStatusCode": status, "RetryAttempts": retries},
    }


class ErrorClasses:
    """DynamoDB's modeled exception classes from one botocore session, built on first use."""

    def __init__(self, session: Callable[[], Any]) -> None:
        self._session = session
        self._lock = threading.Lock()
        self._exceptions: Any = None

    @property
    def ready(self) -> bool:
        return self._exceptions is not None

    @property
    def exceptions(self) -> Any:
        """What ``boto3.client("dynamodb").exceptions`` is: ``.X`` classes and ``.from_code``."""
        if self._exceptions is None:
            with self._lock:
                if self._exceptions is None:
                    session = self._session()
                    model = session.get_service_model("dynamodb")
                    factory = session.get_component("exceptions_factory")
                    self._exceptions = factory.create_client_exceptions(model)
        return self._exceptions

    def client_error(self, response: dict[str, Any], operation: str) -> Exception:
        """The exception boto3 would raise for ``response`` (a plain ClientError if unmodeled)."""
        cls = self.exceptions.from_code(response["Error"]["Code"])
        error: Exception = cls(response, operation)
        return error


def transport_error(exc: Exception, endpoint: str) -> Exception:
    """botocore's exception for an httpx transport failure (they name the endpoint, nothing else)."""
    import httpx
    from botocore import exceptions as bce

    error: Exception
    if isinstance(exc, httpx.ConnectTimeout):
        error = bce.ConnectTimeoutError(endpoint_url=endpoint)
    elif isinstance(exc, httpx.ConnectError):
        error = bce.EndpointConnectionError(endpoint_url=endpoint)
    elif isinstance(exc, httpx.TimeoutException):
        error = bce.ReadTimeoutError(endpoint_url=endpoint)
    else:
        error = bce.ConnectionClosedError(endpoint_url=endpoint)
    return error


def checksum_error(expected: str, actual: int) -> Exception:
    """botocore's error for a response whose CRC32 does not match ``x-amz-crc32``."""
    from botocore.exceptions import ChecksumError

    error: Exception = ChecksumError(
        checksum_type="crc32", expected_checksum=expected, actual_checksum=actual
    )
    return error
