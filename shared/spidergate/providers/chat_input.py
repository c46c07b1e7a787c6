"""Reading an OpenAI chat request, for adapters that translate it into another wire format.

Everything here is wire-neutral: the Anthropic and Bedrock translators share it. Requests the
target format cannot express raise ``UpstreamError(400, "http", code=...)`` before any network
call, so the router returns them to the client instead of failing over.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from spidergate.catalog.model import ModelInfo
from spidergate.providers.base import UpstreamError

# Media types both Anthropic and Bedrock accept for inline images, with Bedrock's format names.
IMAGE_FORMATS = {
    "image/jpeg": "jpeg",
    "image/jpg": "jpeg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
}

# Neither wire has a JSON mode without a schema; this instruction stands in for it.
JSON_ONLY_INSTRUCTION = (
    "Respond with a single valid JSON object and nothing else: no prose, no Markdown code fences."
)

Block = dict[str, Any]

DEFAULT_MAX_TOKENS = 4096
MAX_DEFAULT_MAX_TOKENS = 8192


def invalid(message: str, code: str) -> UpstreamError:
    """A request the target wire format cannot carry, reported like an upstream 400."""
    return UpstreamError(400, "http", message, code=code, error_type="invalid_request_error")


@dataclass(frozen=True, slots=True)
class InlineData:
    """The decoded parts of a ``data:`` URL."""

    media_type: str
    base64_data: str

    def raw(self) -> bytes:
        """The payload bytes (the base64 was validated when parsing)."""
        return base64.b64decode(self.base64_data)


def parse_data_url(url: str) -> InlineData | None:
    """``data:<type>;base64,<payload>`` as ``InlineData``; ``None`` if ``url`` is not a data URL."""
    if not url.startswith("data:"):
        return None
    header, sep, payload = url[5:].partition(",")
    params = header.split(";")
    if not sep or "base64" not in params[1:]:
        raise invalid("data URLs must be base64-encoded (data:<type>;base64,...)", "invalid_data_url")
    payload = payload.strip()
    try:
        base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise invalid("data URL payload is not valid base64", "invalid_data_url") from exc
    return InlineData(params[0].strip().lower(), payload)


def image_url_of(part: dict[str, Any]) -> str:
    """The URL of an ``image_url`` content part (an object, or a bare string from lax clients)."""
    image = part.get("image_url")
    url = image.get("url") if isinstance(image, dict) else image
    if not isinstance(url, str) or not url:
        raise invalid("image_url content part without a url", "invalid_image_url")
    return url


def inline_image(url: str) -> InlineData | None:
    """A data-URL image checked against the accepted formats; ``None`` for an http(s) URL."""
    data = parse_data_url(url)
    if data is None:
        if url.startswith(("http://", "https://")):
            return None
        raise invalid("image_url must be an http(s) URL or a base64 data URL", "invalid_image_url")
    if data.media_type not in IMAGE_FORMATS:
        raise invalid(
            f"image type {data.media_type or 'unknown'} is not supported; use jpeg, png, gif or webp",
            "invalid_image_format",
        )
    return data


def pdf_of_file_part(part: dict[str, Any]) -> tuple[InlineData, str]:
    """A ``file`` content part carrying an inline PDF, with its file name."""
    file = part.get("file") or {}
    data = parse_data_url(str(file.get("file_data") or ""))
    if data is None or data.media_type != "application/pdf":
        raise invalid(
            "only inline PDF files (file_data as a data URL) are supported here", "unsupported_file"
        )
    return data, str(file.get("filename") or "document.pdf")


def content_parts(content: Any) -> list[dict[str, Any]]:
    """Message content as a list of parts (a plain string becomes one text part)."""
    if content is None:
        return []
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    if isinstance(content, list):
        return [p for p in content if isinstance(p, dict)]
    raise invalid("message content must be a string or a list of content parts", "invalid_content")


def content_text(content: Any, separator: str = "\n") -> str:
    """The text of message content, joining text (and refusal) parts; other parts are refused."""
    texts: list[str] = []
    for part in content_parts(content):
        kind = part.get("type")
        if kind == "text":
            texts.append(str(part.get("text") or ""))
        elif kind == "refusal":
            texts.append(str(part.get("refusal") or ""))
        else:
            raise invalid(f"content part type {kind!r} is not allowed in this message", "invalid_content")
    return separator.join(t for t in texts if t)


def requested_max_tokens(request: dict[str, Any]) -> int | None:
    """``max_completion_tokens`` or the older ``max_tokens``, if the client set one."""
    value = request.get("max_completion_tokens")
    if value is None:
        value = request.get("max_tokens")
    return int(value) if value is not None else None


def default_max_tokens(model: ModelInfo) -> int:
    """A ceiling when the client sets none: the model's own, capped so one call stays bounded."""
    return min(model.max_output or DEFAULT_MAX_TOKENS, MAX_DEFAULT_MAX_TOKENS)


def output_token_limit(request: dict[str, Any], model: ModelInfo) -> int:
    """The ``max_tokens`` Anthropic and Bedrock get: one rule for both wires.

    The client's value, clamped to the model's maximum (the provider would refuse more with a
    400); without one, ``default_max_tokens`` (Bedrock's own default would cut Claude at 4,096).
    """
    requested = requested_max_tokens(request)
    if requested is None:
        return default_max_tokens(model)
    return min(requested, model.max_output) if model.max_output else requested


