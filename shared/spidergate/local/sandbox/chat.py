"""``POST /v1/chat/completions``: a deterministic OpenAI chat completion, JSON or SSE."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

from spidergate.local.sandbox.call import BadRequest, SandboxCall, optional_int, require_model
from spidergate.local.sandbox.text import (
    arguments_from_schema,
    count_tokens,
    dumps,
    last_user_text,
    limit_tokens,
    messages_tokens,
    pieces,
    reply_for,
    stable_hex,
)
from spidergate.local.sandbox.wire import EventStream, json_response, openai_error_body, sse

MAX_CHOICES = 8
_ARG_PIECE = 8  # characters of tool-call arguments per streamed chunk


@dataclass(frozen=True, slots=True)
class ToolCall:
    call_id: str
    name: str
    arguments: str


@dataclass(frozen=True, slots=True)
class Answer:
    """What every choice says: text, or one tool call."""

    text: str | None
    tool_call: ToolCall | None
    finish_reason: str
    completion_tokens: int
    reasoning: str | None = None  # sent as ``reasoning_content`` when reasoning_effort asks for it
    reasoning_tokens: int = 0


def pick_tool_call(body: dict[str, Any], request_id: str) -> ToolCall | None:
    """The one tool call the sandbox makes when tools are offered and not switched off."""
    tools = body.get("tools")
    choice = body.get("tool_choice", "auto")
    if not isinstance(tools, list) or not tools or choice == "none":
        return None
    functions = [t.get("function") for t in tools if isinstance(t, dict)]
    named = [f for f in functions if isinstance(f, dict) and isinstance(f.get("name"), str)]
    if len(named) != len(tools):
        raise BadRequest("every tool needs function.name", "tools")
    chosen = named[0]
    if isinstance(choice, dict):
        wanted = (choice.get("function") or {}).get("name")
        found = [f for f in named if f["name"] == wanted]
        if not found:
            raise BadRequest(f"tool_choice names {wanted!r}, which is not among the tools", "tool_choice")
        chosen = found[0]
    arguments = dumps(arguments_from_schema(chosen.get("parameters")))
    return ToolCall(f"call_{stable_hex(request_id, chosen['name'])}", chosen["name"], arguments)


def answer(body: dict[str, Any], model: str, request_id: str, limit: int | None) -> Answer:
    said = _answer(body, model, request_id, limit)
    effort = body.get("reasoning_effort")
    if not isinstance(effort, str) or effort == "none":
        return said
    thought = f"Reasoning ({effort}) about: {last_user_text(body['messages'])[:80]}"
    tokens = count_tokens(thought)
    return Answer(
        said.text, said.tool_call, said.finish_reason, said.completion_tokens + tokens, thought, tokens
    )


def _answer(body: dict[str, Any], model: str, request_id: str, limit: int | None) -> Answer:
    tool_call = pick_tool_call(body, request_id)
    if tool_call is not None:
        tokens = count_tokens(tool_call.name) + count_tokens(tool_call.arguments)
        return Answer(None, tool_call, "tool_calls", tokens)
    text, cut = limit_tokens(reply_for(model, last_user_text(body["messages"])), limit)
    return Answer(text, None, "length" if cut else "stop", count_tokens(text))


def usage(prompt: int, completion: int, reasoning: int = 0) -> dict[str, Any]:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": reasoning,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def handle_chat(call: SandboxCall) -> Response:
    """``POST /v1/chat/completions``: JSON, or SSE when ``stream`` is true."""
    body = call.body
    model = require_model(body)
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise BadRequest("'messages' must be a non-empty array.", "messages")
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise BadRequest("'stream' must be a boolean.", "stream")
    if body.get("stream_options") is not None and not stream:
        raise BadRequest(
            "The 'stream_options' parameter is only allowed when 'stream' is enabled.", "stream_options"
        )
    n = optional_int(body, "n", 1, MAX_CHOICES) or 1
    limit = optional_int(body, "max_completion_tokens", 1)
    if limit is None:
        limit = optional_int(body, "max_tokens", 1)
    said = answer(body, model, call.request_id, limit)
    prompt = messages_tokens(messages)
    head = {
        "id": f"chatcmpl-{call.request_id}",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": "fp_sandbox",
    }
    if stream:
        options = body.get("stream_options")
        include_usage = isinstance(options, dict) and options.get("include_usage") is True
        return stream_chat(call, head, said, n, prompt, include_usage)
    message: dict[str, Any] = {"role": "assistant", "content": said.text, "refusal": None, "annotations": []}
    if said.tool_call is not None:
        message["tool_calls"] = [_tool_call_json(said.tool_call)]
    if said.reasoning is not None:
        message["reasoning_content"] = said.reasoning
    choices = [
        {"index": i, "message": message, "logprobs": None, "finish_reason": said.finish_reason}
        for i in range(n)
    ]
    data = {
        **head,
        "object": "chat.completion",
        "choices": choices,
        "usage": usage(prompt, said.completion_tokens * n, said.reasoning_tokens * n),
    }
    return json_response(data, headers={"x-request-id": call.request_id})


def stream_chat(
    call: SandboxCall, head: dict[str, Any], said: Answer, n: int, prompt: int, include_usage: bool
) -> EventStream:
    """Role chunk, content (or tool-call) chunks, finish chunk, optional usage chunk, ``[DONE]``."""
    head = {**head, "object": "chat.completion.chunk"}

    def chunk(index: int, delta: dict[str, Any], finish: str | None = None) -> bytes:
        choice = {"index": index, "delta": delta, "logprobs": None, "finish_reason": finish}
        data = {**head, "choices": [choice]}
        if include_usage:
            data["usage"] = None
        return sse(data)

    deltas: list[dict[str, Any]] = [{"reasoning_content": p} for p in pieces(said.reasoning or "")]
    if said.tool_call is not None:
        tc = said.tool_call
        deltas.append({"tool_calls": [{"index": 0, **_tool_call_json(tc, arguments="")}]})
        args = tc.arguments
        for start in range(0, len(args), _ARG_PIECE):
            deltas.append(
                {"tool_calls": [{"index": 0, "function": {"arguments": args[start : start + _ARG_PIECE]}}]}
            )
    else:
        deltas.extend({"content": piece} for piece in pieces(said.text or ""))
    events = [chunk(i, {"role": "assistant", "content": ""}) for i in range(n)]
    events.extend(chunk(i, delta) for delta in deltas for i in range(n))
    events.extend(chunk(i, {}, said.finish_reason) for i in range(n))
    if include_usage:
        counts = usage(prompt, said.completion_tokens * n, said.reasoning_tokens * n)
        events.append(sse({**head, "choices": [], "usage": counts}))
    events.append(b"data: [DONE]\n\n")
    headers = {"x-request-id": call.request_id}
    fault = call.stream_fault
    if fault is None:
        return EventStream(events, headers=headers)
    first_token = n + 1  # the role chunks, then the first content chunk
    if fault.kind == "cut_after_first_token":
        return EventStream(events, cut_after=first_token, headers=headers)
    error = fault.body
    if error is None:
        error = openai_error_body(500, "The sandbox failed mid-stream (injected fault).", code="stream_error")
    return EventStream(events, cut_after=first_token, tail=sse(error), headers=headers)


def _tool_call_json(tc: ToolCall, arguments: str | None = None) -> dict[str, Any]:
    args = tc.arguments if arguments is None else arguments
    return {"id": tc.call_id, "type": "function", "function": {"name": tc.name, "arguments": args}}
