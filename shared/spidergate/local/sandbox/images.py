"""``POST /v1/images/generations``: a tiny valid PNG, coloured by the prompt, inline or by URL."""

from __future__ import annotations

import base64
import re
import struct
import time
import zlib

from starlette.requests import Request
from starlette.responses import Response

from spidergate.local.sandbox.call import BadRequest, SandboxCall, optional_int
from spidergate.local.sandbox.text import count_tokens, stable_hex
from spidergate.local.sandbox.wire import json_response

SIDE = 8  # pixels: small on purpose, the sandbox only has to prove the bytes are a real PNG
_COLOUR = re.compile(r"^[0-9a-f]{6}$")


def png(colour: str, side: int = SIDE) -> bytes:
    """A ``side`` x ``side`` RGB PNG of one ``rrggbb`` colour."""
    rgb = bytes.fromhex(colour)
    rows = b"".join(b"\x00" + rgb * side for _ in range(side))  # filter byte 0 per row

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def handle_images(call: SandboxCall) -> Response:
    """``POST /v1/images/generations``: ``n`` PNGs as ``b64_json`` or sandbox URLs."""
    body = call.body
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt:
        raise BadRequest("'prompt' is required.", "prompt")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        model = "dall-e-2"
    n = optional_int(body, "n", 1, 10) or 1
    gpt_image = model.startswith("gpt-image")
    default_format = "b64_json" if gpt_image else "url"
    response_format = body.get("response_format") or default_format
    if response_format not in ("url", "b64_json") or (gpt_image and response_format == "url"):
        raise BadRequest(
            f"'response_format' {response_format!r} is not supported for {model}.", "response_format"
        )
    data = []
    for index in range(n):
        colour = stable_hex(model, prompt, str(index), length=6)
        if response_format == "b64_json":
            data.append({"b64_json": base64.b64encode(png(colour)).decode()})
        else:
            data.append({"url": f"{call.base_url}/_files/img_{colour}.png"})
        if model == "dall-e-3":
            data[-1]["revised_prompt"] = prompt
    result: dict[str, object] = {"created": int(time.time()), "data": data}
    if gpt_image:
        tokens = count_tokens(prompt)
        result["usage"] = {
            "total_tokens": tokens + 272 * n,
            "input_tokens": tokens,
            "output_tokens": 272 * n,
            "input_tokens_details": {"text_tokens": tokens, "image_tokens": 0},
        }
    return json_response(result, headers={"x-request-id": call.request_id})


async def serve_image(request: Request) -> Response:
    """``GET /_files/img_<rrggbb>.png``: the image an earlier ``url`` answer pointed at."""
    colour = request.path_params["colour"]
    if not _COLOUR.match(colour):
        return Response(b"not found", status_code=404, media_type="text/plain")
    return Response(png(colour), media_type="image/png")
