"""Gateway errors in Anthropic's shape: ``{"type": "error", "error": {"type", "message"}}``.

Statuses are Anthropic's: a gateway 502/503 (no provider could serve) is 529 ``overloaded_error``,
the status Anthropic clients (Claude Code, the SDKs) treat as "retry later".
"""

from __future__ import annotations

import json
from typing import Any

from spidergate.errors import GatewayError

TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    504: "timeout_error",
    529: "overloaded_error",
}
OVERLOADED = 529


def status_of(error: GatewayError) -> int:
    """The Anthropic status for a gateway error (502/503 become 529; other 5xx stay 500)."""
    if error.status in (502, 503):
        return OVERLOADED
    if error.status >= 500 and error.status not in TYPES:
        return 500
    return error.status


def error_body(error: GatewayError) -> dict[str, Any]:
    status = status_of(error)
    kind = TYPES.get(status) or ("invalid_request_error" if status < 500 else "api_error")
    return {"type": "error", "error": {"type": kind, "message": error.message}}


def error_event(error: GatewayError) -> bytes:
    """The ``error`` SSE event for a failure after the stream started."""
    return b"event: error\ndata: " + json.dumps(error_body(error)).encode() + b"\n\n"
