"""OpenAI chat request -> Bedrock Converse / ConverseStream parameters (PROVIDERS.md section 4).

Which fields are translated, dropped or refused is data (``providers.json``'s ``translate_params``
and ``reject_params``), applied first by ``providers.params.plan_params``. http(s) image URLs are
refused (400) before any network call: Bedrock takes only inline images, and the gateway does not
fetch URLs on a client's behalf.
"""

from __future__ import annotations

import json
import re
from typing import Any

from spidergate.providers.base import Target
from spidergate.providers.chat_input import (
    IMAGE_FORMATS,
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
from spidergate.providers.effort import Reasoning, claude_reasoning
from spidergate.providers.params import plan_params
from spidergate.providers.thinking import replayed_blocks, to_bedrock

# toolResult content may not be empty; this stands in for a tool that printed nothing.
EMPTY_TOOL_RESULT = "(no output)"
# Converse refuses a conversation that opens with an assistant turn ("A conversation must start
# with a user message"); OpenAI allows it, so this user turn goes first.
OPENING_USER_TURN = "(conversation start)"
# Document names: alphanumerics, single whitespace, hyphens, parentheses, square brackets; unique
# within the request ("duplicate document names"), replayed turns included.
_DOCUMENT_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9\s\-\(\)\[\]]+")
_WHITESPACE_RUN = re.compile(r"\s+")
_DOCUMENT_NAME_MAX = 200


class DocumentNames:
    """Gives each document of one request a name Converse accepts and no other document has."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def name(self, filename: str) -> str:
        """``filename`` without extension, cleaned; ``document`` if nothing is left; `` (n)`` if taken."""
        stem = _DOCUMENT_NAME_UNSAFE.sub(" ", filename.rsplit(".", 1)[0])
        base = _WHITESPACE_RUN.sub(" ", stem).strip()[:_DOCUMENT_NAME_MAX].strip() or "document"
        name, number = base, 1
        while name.lower() in self._taken:
            number += 1
            suffix = f" ({number})"
            name = base[: _DOCUMENT_NAME_MAX - len(suffix)].rstrip() + suffix
        self._taken.add(name.lower())
        return name


def build_converse_request(target: Target, request: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments for ``client.converse`` / ``client.converse_stream``."""
    request = plan_params(target, request).request
    history: list[dict[str, Any]] = list(request.get("messages") or [])
    names = DocumentNames()
    system, turns = conversation(
        history,
        "Bedrock",
        system_blocks=_text_blocks,
        user_blocks=lambda content: _user_blocks(content, names),
        assistant_blocks=_assistant_blocks,
        tool_result=_tool_result,
        prefill="assistant_prefill" not in target.model.refuses,
    )
    if turns and turns[0]["role"] == "assistant":
        turns.insert(0, {"role": "user", "content": [{"text": OPENING_USER_TURN}]})
    if wants_json_object(request):
        system.append({"text": JSON_ONLY_INSTRUCTION})
    params: dict[str, Any] = {"modelId": target.model.model, "messages": turns}
    if system:
        params["system"] = system
    reasoning = claude_reasoning(request, target.model, output_token_limit(request, target.model))
    inference: dict[str, Any] = {"maxTokens": reasoning.max_tokens}
    chosen = sampling(request)
    if chosen:
        inference["temperature" if chosen[0] == "temperature" else "topP"] = chosen[1]
    stops = stop_sequences(request)
    if stops:
        inference["stopSequences"] = stops
    params["inferenceConfig"] = inference
    tool_config = _tool_config(request, history)
    if tool_config:
        params["toolConfig"] = tool_config
    additional = _additional_fields(target, reasoning)
    if additional:
        params["additionalModelRequestFields"] = additional
    schema = json_schema_format(request)
    if schema:
        structure = {"jsonSchema": {"schema": json.dumps(schema[0]), "name": schema[1]}}
        params["outputConfig"] = {"textFormat": {"type": "json_schema", "structure": structure}}
    return params


