"""OpenAI chat request -> Anthropic Messages request body (PROVIDERS.md section 2).

Which fields are translated, dropped or refused is data (``providers.json``'s ``translate_params``
and ``reject_params``), applied first by ``providers.params.plan_params``.
"""

from __future__ import annotations

from typing import Any

from spidergate.providers.base import Target
from spidergate.providers.chat_input import (
    JSON_ONLY_INSTRUCTION,
    Block,
    content_parts,
    content_text,
    function_tools,
    has_tool_history,
    history_tool_names,
    image_url_of,
    inline_image,
    invalid,
    json_schema_format,
    output_token_limit,
    pdf_of_file_part,
    sampling,
    stop_sequences,
    tool_call_input,
    tool_choice,
    wants_json_object,
)
from spidergate.providers.chat_turns import conversation
from spidergate.providers.effort import claude_reasoning
from spidergate.providers.params import plan_params
from spidergate.providers.thinking import replayed_blocks, to_anthropic


def build_messages_request(target: Target, request: dict[str, Any], *, stream: bool) -> dict[str, Any]:
    """The ``POST /v1/messages`` body for ``request`` sent to ``target``'s model."""
    request = plan_params(target, request).request
    history: list[dict[str, Any]] = list(request.get("messages") or [])
    system, turns = conversation(
        history,
        "Anthropic",
        system_blocks=_text_blocks,
        user_blocks=_user_blocks,
        assistant_blocks=_assistant_blocks,
        tool_result=_tool_result,
        prefill="assistant_prefill" not in target.model.refuses,
    )
    if wants_json_object(request):
        system.append({"type": "text", "text": JSON_ONLY_INSTRUCTION})
    reasoning = claude_reasoning(request, target.model, output_token_limit(request, target.model))
    body: dict[str, Any] = {
        "model": target.model.model,
        "max_tokens": reasoning.max_tokens,
        "messages": turns,
    }
    if system:
        body["system"] = system
    stops = stop_sequences(request)
    if stops:
        body["stop_sequences"] = stops
    chosen = sampling(request)
    if chosen:
        body[chosen[0]] = chosen[1]
    body.update(_tool_fields(request, history))
    output_config = dict(reasoning.output_config)
    schema = json_schema_format(request)
    if schema:
        output_config["format"] = {"type": "json_schema", "schema": schema[0]}
    if output_config:
        body["output_config"] = output_config
    user = request.get("user")
    if isinstance(user, str) and user:
        body["metadata"] = {"user_id": user[:256]}
    if reasoning.thinking is not None:
        body["thinking"] = reasoning.thinking
    if stream:
        body["stream"] = True
    return body


def _with_cache_control(block: Block, part: dict[str, Any]) -> Block:
    """Keep an Anthropic-style ``cache_control`` that clients put on OpenAI parts."""
    if isinstance(part.get("cache_control"), dict):
        block["cache_control"] = part["cache_control"]
    return block


def _text_blocks(content: Any) -> list[Block]:
    blocks: list[Block] = []
    for part in content_parts(content):
        if part.get("type") != "text":
            raise invalid("system messages may only hold text", "invalid_content")
        if part.get("text"):
            blocks.append(_with_cache_control({"type": "text", "text": str(part["text"])}, part))
    return blocks


def _user_blocks(content: Any) -> list[Block]:
    blocks: list[Block] = []
    for part in content_parts(content):
        kind = part.get("type")
        if kind == "text":
            if part.get("text"):
                blocks.append(_with_cache_control({"type": "text", "text": str(part["text"])}, part))
        elif kind == "image_url":
            blocks.append(_with_cache_control(_image_block(image_url_of(part)), part))
        elif kind == "file":
            data, _ = pdf_of_file_part(part)
            source = {"type": "base64", "media_type": "application/pdf", "data": data.base64_data}
            blocks.append(_with_cache_control({"type": "document", "source": source}, part))
        else:
            raise invalid(
                f"content part type {kind!r} is not supported for Anthropic models", "invalid_content"
            )
    return blocks


def _image_block(url: str) -> Block:
    data = inline_image(url)
    if data is None:
        return {"type": "image", "source": {"type": "url", "url": url}}
    media_type = "image/jpeg" if data.media_type == "image/jpg" else data.media_type
    return {"type": "image", "source": {"type": "base64", "media_type": media_type, "data": data.base64_data}}


def _assistant_blocks(message: dict[str, Any]) -> list[Block]:
    blocks: list[Block] = to_anthropic(replayed_blocks(message))  # thinking first, as it was answered
    text = content_text(message.get("content"), separator="")
    if text:
        blocks.append({"type": "text", "text": text})
    for call in message.get("tool_calls") or []:
        name = str((call.get("function") or {}).get("name") or "")
        blocks.append(
            {
                "type": "tool_use",
                "id": str(call.get("id") or ""),
                "name": name,
                "input": tool_call_input(call),
            }
        )
    return blocks


def _tool_result(message: dict[str, Any]) -> Block:
    block: Block = {"type": "tool_result", "tool_use_id": str(message.get("tool_call_id") or "")}
    text = content_text(message.get("content"))
    if text:
        block["content"] = text
    return block


def _tool_fields(request: dict[str, Any], history: list[dict[str, Any]]) -> dict[str, Any]:
    """``tools`` and ``tool_choice``; tool definitions are synthesised for a tool history without tools.

    Anthropic refuses tool_use/tool_result blocks when no tools are defined, so a conversation
    that used tools earlier gets stand-in definitions and ``tool_choice: none``.
    """
    tools = function_tools(request)
    if not tools:
        names = history_tool_names(history) if has_tool_history(history) else []
        if not names:
            return {}
        stand_ins = [{"name": n, "input_schema": {"type": "object"}} for n in names]
        return {"tools": stand_ins, "tool_choice": {"type": "none"}}
    out_tools: list[Block] = []
    for tool in tools:
        spec: Block = {"name": tool.name, "input_schema": tool.parameters}
        if tool.description:
            spec["description"] = tool.description
        if tool.strict is not None:
            spec["strict"] = bool(tool.strict)
        out_tools.append(spec)
    fields: dict[str, Any] = {"tools": out_tools}
    choice = tool_choice(request)
    mapped: Block | None = None
    if choice is not None:
        mapped = {"type": choice.mode} if choice.mode != "tool" else {"type": "tool", "name": choice.name}
    if request.get("parallel_tool_calls") is False and (mapped is None or mapped["type"] != "none"):
        mapped = mapped or {"type": "auto"}
        mapped["disable_parallel_tool_use"] = True
    if mapped is not None:
        fields["tool_choice"] = mapped
    return fields
