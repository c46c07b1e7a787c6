"""Running a ledger transaction: one DynamoDB call, retried only on contention, never on a refusal."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from spidergate.dynamo_http import AsyncDynamoDB

# Cancellation codes (and error codes) that mean "try again", not "refused".
_CONTENDED = {
    "TransactionConflict",
    "TransactionConflictException",
    "TransactionInProgressException",
    "ThrottlingError",
    "ThrottlingException",
    "ProvisionedThroughputExceeded",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
}
_BACKOFF_BASE = 0.01
_BACKOFF_CAP = 0.4


class LedgerContention(Exception):
    """DynamoDB kept cancelling the transaction on conflicts with concurrent writers."""


@dataclass(slots=True)
class Outcome:
    """What a transaction did: the failed conditions (index -> item as it was) and the calls made."""

    failures: dict[int, dict[str, Any] | None] = field(default_factory=dict)
    attributes: dict[str, Any] | None = None  # the item after a lone update (ALL_NEW)
    calls: int = 0

    @property
    def ok(self) -> bool:
        return not self.failures


async def write(
    ddb: Any,
    entries: list[dict[str, Any]],
    *,
    attempts: int,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> Outcome:
    """Apply ``entries`` atomically: a lone ``Update`` as UpdateItem (its new values come back),
    anything else as TransactWriteItems. Conflicts are retried with jittered backoff."""
    outcome = Outcome()
    for attempt in range(attempts):
        outcome.calls += 1
        try:
            if len(entries) == 1 and "Update" in entries[0]:
                got = await _call(ddb, "update_item", **entries[0]["Update"], ReturnValues="ALL_NEW")
                outcome.attributes = got.get("Attributes", {})
            else:
                await _call(ddb, "transact_write_items", TransactItems=entries)
            return outcome
        except Exception as exc:
            # botocore's ClientError, recognised by its parsed response (no botocore import).
            failures, contended = _classify(exc)
            if failures is None:
                raise
            if failures:
                outcome.failures = failures
                return outcome
            if not contended or attempt == attempts - 1:
                if contended:
                    raise LedgerContention(str(exc)) from exc
                raise
            await sleep(random.uniform(0, min(_BACKOFF_CAP, _BACKOFF_BASE * 2**attempt)))
    raise AssertionError("unreachable")  # pragma: no cover


async def _call(ddb: Any, method: str, **params: Any) -> dict[str, Any]:
    """One call on ``ddb``: awaited on an AsyncDynamoDB, in a thread on a boto3 client (or fake)."""
    got: dict[str, Any]
    if isinstance(ddb, AsyncDynamoDB):
        got = await getattr(ddb, method)(**params)
    else:
        got = await asyncio.to_thread(getattr(ddb, method), **params)
    return got


def _classify(exc: Any) -> tuple[dict[int, dict[str, Any] | None] | None, bool]:
    """(failed conditions, contended) of a ClientError; ``(None, False)`` for anything else."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return None, False
    code = response.get("Error", {}).get("Code", "")
    if code == "ConditionalCheckFailedException":
        return {0: response.get("Item")}, False
    if code in _CONTENDED:
        return {}, True
    if code != "TransactionCanceledException":
        return None, False
    reasons = response.get("CancellationReasons") or []
    failures: dict[int, dict[str, Any] | None] = {}
    contended = False
    for index, reason in enumerate(reasons):
        reason_code = reason.get("Code") or "None"
        if reason_code == "ConditionalCheckFailed":
            failures[index] = reason.get("Item")
        elif reason_code in _CONTENDED:
            contended = True
        elif reason_code != "None":
            return None, False
    return failures, contended
