"""HTTP caching for public endpoints: ETag from the body, 304 on a matching If-None-Match."""

from __future__ import annotations

import hashlib

from starlette.requests import Request
from starlette.responses import Response


def cached_json(request: Request, body: bytes, *, max_age: int, private: bool = False) -> Response:
    """A JSON response with Cache-Control and a strong ETag; 304 when the client has it already."""
    etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
    headers = {
        "etag": etag,
        "cache-control": f"{'private' if private else 'public'}, max-age={max_age}",
        "vary": "authorization",
    }
    presented = request.headers.get("if-none-match", "")
    if etag in {tag.strip() for tag in presented.split(",")} or presented.strip() == "*":
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)
