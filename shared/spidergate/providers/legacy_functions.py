"""OpenAI's legacy ``functions`` / ``function_call`` on wires that only know tools (Anthropic, Bedrock).

OpenAI still serves the deprecated form, so the gateway translates it rather than ignore it:

- the request: ``functions`` become function ``tools``, ``function_call`` the ``tool_choice``
  (``"none"``, ``"auto"`` or ``{"name": ...}``), one call at a time (legacy answers carry one);
  history turns convert too: an assistant ``function_call`` becomes a tool call with an id made up
  here, and the ``role: "function"`` message answering it a tool result for that id;
- the answer: the first tool call comes back as ``message.function_call`` (``delta.function_call``
  in a stream) with ``finish_reason: "function_call"``, as OpenAI answers legacy requests.
"""

from __future__ import annotations

import json
from typing import Any

from spidergate.providers.base import StreamPiece
from spidergate.providers.chat_output import encode


def is_legacy(request: dict[str, Any]) -> bool:
    """A request using ``functions`` (and no ``tools``): its answer takes the legacy shape too."""
    return bool(request.get("functions")) and not request.get("tools")


def modernize(request: dict[str, Any], *, single_call: bool = False) -> dict[str, Any]:
    """``request`` with functions, function_call and function history in tool form.

    ``single_call``: the wire can be asked for one tool call at a time (``parallel_tool_calls``);
    otherwise only the first call of an answer is kept.
    """
    if "functions" not in request and "function_call" not in request and not _has_function_history(request):
        return request
    out = {k: v for k, v in request.items() if k not in ("functions", "function_call")}
    if request.get("functions") and not request.get("tools"):
        out["tools"] = [
            {"type": "function", "function": f} for f in request["functions"] if isinstance(f, dict)
        ]
        if single_call:
            out["parallel_tool_calls"] = False
        choice = request.get("function_call")
        if choice in ("none", "auto"):
            out["tool_choice"] = choice
        elif isinstance(choice, dict) and choice.get("name"):
            out["tool_choice"] = {"type": "function", "function": {"name": str(choice["name"])}}
    out["messages"] = _modern_history(list(request.get("messages") or []))
    return out


def _has_function_history(request: dict[str, Any]) -> bool:
    return any(
        isinstance(m, dict) and (m.get("role") == "function" or m.get("function_call"))
        for m in request.get("messages") or []
    )


def _modern_history(messages: list[Any]) -> list[Any]:
    pending: dict[str, str] = {}  # function name -> the id given to its last call
    out: list[Any] = []
    for position, message in enumerate(messages):
        if not isinstance(message, dict):
            out.append(message)
        elif message.get("role") == "assistant" and isinstance(message.get("function_call"), dict):
            call = message["function_call"]
            call_id = f"call_legacy_{position}"
            pending[str(call.get("name") or "")] = call_id
            modern = {k: v for k, v in message.items() if k != "function_call"}
            function = {"name": str(call.get("name") or ""), "arguments": call.get("arguments") or "{}"}
            modern["tool_calls"] = [{"id": call_id, "type": "function", "function": function}]
            out.append(modern)
        elif message.get("role") == "function":
            name = str(message.get("name") or "")
            call_id = pending.pop(name, f"call_legacy_{position}")
            out.append({"role": "tool", "tool_call_id": call_id, "content": message.get("content") or ""})
        else:
            out.append(message)
    return out


def legacy_body(body: dict[str, Any]) -> dict[str, Any]:
    """A ``chat.completion`` with its first tool call as ``function_call``."""
    for choice in body.get("choices") or []:
        message = choice.get("message") or {}
        calls = message.pop("tool_calls", None)
        if calls:
            function = calls[0]["function"]
            message["function_call"] = {"name": function["name"], "arguments": function["arguments"]}
        if choice.get("finish_reason") == "tool_calls":
            choice["finish_reason"] = "function_call"
    return body


def legacy_piece(piece: StreamPiece) -> StreamPiece:
    """A ``chat.completion.chunk`` with tool-call deltas (of the first call) as ``function_call``."""
    if b'"tool_calls"' not in piece.data and b'"finish_reason":"tool_calls"' not in piece.data:
        return piece
    chunk = json.loads(piece.data)
    for choice in chunk.get("choices") or []:
        delta = choice.get("delta") or {}
        calls = [c for c in delta.pop("tool_calls", None) or [] if c.get("index", 0) == 0]
        if calls:
            function = calls[0].get("function") or {}
            delta["function_call"] = {k: function[k] for k in ("name", "arguments") if k in function}
        if choice.get("finish_reason") == "tool_calls":
            choice["finish_reason"] = "function_call"
    return StreamPiece(encode(chunk), usage=piece.usage, usage_only=piece.usage_only)
