"""A Messages API request as an OpenAI chat request, for upstreams that do not speak Messages.

Content blocks map one to one where chat has a place for them: text (``cache_control`` kept on
the part), images (base64 sources as data URLs, URL sources kept as URLs), ``tool_use`` as
``tool_calls``, thinking blocks as the assistant's ``thinking_blocks`` (``providers.thinking``),
and every ``tool_result`` of a user turn as one ``tool`` message each, all of them before that
turn's text, so the results of parallel calls stay in one turn. Blocks with no chat form
(server tools, documents from other sources) are a 400 naming them, never silently lost.
"""

from __future__ import annotations

import json
from typing import Any

from spidergate.errors import InvalidRequest

Json = dict[str, Any]

# Thinking budgets as OpenAI reasoning efforts, for non-Claude models that reason.
_EFFORT_BUDGETS = ((2048, "low"), (8192, "medium"))


def to_chat(body: Json, *, strict: bool = True) -> Json:
    """The chat request for a Messages request (validated here; a 400 names what is wrong).

    ``strict=False`` leaves out what chat cannot carry (documents, server tools and their blocks)
    instead of refusing it: good for estimates and capability needs, not for sending.
    """
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise InvalidRequest("model: Field required", param="model")
    max_tokens = body.get("max_tokens")
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1:
        raise InvalidRequest("max_tokens: Field required (an integer of at least 1)", param="max_tokens")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise InvalidRequest("messages: at least one message is required", param="messages")
    out: Json = {"model": model, "max_tokens": max_tokens, "messages": _system(body.get("system"))}
    for index, message in enumerate(messages):
        out["messages"].extend(_message(message, f"messages.{index}", strict))
    tools = [
        _tool(tool, f"tools.{i}", strict) for i, tool in enumerate(_list(body.get("tools") or [], "tools"))
    ]
    if any(tools):
        out["tools"] = [tool for tool in tools if tool]
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        _tool_choice(choice, out)
    for name, chat_name in (("temperature", "temperature"), ("top_p", "top_p"), ("top_k", "top_k")):
        if body.get(name) is not None:
            out[chat_name] = body[name]
    if body.get("stop_sequences"):
        out["stop"] = _list(body["stop_sequences"], "stop_sequences")
    user = (body.get("metadata") or {}).get("user_id") if isinstance(body.get("metadata"), dict) else None
    if isinstance(user, str) and user:
        out["user"] = user
    if isinstance(body.get("thinking"), dict):
        out["thinking"] = body["thinking"]
    if body.get("stream") is True:
        out["stream"] = True
        out["stream_options"] = {"include_usage": True}
    return out


def for_wire(chat: Json, wire: str, reasoning: bool) -> Json:
    """The chat request for one upstream: ``thinking``/``top_k`` kept for Claude wires, else an effort."""
    if wire in ("anthropic", "bedrock"):
        return chat
    thinking = chat.get("thinking")
    out = {k: v for k, v in chat.items() if k not in ("thinking", "top_k")}
    if reasoning and isinstance(thinking, dict) and thinking.get("type") in ("enabled", "adaptive"):
        budget = int(thinking.get("budget_tokens") or 16384)
        out["reasoning_effort"] = next((e for limit, e in _EFFORT_BUDGETS if budget <= limit), "high")
    return out


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise InvalidRequest(f"{where}: Input should be a valid list", param=where)
    return value


def _system(system: Any) -> list[Json]:
    if system is None or system == "" or system == []:
        return []
    if isinstance(system, str):
        return [{"role": "system", "content": system}]
    parts = [_text_part(block, f"system.{i}") for i, block in enumerate(_list(system, "system"))]
    return [{"role": "system", "content": parts}]


def _text_part(block: Any, where: str) -> Json:
    if not isinstance(block, dict) or block.get("type") != "text" or not isinstance(block.get("text"), str):
        raise InvalidRequest(f"{where}: expected a text block", param=where)
    part: Json = {"type": "text", "text": block["text"]}
    if block.get("cache_control") is not None:
        part["cache_control"] = block["cache_control"]
    return part


def _image_part(block: Json, where: str) -> Json:
    source = block.get("source")
    if not isinstance(source, dict):
        raise InvalidRequest(f"{where}.source: Field required", param=f"{where}.source")
    if source.get("type") == "base64" and isinstance(source.get("data"), str):
        url = f"data:{source.get('media_type') or 'image/png'};base64,{source['data']}"
    elif source.get("type") == "url" and isinstance(source.get("url"), str):
        url = source["url"]
    else:
        raise InvalidRequest(f"{where}.source: a base64 or url image source", param=f"{where}.source")
    part: Json = {"type": "image_url", "image_url": {"url": url}}
    if block.get("cache_control") is not None:
        part["cache_control"] = block["cache_control"]
    return part


