"""``GET /v1/models`` in the OpenAI list shape, or Anthropic's when asked Anthropic-style."""

from __future__ import annotations

from starlette.responses import Response

from spidergate.local.sandbox.call import SandboxCall
from spidergate.local.sandbox.wire import json_response

OPENAI_MODELS = (
    "gpt-4o-mini",
    "gpt-4o",
    "gpt-4.1-mini",
    "o4-mini",
    "text-embedding-3-small",
    "text-embedding-3-large",
    "text-embedding-ada-002",
    "dall-e-2",
    "dall-e-3",
    "gpt-image-1",
    "tts-1",
    "tts-1-hd",
    "gpt-4o-mini-tts",
    "whisper-1",
    "gpt-4o-transcribe",
    "gpt-4o-mini-transcribe",
)
ANTHROPIC_MODELS = (
    ("claude-sonnet-4-5", "Claude Sonnet 4.5"),
    ("claude-haiku-4-5", "Claude Haiku 4.5"),
    ("claude-opus-4-1", "Claude Opus 4.1"),
)


def handle_models(call: SandboxCall) -> Response:
    """The OpenAI model list."""
    data = [
        {"id": m, "object": "model", "created": 1_700_000_000, "owned_by": "sandbox"} for m in OPENAI_MODELS
    ]
    return json_response({"object": "list", "data": data}, headers={"x-request-id": call.request_id})


def handle_anthropic_models(call: SandboxCall) -> Response:
    """Anthropic's model list page."""
    data = [
        {"type": "model", "id": m, "display_name": name, "created_at": "2025-01-01T00:00:00Z"}
        for m, name in ANTHROPIC_MODELS
    ]
    page = {"data": data, "has_more": False, "first_id": data[0]["id"], "last_id": data[-1]["id"]}
    return json_response(page, headers={"request-id": call.request_id})
