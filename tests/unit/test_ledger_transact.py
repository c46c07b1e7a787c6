"""Running ledger transactions: refusals come back by index, contention is retried, then surfaced."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import ClientError

from spidergate.domain import Budgets, Limits, Principal, ProviderKey
from spidergate.errors import RateLimited
from spidergate.settings import Settings
from spidergate.usage.ledger import Ledger
from spidergate.usage.transact import LedgerContention, write

UPDATE = {"Update": {"TableName": "t", "Key": {}, "UpdateExpression": "ADD #n0 :v0"}}
PUT = {"Put": {"TableName": "t", "Item": {}}}


def cancelled(*codes: str, item: dict[str, Any] | None = None) -> ClientError:
    reasons = [
        {"Code": c, **({"Item": item} if item and c == "ConditionalCheckFailed" else {})} for c in codes
    ]
    body = {
        "Error": {"Code": "TransactionCanceledException", "Message": "cancelled"},
        "CancellationReasons": reasons,
    }
    return ClientError(body, "TransactWriteItems")


class FakeDynamo:
    """Answers each call with the next scripted result (an exception is raised)."""

    def __init__(self, *script: Any) -> None:
        self.script = list(script)
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def _next(self, name: str, kwargs: dict[str, Any]) -> Any:
        self.calls.append((name, kwargs))
        result = self.script.pop(0)
        if isinstance(result, Exception):
            raise result
        return result

    def transact_write_items(self, **kwargs: Any) -> Any:
        return self._next("TransactWriteItems", kwargs)

    def update_item(self, **kwargs: Any) -> Any:
        return self._next("UpdateItem", kwargs)


async def no_sleep(_: float) -> None:
    return None


async def test_failed_conditions_are_reported_by_index_with_the_old_item() -> None:
    old = {"requests": {"N": "5"}}
    ddb = FakeDynamo(cancelled("None", "ConditionalCheckFailed", "None", item=old))
    outcome = await write(ddb, [PUT, PUT, PUT], attempts=3, sleep=no_sleep)
    assert outcome.failures == {1: old}
    assert outcome.calls == 1


async def test_conflicts_are_retried_then_succeed() -> None:
    ddb = FakeDynamo(cancelled("TransactionConflict", "None"), cancelled("None", "ThrottlingError"), {})
    outcome = await write(ddb, [PUT, PUT], attempts=4, sleep=no_sleep)
    assert outcome.ok
    assert outcome.calls == 3


async def test_endless_conflicts_surface_as_contention() -> None:
    ddb = FakeDynamo(*[cancelled("TransactionConflict", "None") for _ in range(3)])
    with pytest.raises(LedgerContention):
        await write(ddb, [PUT, PUT], attempts=3, sleep=no_sleep)
    assert len(ddb.calls) == 3


async def test_other_errors_are_not_swallowed() -> None:
    bad = ClientError({"Error": {"Code": "ValidationException", "Message": "bad"}}, "TransactWriteItems")
    with pytest.raises(ClientError):
        await write(FakeDynamo(bad), [PUT, PUT], attempts=3, sleep=no_sleep)
    with pytest.raises(ClientError):
        await write(FakeDynamo(cancelled("ValidationError", "None")), [PUT, PUT], attempts=3, sleep=no_sleep)


async def test_a_lone_update_is_an_update_item_that_reads_back_its_counts() -> None:
    ddb = FakeDynamo({"Attributes": {"requests": {"N": "3"}}})
    outcome = await write(ddb, [UPDATE], attempts=2, sleep=no_sleep)
    assert ddb.calls[0][0] == "UpdateItem"
    assert ddb.calls[0][1]["ReturnValues"] == "ALL_NEW"
    assert outcome.attributes == {"requests": {"N": "3"}}
    failed = ClientError(
        {
            "Error": {"Code": "ConditionalCheckFailedException", "Message": "no"},
            "Item": {"requests": {"N": "5"}},
        },
        "UpdateItem",
    )
    outcome = await write(FakeDynamo(failed), [UPDATE], attempts=2, sleep=no_sleep)
    assert outcome.failures == {0: {"requests": {"N": "5"}}}


async def test_admit_under_endless_contention_is_a_retryable_429() -> None:
    ddb = FakeDynamo(*[cancelled("TransactionConflict", "None", "None") for _ in range(10)])
    ledger = Ledger(ddb, "t", Settings(), clock=lambda: 1_764_000_019.0)
    agent = Principal(
        brand_id="brd_a", agent_id="cli_x", credential_id="ak", limits=Limits(rpm=5),
        agent_budgets=Budgets(daily_usd=Decimal(1)),
    )  # fmt: skip
    key = ProviderKey(
        brand_id="brd_a", key_id="pk", provider="openai", label="k", masked="…", secret_name="s"
    )
    with pytest.raises(RateLimited, match="Too many simultaneous requests for agent cli_x"):
        await ledger.admit(agent, "r1", key=key, worst_cost=Decimal("0.1"), token_estimate=1)