def _additional_fields(target: Target, reasoning: Reasoning) -> dict[str, Any]:
    """Claude's thinking and effort, which Converse carries in ``additionalModelRequestFields``."""
    if "anthropic." not in target.model.model:
        return {}  # other families name their reasoning settings differently
    fields: dict[str, Any] = {}
    if reasoning.thinking is not None:
        fields["thinking"] = reasoning.thinking
    if reasoning.output_config:
        fields["output_config"] = dict(reasoning.output_config)
    return fields


def _cache_point(part: dict[str, Any]) -> list[Block]:
    """An Anthropic-style ``cache_control`` on a part becomes a Converse cache point after it."""
    return [{"cachePoint": {"type": "default"}}] if isinstance(part.get("cache_control"), dict) else []


def _text_blocks(content: Any) -> list[Block]:
    blocks: list[Block] = []
    for part in content_parts(content):
        if part.get("type") != "text":
            raise invalid("system messages may only hold text", "invalid_content")
        if part.get("text"):
            blocks.append({"text": str(part["text"])})
            blocks.extend(_cache_point(part))
    return blocks


def _user_blocks(content: Any, names: DocumentNames) -> list[Block]:
    blocks: list[Block] = []
    for part in content_parts(content):
        kind = part.get("type")
        if kind == "text":
            if part.get("text"):
                blocks.append({"text": str(part["text"])})
        elif kind == "image_url":
            blocks.append(_image_block(image_url_of(part)))
        elif kind == "file":
            data, filename = pdf_of_file_part(part)
            document = {"format": "pdf", "name": names.name(filename), "source": {"bytes": data.raw()}}
            blocks.append({"document": document})
        else:
            raise invalid(
                f"content part type {kind!r} is not supported for Bedrock models", "invalid_content"
            )
        blocks.extend(_cache_point(part))
    return blocks


def _image_block(url: str) -> Block:
    data = inline_image(url)
    if data is None:
        raise invalid(
            "Bedrock needs inline images: send the image as a base64 data URL, not an http(s) URL",
            "unsupported_image_url",
        )
    return {"image": {"format": IMAGE_FORMATS[data.media_type], "source": {"bytes": data.raw()}}}


def _assistant_blocks(message: dict[str, Any]) -> list[Block]:
    blocks: list[Block] = to_bedrock(replayed_blocks(message))  # reasoning first, as it was answered
    text = content_text(message.get("content"), separator="")
    if text:
        blocks.append({"text": text})
    for call in message.get("tool_calls") or []:
        name = str((call.get("function") or {}).get("name") or "")
        use = {"toolUseId": str(call.get("id") or ""), "name": name, "input": tool_call_input(call)}
        blocks.append({"toolUse": use})
    return blocks


def _tool_result(message: dict[str, Any]) -> Block:
    text = content_text(message.get("content")) or EMPTY_TOOL_RESULT
    return {"toolResult": {"toolUseId": str(message.get("tool_call_id") or ""), "content": [{"text": text}]}}


def _tool_config(request: dict[str, Any], history: list[dict[str, Any]]) -> dict[str, Any] | None:
    """``toolConfig``: tools and choice, or stand-ins a tool history needs.

    Converse has no ``none`` choice, so "none" omits the tools. But a history holding tool
    blocks requires ``toolConfig``; then the tools stay (without a choice) and the model may
    still call one: an unavoidable gap, so stand-ins are built from the history when needed.
    """
    tools = function_tools(request)
    choice = tool_choice(request)
    tool_history = has_tool_history(history)
    if choice is not None and choice.mode == "none" and not tool_history:
        return None
    if not tools:
        names = history_tool_names(history) if tool_history else []
        if not names:
            return None
        stand_in = {"json": {"type": "object", "properties": {}}}
        return {"tools": [{"toolSpec": {"name": n, "inputSchema": stand_in}} for n in names]}
    specs: list[Block] = []
    for tool in tools:
        spec: Block = {"name": tool.name, "inputSchema": {"json": tool.parameters}}
        if tool.description:
            spec["description"] = tool.description
        if tool.strict:
            spec["strict"] = True
        specs.append({"toolSpec": spec})
    config: dict[str, Any] = {"tools": specs}
    if choice is not None and choice.mode != "none":
        config["toolChoice"] = {"tool": {"name": choice.name}} if choice.mode == "tool" else {choice.mode: {}}
    return config
