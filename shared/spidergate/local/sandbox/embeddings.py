"""``POST /v1/embeddings``: unit vectors derived from a hash of each input."""

from __future__ import annotations

import base64
import hashlib
import math
import struct
from typing import Any

from starlette.responses import Response

from spidergate.local.sandbox.call import BadRequest, SandboxCall, optional_int, require_model
from spidergate.local.sandbox.text import count_tokens
from spidergate.local.sandbox.wire import json_response

NATIVE_DIMENSIONS = {
    "text-embedding-3-large": 3072,
    "text-embedding-3-small": 1536,
    "text-embedding-ada-002": 1536,
}
DEFAULT_DIMENSIONS = 1536
MAX_DIMENSIONS = 8192
_FIXED = frozenset({"text-embedding-ada-002"})  # models that refuse ``dimensions``


def vector(model: str, text: str, dimensions: int) -> list[float]:
    """A deterministic unit vector for ``text``: SHAKE-256 bytes read as centred 16-bit values."""
    raw = hashlib.shake_256(f"{model}\x00{text}".encode()).digest(2 * dimensions)
    values = [(u - 32767.5) / 32767.5 for u in struct.unpack(f"<{dimensions}H", raw)]
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return [v / norm for v in values]


def _inputs(value: Any) -> list[tuple[str, int]]:
    """Each input as (text to hash, tokens it counts for): strings, token arrays, or lists of either."""
    if isinstance(value, str):
        items: list[Any] = [value]
    elif (
        isinstance(value, list)
        and value
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        items = [value]  # one token array
    elif isinstance(value, list):
        items = value
    else:
        raise BadRequest("'input' must be a string, an array of strings, or token arrays.", "input")
    if not items:
        raise BadRequest("'input' must not be empty.", "input")
    out: list[tuple[str, int]] = []
    for item in items:
        if isinstance(item, str) and item:
            out.append((item, count_tokens(item)))
        elif (
            isinstance(item, list)
            and item
            and all(isinstance(t, int) and not isinstance(t, bool) for t in item)
        ):
            out.append((" ".join(map(str, item)), len(item)))
        else:
            raise BadRequest("'input' items must be non-empty strings or non-empty token arrays.", "input")
    return out


def handle_embeddings(call: SandboxCall) -> Response:
    """``POST /v1/embeddings``: one vector per input, floats or base64 little-endian float32."""
    body = call.body
    model = require_model(body)
    inputs = _inputs(body.get("input"))
    requested = optional_int(body, "dimensions", 1, MAX_DIMENSIONS)
    if requested is not None and model in _FIXED:
        raise BadRequest("This model does not support specifying dimensions.", "dimensions")
    native = NATIVE_DIMENSIONS.get(model, DEFAULT_DIMENSIONS)
    if requested is not None and model in NATIVE_DIMENSIONS and requested > native:
        raise BadRequest(f"'dimensions' must be at most {native} for {model}.", "dimensions")
    dimensions = requested or native
    encoding = body.get("encoding_format", "float")
    if encoding not in ("float", "base64"):
        raise BadRequest("'encoding_format' must be 'float' or 'base64'.", "encoding_format")
    data = []
    for index, (text, _tokens) in enumerate(inputs):
        values = vector(model, text, dimensions)
        embedding: Any = values
        if encoding == "base64":
            embedding = base64.b64encode(struct.pack(f"<{dimensions}f", *values)).decode()
        data.append({"object": "embedding", "index": index, "embedding": embedding})
    tokens = sum(t for _text, t in inputs)
    result = {
        "object": "list",
        "data": data,
        "model": model,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }
    return json_response(result, headers={"x-request-id": call.request_id})
