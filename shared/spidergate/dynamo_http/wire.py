"""DynamoDB's JSON protocol on the wire: request bodies, parsed responses and error bodies.

Parameters are taken exactly as boto3's low-level client takes them (attribute values already
typed: ``{"S": ...}``, ``{"N": "1.5"}``); binary values are ``bytes``, sent base64-encoded, and
come back as ``bytes`` the way botocore returns them.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

TARGET_PREFIX = "DynamoDB_20120810."
CONTENT_TYPE = "application/x-amz-json-1.0"
# A response mentions binary values only if a "B"/"BS" key occurs: only then is it walked.
_BINARY_KEY = re.compile(rb'"BS?"\s*:')


def _json_default(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"{type(value).__name__} is not a DynamoDB JSON value")


def encode(params: dict[str, Any]) -> bytes:
    """The request body for ``params`` (compact JSON, bytes base64-encoded)."""
    return json.dumps(params, separators=(",", ":"), default=_json_default).encode()


def decode(data: bytes) -> dict[str, Any]:
    """A response body as botocore parses it for the item operations (binary values as bytes)."""
    if not data:
        return {}
    parsed = json.loads(data)
    if not isinstance(parsed, dict):
        raise ValueError("DynamoDB answered with a JSON body that is not an object")
    if _BINARY_KEY.search(data):
        _decode_binary(parsed)
    return parsed


def error_fields(status: int, data: bytes) -> tuple[str, str, dict[str, Any]]:
    """(code, message, other body fields) of an error response, the way botocore reads them.

    ``__type`` is ``<namespace>#<Code>``; a body that is not JSON gives the status as the code.
    """
    try:
        body = decode(data)
    except ValueError:  # json.JSONDecodeError and UnicodeDecodeError are ValueErrors
        return str(status), "", {}
    kind = str(body.pop("__type", "") or status)
    code = kind.rsplit("#", 1)[-1]
    message = body.get("message", body.get("Message", ""))
    return code, str(message or ""), body


# -- binary attribute values ---------------------------------------------------------------
def _decode_binary(parsed: dict[str, Any]) -> None:
    """Turn base64 ``B``/``BS`` values into bytes wherever the item operations return items."""
    for name in ("Item", "Attributes", "LastEvaluatedKey"):
        _item(parsed.get(name))
    for item in parsed.get("Items") or []:
        _item(item)
    responses = parsed.get("Responses")
    if isinstance(responses, dict):  # BatchGetItem: table -> items
        for items in responses.values():
            for item in items or []:
                _item(item)
    for pending in (parsed.get("UnprocessedKeys") or {}).values():
        for key in pending.get("Keys") or []:
            _item(key)
    for reason in parsed.get("CancellationReasons") or []:
        _item(reason.get("Item"))
    metrics = parsed.get("ItemCollectionMetrics")
    if isinstance(metrics, dict):
        _item(metrics.get("ItemCollectionKey"))


def _item(item: Any) -> None:
    if isinstance(item, dict):
        for value in item.values():
            _value(value)


def _value(value: Any) -> None:
    if not isinstance(value, dict):
        return
    if "B" in value:
        value["B"] = base64.b64decode(value["B"])
    elif "BS" in value:
        value["BS"] = [base64.b64decode(v) for v in value["BS"]]
    elif "M" in value:
        _item(value["M"])
    elif "L" in value:
        for member in value["L"]:
            _value(member)
