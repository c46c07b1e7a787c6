"""Opaque page cursors: base64url of a query's LastEvaluatedKey as JSON, checked on the way back in."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from spidergate.errors import InvalidRequest

_MAX_CURSOR = 2048


def encode_cursor(last_key: dict[str, Any] | None) -> str | None:
    """The cursor for the next page (``None`` when there is none)."""
    if not last_key:
        return None
    raw = json.dumps(last_key, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, *, expect: dict[str, str]) -> dict[str, Any] | None:
    """The ExclusiveStartKey in ``cursor``; raises InvalidRequest unless it is a key of this query.

    ``expect`` maps the key attributes of the query's index to the value they must have (``""``
    for a sort key, which only has to be a string): a cursor from another brand's or another
    report's pages is refused rather than passed to DynamoDB.
    """
    if cursor is None or cursor == "":
        return None
    bad = InvalidRequest("cursor is not valid for this query", param="cursor", code="invalid_cursor")
    if len(cursor) > _MAX_CURSOR:
        raise bad
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise bad from exc
    if not isinstance(data, dict) or set(data) != set(expect):
        raise bad
    for attr, wanted in expect.items():
        value = data[attr]
        if not isinstance(value, dict) or set(value) != {"S"} or not isinstance(value["S"], str):
            raise bad
        if wanted and value["S"] != wanted:
            raise bad
    return data
