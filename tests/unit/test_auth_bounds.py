"""Issue 12 #14: token parts are bounded before any DynamoDB lookup (a 401, never an error)."""

from __future__ import annotations

from typing import Any

import pytest

from spidergate.auth import MAX_TOKEN_LENGTH, Authenticator
from spidergate.errors import AuthenticationFailed


class NoLookups:
    """Records that fail the test if the authenticator reaches DynamoDB."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"unexpected lookup: {name}")


@pytest.mark.parametrize(
    "token",
    [
        "c" * 3000 + ":ak_1:sgs_2",  # over DynamoDB's 2,048-byte partition key
        "cli_1:" + "k" * 1500 + ":sgs_2",  # over the 1,024-byte sort key
        "cli_" + "é" * 100 + ":ak_1:sgs_2",  # multi-byte characters
        "cli_1:ak 1:sgs_2",
        "x" * (MAX_TOKEN_LENGTH + 1),
        "spideriq_pat_" + "a" * 600,
    ],
)
async def test_oversized_or_foreign_token_parts_are_401s_without_a_lookup(token: str) -> None:
    auth = Authenticator(NoLookups(), ttl=0)  # type: ignore[arg-type]
    with pytest.raises(AuthenticationFailed) as caught:
        await auth.authenticate(f"Bearer {token}")
    assert caught.value.status == 401
