"""Running ledger writes: every item its own single-item call, independent ones issued concurrently.

DynamoDB serialises plain single-item writes of one item and never cancels them for concurrency
(a transaction would be cancelled whenever another one holds a shared item: DESIGN.md), so the
ledger never uses a transaction. A refused condition comes back as a result (with the item as
it was), never as an exception; throttles, 5xx and conflicts with a foreign transaction are
retried here with jittered backoff on top of the client's own retries.
"""

from __future__ import annotations

import asyncio
import inspect
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

# Error codes that mean "try again", not "refused".
RETRIED = frozenset({
    "TransactionConflict",
    "TransactionConflictException",
    "TransactionInProgressException",
    "ThrottlingError",
    "ThrottlingException",
    "ProvisionedThroughputExceeded",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
})  # fmt: skip
_BACKOFF_BASE = 0.01
_BACKOFF_CAP = 0.4
_METHODS = {"Update": "update_item", "Put": "put_item", "Delete": "delete_item"}

Item = dict[str, Any]
Sleep = Callable[[float], Awaitable[None]]


class WriteClient(Protocol):
    """The three single-item writes of DynamoDB's low-level API (AsyncDynamoDB, or a fake)."""

    async def update_item(self, **params: Any) -> dict[str, Any]: ...
    async def put_item(self, **params: Any) -> dict[str, Any]: ...
    async def delete_item(self, **params: Any) -> dict[str, Any]: ...


class LedgerContention(Exception):
    """A write kept failing on throttles or conflicts after every retry."""


@dataclass(frozen=True, slots=True)
class Result:
    """One write's outcome: applied, or refused by its condition (``old``: the item as it was)."""

    ok: bool
    old: Item | None = None
    attributes: Item | None = None  # an update's new values when it asked for them


async def invoke(ddb: Any, method: str, params: dict[str, Any]) -> dict[str, Any]:
    """One call: awaited on an async client (AsyncDynamoDB), in a thread on a boto3 client."""
    call = getattr(ddb, method)
    got: dict[str, Any]
    if inspect.iscoroutinefunction(call):
        got = await call(**params)
    else:
        got = await asyncio.to_thread(call, **params)
    return got


def _transport(exc: BaseException) -> bool:
    from botocore.exceptions import ConnectionError as BotoConnectionError
    from botocore.exceptions import HTTPClientError

    return isinstance(exc, BotoConnectionError | HTTPClientError)


def _code(exc: BaseException) -> tuple[str, int] | None:
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return None
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    return str(response.get("Error", {}).get("Code", "")), int(status or 0)


async def apply(
    ddb: WriteClient, entry: dict[str, Any], *, attempts: int = 4, sleep: Sleep = asyncio.sleep
) -> Result:
    """Apply one entry; a failed condition is ``Result(ok=False)``; retryable errors are retried
    ``attempts`` times, then raised as LedgerContention; anything else is raised as it is."""
    ((kind, params),) = entry.items()
    for attempt in range(attempts):
        try:
            got = await invoke(ddb, _METHODS[kind], params)
            return Result(True, attributes=got.get("Attributes"))
        except Exception as exc:
            code = _code(exc)
            if code is None:
                # No answer at all (a timeout, a reset): only a put is safe to send again, its
                # condition makes a second copy fail instead of count twice.
                if kind != "Put" or not _transport(exc) or attempt == attempts - 1:
                    raise
                await sleep(random.uniform(0, min(_BACKOFF_CAP, _BACKOFF_BASE * 2**attempt)))
                continue
            if code[0] == "ConditionalCheckFailedException":
                response: dict[str, Any] = getattr(exc, "response", {})
                return Result(False, old=response.get("Item"))
            if code[0] not in RETRIED and code[1] < 500:
                raise
            if attempt == attempts - 1:
                raise LedgerContention(f"{kind} kept failing: {code[0]}") from exc
            await sleep(random.uniform(0, min(_BACKOFF_CAP, _BACKOFF_BASE * 2**attempt)))
    raise AssertionError("unreachable")  # pragma: no cover


async def apply_all(
    ddb: WriteClient, entries: list[dict[str, Any]], *, attempts: int = 4
) -> list[Result | BaseException]:
    """Apply ``entries`` concurrently (one round trip of wall time); errors are returned in place."""
    if len(entries) == 1:
        try:
            return [await apply(ddb, entries[0], attempts=attempts)]
        except Exception as exc:
            return [exc]
    return list(
        await asyncio.gather(*(apply(ddb, e, attempts=attempts) for e in entries), return_exceptions=True)
    )