def _unsupported(block: Json, where: str) -> InvalidRequest:
    kind = block.get("type")
    return InvalidRequest(
        f"{where}: content block type {kind!r} cannot be sent to this model (its upstream does not "
        "speak the Messages API); route it to a Claude model",
        param=where,
    )


def _message(message: Any, where: str, strict: bool) -> list[Json]:
    if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
        raise InvalidRequest(f"{where}.role: expected 'user' or 'assistant'", param=f"{where}.role")
    content = message.get("content")
    if isinstance(content, str):
        return [{"role": message["role"], "content": content}]
    blocks = _list(content, f"{where}.content")
    if message["role"] == "assistant":
        return [_assistant(blocks, where, strict)]
    return _user(blocks, where, strict)


def _user(blocks: list[Any], where: str, strict: bool) -> list[Json]:
    tools: list[Json] = []
    parts: list[Json] = []
    for i, block in enumerate(blocks):
        at = f"{where}.content.{i}"
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "text":
            parts.append(_text_part(block, at))
        elif kind == "image":
            parts.append(_image_part(block, at))
        elif kind == "tool_result":
            tools.append(_tool_result(block, at, strict))
        elif strict:
            raise _unsupported(block if isinstance(block, dict) else {"type": None}, at)
    out = list(tools)
    if parts:
        out.append({"role": "user", "content": parts})
    return out


def _tool_result(block: Json, where: str, strict: bool) -> Json:
    content = block.get("content")
    if isinstance(content, list):
        texts = []
        for i, part in enumerate(content):
            if isinstance(part, dict) and part.get("type") == "text":
                texts.append(str(part.get("text") or ""))
            elif strict:
                raise _unsupported(part if isinstance(part, dict) else {}, f"{where}.content.{i}")
        text = "\n".join(texts)
    else:
        text = "" if content is None else str(content)
    if block.get("is_error"):
        text = f"Error: {text}"
    return {"role": "tool", "tool_call_id": str(block.get("tool_use_id") or ""), "content": text}


def _assistant(blocks: list[Any], where: str, strict: bool) -> Json:
    texts: list[str] = []
    calls: list[Json] = []
    thinking: list[Json] = []
    for i, block in enumerate(blocks):
        at = f"{where}.content.{i}"
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "text":
            texts.append(str(block.get("text") or ""))
        elif kind == "tool_use":
            arguments = json.dumps(block.get("input") or {}, separators=(",", ":"))
            function = {"name": str(block.get("name") or ""), "arguments": arguments}
            calls.append({"id": str(block.get("id") or ""), "type": "function", "function": function})
        elif kind in ("thinking", "redacted_thinking"):
            thinking.append(dict(block))
        elif strict:
            raise _unsupported(block if isinstance(block, dict) else {"type": None}, at)
    out: Json = {"role": "assistant", "content": "".join(texts) or None}
    if calls:
        out["tool_calls"] = calls
    if thinking:
        out["thinking_blocks"] = thinking
    if out["content"] is None and not calls:
        out["content"] = ""
    return out


def _tool(tool: Any, where: str, strict: bool) -> Json | None:
    if not isinstance(tool, dict) or not isinstance(tool.get("name"), str):
        raise InvalidRequest(f"{where}.name: Field required", param=f"{where}.name")
    if tool.get("type") not in (None, "custom"):
        if not strict:
            return None
        raise InvalidRequest(
            f"{where}: server tool {tool.get('type')!r} is only available on Claude models", param=where
        )
    function: Json = {"name": tool["name"], "parameters": tool.get("input_schema") or {"type": "object"}}
    if tool.get("description"):
        function["description"] = tool["description"]
    return {"type": "function", "function": function}


def _tool_choice(choice: Json, out: Json) -> None:
    kind = choice.get("type")
    if kind == "auto":
        out["tool_choice"] = "auto"
    elif kind == "any":
        out["tool_choice"] = "required"
    elif kind == "none":
        out["tool_choice"] = "none"
    elif kind == "tool" and isinstance(choice.get("name"), str):
        out["tool_choice"] = {"type": "function", "function": {"name": choice["name"]}}
    else:
        raise InvalidRequest("tool_choice: type is auto, any, tool (with name) or none", param="tool_choice")
    if choice.get("disable_parallel_tool_use") and "tools" in out:
        out["parallel_tool_calls"] = False
