"""The OpenAI wire for images, speech and transcriptions (used by the OpenAI-compatible adapters).

Speech answers raw audio; transcriptions are sent as multipart/form-data and answer JSON (json,
verbose_json, diarized_json) or text (text, srt, vtt). Usage is read where the response has it:
image tokens (GPT Image), transcription tokens (``usage.type == "tokens"``) or seconds
(``usage.type == "duration"``, or verbose_json's ``duration``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from spidergate.providers.base import AudioUpload, BinaryResult, Completion, Target, UpstreamError
from spidergate.providers.errors import error_fields, from_response, transport_errors
from spidergate.usage.counts import Usage

if TYPE_CHECKING:
    import httpx


def json_body(target: Target, request: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON request for ``target``: its upstream model name, the provider's dropped fields left out."""
    body = {k: v for k, v in request.items() if k not in target.provider.drop_params}
    body["model"] = target.model.model
    return body


async def post_speech(
    http: httpx.AsyncClient, target: Target, url: str, headers: dict[str, str], request: Mapping[str, Any]
) -> BinaryResult:
    """``POST /audio/speech``: the audio bytes and their content type."""
    name = target.provider.name
    with transport_errors(name):
        response = await http.post(url, json=json_body(target, request), headers=headers)
    if response.status_code >= 300:
        raise from_response(name, response.status_code, response.headers, response.content)
    kind = response.headers.get("content-type", "application/octet-stream")
    if kind.startswith("application/json"):
        _raise_if_error(name, response.status_code, response.content)
    return BinaryResult(content=response.content, content_type=kind, usage=Usage())


async def post_transcription(
    http: httpx.AsyncClient,
    target: Target,
    url: str,
    headers: dict[str, str],
    fields: Mapping[str, Any],
    upload: AudioUpload,
) -> Completion | BinaryResult:
    """``POST /audio/transcriptions`` as multipart: JSON formats as a Completion, text formats as bytes."""
    name = target.provider.name
    data = {k: v for k, v in fields.items() if k not in target.provider.drop_params}
    data["model"] = target.model.model
    files = {"file": (upload.filename, upload.content, upload.content_type)}
    with transport_errors(name):
        response = await http.post(url, data=data, files=files, headers=headers)
    content = response.content
    if response.status_code >= 300:
        raise from_response(name, response.status_code, response.headers, content)
    kind = response.headers.get("content-type", "")
    if not kind.startswith("application/json"):
        return BinaryResult(content=content, content_type=kind or "text/plain; charset=utf-8", usage=Usage())
    parsed = _raise_if_error(name, response.status_code, content)
    return Completion(body=parsed, usage=transcription_usage(parsed), raw=content)


def transcription_usage(body: Mapping[str, Any]) -> Usage:
    """Tokens and/or seconds from a transcription's JSON (zeros where it reports nothing)."""
    usage = body.get("usage")
    seconds = 0.0
    if isinstance(usage, dict) and usage.get("type") == "tokens":
        counted = Usage.from_openai(usage)
        details = usage.get("input_token_details") or {}
        counted.cached_tokens = int(details.get("cached_tokens") or 0)
        return counted
    if isinstance(usage, dict) and usage.get("type") == "duration":
        seconds = float(usage.get("seconds") or 0)
    duration = body.get("duration")
    if isinstance(duration, int | float) and not isinstance(duration, bool) and duration > 0:
        seconds = float(duration)  # verbose_json: exact, where usage.seconds is rounded up
    return Usage(seconds=seconds)


def _raise_if_error(name: str, status: int, content: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(content)
    except ValueError as exc:
        raise UpstreamError(
            status, "http", f"{name} sent a body that is not JSON", raw=content.decode("utf-8", "replace")
        ) from exc
    if not isinstance(parsed, dict):
        raise UpstreamError(status, "http", f"{name} sent an unexpected JSON body")
    if "error" in parsed and "text" not in parsed:
        message, code, etype = error_fields(parsed)
        raise UpstreamError(502, "http", f"{name} answered an error: {message}", code=code, error_type=etype)
    return parsed
