"""``POST /v1/messages``: a deterministic Anthropic Messages answer, JSON or named-event SSE."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from spidergate.local.sandbox import thinking
from spidergate.local.sandbox.call import BadRequest, SandboxCall
from spidergate.local.sandbox.prompt_cache import cache_usage
from spidergate.local.sandbox.text import (
    arguments_from_schema,
    content_text,
    count_tokens,
    dumps,
    last_user_text,
    limit_tokens,
    messages_tokens,
    pieces,
    reply_for,
    stable_hex,
)
from spidergate.local.sandbox.wire import EventStream, anthropic_error_body, json_response, sse

_JSON_PIECE = 8  # characters of tool input per input_json_delta


def pick_tool(body: dict[str, Any]) -> dict[str, Any] | None:
    """The tool the sandbox calls: the named one, else the first, unless tool_choice is none."""
    tools = body.get("tools")
    choice = body.get("tool_choice") or {"type": "auto"}
    if (
        not isinstance(tools, list)
        or not tools
        or not isinstance(choice, dict)
        or choice.get("type") == "none"
    ):
        return None
    if not all(isinstance(t, dict) and isinstance(t.get("name"), str) for t in tools):
        raise BadRequest("tools: every tool needs a name")
    if choice.get("type") == "tool":
        for tool in tools:
            if tool["name"] == choice.get("name"):
                return dict(tool)
        raise BadRequest(f"tool_choice: tool {choice.get('name')!r} not found in tools")
    return dict(tools[0])


def _validate(body: dict[str, Any]) -> tuple[str, int, list[Any], bool]:
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise BadRequest("model: Field required")
    max_tokens = body.get("max_tokens")
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1:
        raise BadRequest("max_tokens: Field required (an integer of at least 1)")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise BadRequest("messages: at least one message is required")
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise BadRequest("stream: Input should be a valid boolean")
    _model_rules(model, body, messages)
    if thinking.enabled(body):
        thinking.check_history(messages)
    return model, max_tokens, messages, stream


def _model_rules(model: str, body: dict[str, Any], messages: list[Any]) -> None:
    """The per-model refusals of the real API, for models the catalog lists as refusing them.

    Opus 4.7 and later refuse sampling parameters; 4.6 and later refuse a prefill; on
    ``anthropic-version: 2023-06-01`` the 4.5+ models refuse temperature together with top_p.
    """
    from spidergate.catalog import get_catalog

    info = get_catalog().get(f"anthropic/{model}")
    refuses = info.refuses if info is not None else frozenset()
    if "sampling_params" in refuses:
        for name in ("temperature", "top_p", "top_k"):
            if name in body:
                raise BadRequest(f"`{name}` is deprecated for this model.")
    if "temperature" in body and "top_p" in body:
        raise BadRequest(
            "`temperature` and `top_p` cannot both be specified for this model. Please use only one."
        )
    last = messages[-1] if messages else None
    if "assistant_prefill" in refuses and isinstance(last, dict) and last.get("role") == "assistant":
        raise BadRequest(
            "This model does not support assistant message prefill. The conversation must end with a user message."
        )


def handle_messages(call: SandboxCall) -> Response:
    """``POST /v1/messages``: a Message, or its event stream when ``stream`` is true."""
    body = call.body
    model, max_tokens, messages, stream = _validate(body)
    input_tokens = count_tokens(content_text(body.get("system"))) + messages_tokens(messages)
    cache_write, cache_read = cache_usage(body)
    input_tokens = max(0, input_tokens - cache_write - cache_read)  # Anthropic counts them apart
    tool = pick_tool(body)
    blocks: list[dict[str, Any]]
    if tool is not None:
        text = f"Sandbox calling {tool['name']}."
        tool_input = arguments_from_schema(tool.get("input_schema"))
        tool_block = {
            "type": "tool_use",
            "id": f"toolu_{stable_hex(call.request_id, tool['name'])}",
            "name": tool["name"],
            "input": tool_input,
        }
        blocks = [{"type": "text", "text": text}, tool_block]
        stop_reason = "tool_use"
        output_tokens = count_tokens(text) + count_tokens(tool["name"]) + count_tokens(dumps(tool_input))
    else:
        text, cut = limit_tokens(reply_for(model, last_user_text(messages)), max_tokens)
        blocks = [{"type": "text", "text": text}]
        stop_reason = "max_tokens" if cut else "end_turn"
        output_tokens = count_tokens(text)
    if thinking.enabled(body):
        thought = thinking.answer_block(last_user_text(messages))
        blocks.insert(0, thought)
        output_tokens += count_tokens(thought["thinking"])
    message = {
        "id": f"msg_{call.request_id}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": blocks,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": _usage(input_tokens, output_tokens, cache_write, cache_read),
    }
    headers = {"request-id": call.request_id}
    if not stream:
        return json_response(message, headers=headers)
    return _stream(call, message, headers)


def _usage(
    input_tokens: int, output_tokens: int, cache_write: int = 0, cache_read: int = 0
) -> dict[str, Any]:
    return {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cache_creation_input_tokens": cache_write,
        "cache_read_input_tokens": cache_read,
        "service_tier": "standard",
    }


def _stream(call: SandboxCall, message: dict[str, Any], headers: dict[str, str]) -> EventStream:
    """message_start, per block start/deltas/stop (a ping after the first start), message_delta, stop."""
    start = {
        **message,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {**message["usage"], "output_tokens": 1},
    }
    events = [sse({"type": "message_start", "message": start}, "message_start")]
    first_token = 0
    for index, block in enumerate(message["content"]):
        if block["type"] == "text":
            opening: dict[str, Any] = {"type": "text", "text": ""}
            deltas = [{"type": "text_delta", "text": p} for p in pieces(block["text"])]
        elif block["type"] == "thinking":
            opening = {"type": "thinking", "thinking": "", "signature": ""}
            deltas = [{"type": "thinking_delta", "thinking": p} for p in pieces(block["thinking"])]
            deltas.append({"type": "signature_delta", "signature": block["signature"]})
        else:
            opening = {**block, "input": {}}
            raw = dumps(block["input"])
            deltas = [
                {"type": "input_json_delta", "partial_json": raw[i : i + _JSON_PIECE]}
                for i in range(0, len(raw), _JSON_PIECE)
            ]
        events.append(
            sse(
                {"type": "content_block_start", "index": index, "content_block": opening},
                "content_block_start",
            )
        )
        if index == 0:
            events.append(sse({"type": "ping"}, "ping"))
        if not first_token and deltas:
            first_token = len(events) + 1
        events.extend(
            sse({"type": "content_block_delta", "index": index, "delta": d}, "content_block_delta")
            for d in deltas
        )
        events.append(sse({"type": "content_block_stop", "index": index}, "content_block_stop"))
    delta = {
        "type": "message_delta",
        "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
        "usage": {"output_tokens": message["usage"]["output_tokens"]},
    }
    events.append(sse(delta, "message_delta"))
    events.append(sse({"type": "message_stop"}, "message_stop"))
    fault = call.stream_fault
    if fault is None:
        return EventStream(events, headers=headers)
    if fault.kind == "cut_after_first_token":
        return EventStream(events, cut_after=first_token, headers=headers)
    error = fault.body
    if error is None:
        error = anthropic_error_body(529, "Overloaded (injected fault).", call.request_id)
    return EventStream(events, cut_after=first_token, tail=sse(error, "error"), headers=headers)
