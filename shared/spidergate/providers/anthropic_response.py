"""Anthropic Messages responses and error bodies -> OpenAI shapes and ``UpstreamError``."""

from __future__ import annotations

import json
from typing import Any

import httpx

from spidergate.providers.base import Completion, UpstreamError, retry_after_seconds
from spidergate.providers.chat_output import AssistantTurn, chat_completion, new_completion_id
from spidergate.providers.thinking import from_anthropic
from spidergate.usage.counts import Usage

FINISH_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "pause_turn": "stop",  # a server-tool turn paused; the client may continue it
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}

# Error types as they appear in bodies and in mid-stream ``error`` events, with their statuses.
ERROR_STATUS = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "billing_error": 402,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "timeout_error": 504,
    "overloaded_error": 529,
}


def finish_reason(stop_reason: str | None) -> str:
    """The OpenAI ``finish_reason`` for an Anthropic ``stop_reason``."""
    return FINISH_REASONS.get(stop_reason or "", "stop")


def usage_from_anthropic(usage: dict[str, Any] | None) -> Usage:
    """Anthropic's ``input_tokens`` exclude cache reads and writes; OpenAI's prompt count includes them.

    Thinking tokens (``output_tokens_details.thinking_tokens``, included in ``output_tokens``)
    become ``reasoning_tokens``.
    """
    usage = usage or {}
    cache_read = int(usage.get("cache_read_input_tokens") or 0)
    cache_write = int(usage.get("cache_creation_input_tokens") or 0)
    details = usage.get("output_tokens_details")
    thinking = int(details.get("thinking_tokens") or 0) if isinstance(details, dict) else 0
    return Usage(
        prompt_tokens=int(usage.get("input_tokens") or 0) + cache_read + cache_write,
        completion_tokens=int(usage.get("output_tokens") or 0),
        cached_tokens=cache_read,
        cache_write_tokens=cache_write,
        reasoning_tokens=thinking,  # part of output_tokens, as OpenAI counts reasoning
    )


def to_completion(message: dict[str, Any], fallback_model: str) -> Completion:
    """A Messages API ``message`` object as an OpenAI ``chat.completion``."""
    turn = AssistantTurn()
    for block in message.get("content") or []:
        kind = block.get("type")
        if kind == "text":
            turn.texts.append(str(block.get("text") or ""))
        elif kind == "tool_use":
            turn.add_tool_call(
                str(block.get("id") or ""), str(block.get("name") or ""), block.get("input") or {}
            )
        else:
            thinking = from_anthropic(block)
            if thinking is not None:
                turn.add_thinking(thinking)
            # server-tool blocks have no OpenAI form.
    usage = usage_from_anthropic(message.get("usage"))
    body = chat_completion(
        completion_id=str(message.get("id") or new_completion_id()),
        model=str(message.get("model") or fallback_model),
        turn=turn,
        finish_reason=finish_reason(message.get("stop_reason")),
        usage=usage,
    )
    return Completion(body=body, usage=usage)


def error_from_body(
    status: int, text: str, *, kind: str = "http", retry_after: float | None = None
) -> UpstreamError:
    """An ``UpstreamError`` from ``{"type":"error","error":{"type","message"}}`` (or any other text)."""
    error_type, message = _error_fields(text)
    return UpstreamError(
        status,
        kind,
        f"Anthropic error {status}"
        + (f" ({error_type})" if error_type else "")
        + (f": {message}" if message else ""),
        code=error_type,
        error_type=error_type,
        retry_after=retry_after,
        raw=text,
        upstream_message=message,
    )


def stream_error(data: str) -> UpstreamError:
    """The ``error`` event sent after the 200: status from its type (``overloaded_error`` is 529)."""
    error_type, _ = _error_fields(data)
    return error_from_body(ERROR_STATUS.get(error_type or "", 500), data, kind="stream")


def _error_fields(text: str) -> tuple[str | None, str]:
    try:
        parsed = json.loads(text)
    except ValueError:
        return None, text.strip()[:300]
    error = parsed.get("error") if isinstance(parsed, dict) else None
    if not isinstance(error, dict):
        return None, text.strip()[:300]
    error_type = error.get("type")
    return (str(error_type) if error_type else None), str(error.get("message") or "")


async def raise_unless_ok(response: httpx.Response) -> None:
    """Raise the upstream's error for anything but a 2xx: a 3xx is no answer (redirects are not
    followed), however the request was made (adapter or Messages pass-through, buffered or streamed)."""
    if response.status_code >= 300:
        text = (await response.aread()).decode("utf-8", errors="replace")
        raise error_from_body(response.status_code, text, retry_after=retry_after_seconds(response.headers))


def message_json(response: httpx.Response) -> Any:
    """The JSON body of a buffered Anthropic answer, or the router's error for a body that is not."""
    try:
        return response.json()
    except ValueError as exc:
        raise UpstreamError(
            response.status_code, "http", "Anthropic sent a non-JSON response", raw=response.text
        ) from exc
