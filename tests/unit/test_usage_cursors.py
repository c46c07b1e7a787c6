"""Opaque cursors: round trip, and refusal of anything not minted for the same query."""

from __future__ import annotations

import base64
import json

import pytest

from spidergate.errors import InvalidRequest
from spidergate.usage.cursors import decode_cursor, encode_cursor

LAST = {"pk": {"S": "REQ#brd_a"}, "sk": {"S": "2025-11-25T10:00:00.000Z#r1"}}
EXPECT = {"pk": "REQ#brd_a", "sk": ""}


def test_round_trip() -> None:
    cursor = encode_cursor(LAST)
    assert cursor is not None
    assert "=" not in cursor
    assert decode_cursor(cursor, expect=EXPECT) == LAST


def test_no_cursor_means_no_page() -> None:
    assert encode_cursor(None) is None
    assert encode_cursor({}) is None
    assert decode_cursor(None, expect=EXPECT) is None
    assert decode_cursor("", expect=EXPECT) is None


def raw(data: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "%%%",
        "bm90IGpzb24",  # "not json"
        raw(["pk"]),
        raw({"pk": {"S": "REQ#brd_b"}, "sk": {"S": "x"}}),  # another brand's pages
        raw({"pk": {"S": "REQ#brd_a"}}),
        raw({"pk": {"S": "REQ#brd_a"}, "sk": {"N": "1"}}),
        raw({"pk": {"S": "REQ#brd_a"}, "sk": {"S": "x"}, "gsi1pk": {"S": "y"}}),
        "A" * 5000,
    ],
)
def test_foreign_or_broken_cursors_are_invalid_requests(cursor: str) -> None:
    with pytest.raises(InvalidRequest) as refused:
        decode_cursor(cursor, expect=EXPECT)
    assert refused.value.param == "cursor"
