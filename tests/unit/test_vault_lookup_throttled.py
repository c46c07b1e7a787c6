"""``lookup_credential`` under throttling: keys DynamoDB leaves unprocessed are fetched again, and a
valid key is never answered 401 because of a throttle."""

from __future__ import annotations

from typing import Any

import pytest

from spidergate.errors import NoCapacity
from spidergate.vault import records as records_module
from spidergate.vault.records import Records

CRED = {"pk": {"S": "AGENT#cli_1"}, "sk": {"S": "CRED#ak_1"}}
AGENT = {"pk": {"S": "AGENT#cli_1"}, "sk": {"S": "AGENT"}}


class Throttled:
    """BatchGetItem answering from a script of (found items, unprocessed keys)."""

    def __init__(self, *script: tuple[list[dict[str, Any]], list[dict[str, Any]]]) -> None:
        self.script = list(script)
        self.asked: list[list[dict[str, Any]]] = []

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        self.asked.append(RequestItems["t"]["Keys"])
        found, left = self.script.pop(0)
        return {"Responses": {"t": found}, "UnprocessedKeys": {"t": {"Keys": left}} if left else {}}


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(records_module.time, "sleep", lambda _: None)


def test_unprocessed_keys_are_fetched_again() -> None:
    agent_item = {**AGENT, "agent_id": {"S": "cli_1"}, "brand_id": {"S": "brd_1"}, "name": {"S": "a"}}
    ddb = Throttled(([], [CRED, AGENT]), ([agent_item], [CRED]), ([], [CRED]), ([], []))
    cred, agent = Records(ddb, "t").lookup_credential("cli_1", "ak_1")
    assert cred is None and agent is not None and agent.agent_id == "cli_1"
    assert ddb.asked[1] == [CRED, AGENT] and ddb.asked[2] == [CRED]
    assert len(ddb.asked) == 4


def test_keys_still_unprocessed_are_a_retryable_503_not_a_401() -> None:
    ddb = Throttled(*([([], [CRED, AGENT])] * records_module._LOOKUP_ATTEMPTS))
    with pytest.raises(NoCapacity) as refused:
        Records(ddb, "t").lookup_credential("cli_1", "ak_1")
    assert refused.value.status == 503
    assert refused.value.headers["retry-after"] == "1"