def stop_sequences(request: dict[str, Any]) -> list[str]:
    """``stop`` as a list, without whitespace-only sequences (Anthropic and Bedrock refuse them)."""
    stop = request.get("stop")
    if stop is None:
        return []
    items = [stop] if isinstance(stop, str) else list(stop)
    return [s for s in items if isinstance(s, str) and s.strip()]


def sampling(request: dict[str, Any]) -> tuple[str, float] | None:
    """At most one of temperature / top_p (newer Claude models refuse both), temperature first.

    Temperature is clamped to 1.0: OpenAI allows up to 2, these wires do not.
    """
    temperature = request.get("temperature")
    if temperature is not None:
        return "temperature", min(float(temperature), 1.0)
    top_p = request.get("top_p")
    if top_p is not None:
        return "top_p", float(top_p)
    return None


def tool_call_input(call: dict[str, Any]) -> dict[str, Any]:
    """The parsed arguments of an assistant ``tool_calls`` entry (must be a JSON object)."""
    arguments = (call.get("function") or {}).get("arguments")
    if arguments in (None, ""):
        return {}
    try:
        parsed = json.loads(arguments) if isinstance(arguments, str) else arguments
    except json.JSONDecodeError as exc:
        raise invalid("assistant tool_calls arguments must be valid JSON", "invalid_tool_arguments") from exc
    if not isinstance(parsed, dict):
        raise invalid("assistant tool_calls arguments must be a JSON object", "invalid_tool_arguments")
    return parsed


@dataclass(frozen=True, slots=True)
class FunctionTool:
    """One ``tools[]`` function definition."""

    name: str
    description: str
    parameters: dict[str, Any]
    strict: bool | None


@dataclass(frozen=True, slots=True)
class ToolChoice:
    """``tool_choice`` normalised: mode "auto" | "any" | "none" | "tool" (with ``name``)."""

    mode: str
    name: str | None = None


def function_tools(request: dict[str, Any]) -> list[FunctionTool]:
    """The request's function tools, narrowed to ``allowed_tools`` when the choice says so."""
    tools: list[FunctionTool] = []
    for tool in request.get("tools") or []:
        if tool.get("type", "function") != "function":
            raise invalid(f"tool type {tool.get('type')!r} is not supported here", "unsupported_tool_type")
        fn = tool.get("function") or {}
        parameters = fn.get("parameters") or {"type": "object", "properties": {}}
        tools.append(
            FunctionTool(
                str(fn.get("name") or ""), str(fn.get("description") or ""), parameters, fn.get("strict")
            )
        )
    allowed = _allowed_tool_names(request.get("tool_choice"))
    if allowed is not None:
        tools = [t for t in tools if t.name in allowed]
    return tools


def tool_choice(request: dict[str, Any]) -> ToolChoice | None:
    """The normalised ``tool_choice``, or ``None`` when the client left it to the default."""
    choice = request.get("tool_choice")
    if choice is None:
        return None
    if isinstance(choice, str):
        modes = {"auto": "auto", "required": "any", "none": "none"}
        if choice not in modes:
            raise invalid(f"tool_choice {choice!r} is not supported", "unsupported_parameter")
        return ToolChoice(modes[choice])
    kind = choice.get("type")
    if kind == "function":
        return ToolChoice("tool", str((choice.get("function") or {}).get("name") or ""))
    if kind == "allowed_tools":
        mode = (choice.get("allowed_tools") or {}).get("mode", "auto")
        return ToolChoice("any" if mode == "required" else "auto")
    raise invalid(f"tool_choice type {kind!r} is not supported here", "unsupported_parameter")


def _allowed_tool_names(choice: Any) -> set[str] | None:
    if not isinstance(choice, dict) or choice.get("type") != "allowed_tools":
        return None
    listed = (choice.get("allowed_tools") or {}).get("tools") or []
    return {str((t.get("function") or {}).get("name")) for t in listed if isinstance(t, dict)}


def history_tool_names(messages: Iterable[dict[str, Any]]) -> list[str]:
    """Names of the tools called earlier in the conversation, in first-use order."""
    names: list[str] = []
    for message in messages:
        for call in message.get("tool_calls") or []:
            name = str((call.get("function") or {}).get("name") or "")
            if name and name not in names:
                names.append(name)
    return names


def has_tool_history(messages: Iterable[dict[str, Any]]) -> bool:
    """Whether the conversation holds tool calls or tool results."""
    return any(m.get("role") == "tool" or m.get("tool_calls") for m in messages)


def json_schema_format(request: dict[str, Any]) -> tuple[dict[str, Any], str] | None:
    """``response_format: json_schema`` as (schema, name)."""
    fmt = request.get("response_format") or {}
    if fmt.get("type") != "json_schema":
        return None
    spec = fmt.get("json_schema") or {}
    schema = spec.get("schema")
    if not isinstance(schema, dict):
        raise invalid("response_format.json_schema.schema must be an object", "invalid_response_format")
    return schema, str(spec.get("name") or "response")


def wants_json_object(request: dict[str, Any]) -> bool:
    """``response_format: json_object`` (JSON without a schema)."""
    return (request.get("response_format") or {}).get("type") == "json_object"
