"""Messages requests to Claude on Bedrock, passed through ``InvokeModel`` in Anthropic's own shape.

Bedrock takes the Messages body with ``anthropic_version: bedrock-2023-05-31`` instead of the
header, ``anthropic_beta`` as a list, and no ``model`` or ``stream`` (the operation says which).
``InvokeModelWithResponseStream`` chunks carry the Messages events' JSON as bytes: they become
events with that JSON as received, so thinking signatures arrive byte for byte here too.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

from spidergate.anthropic_api.passthrough import PassedMessage
from spidergate.providers.anthropic_response import usage_from_anthropic
from spidergate.providers.anthropic_stream import SseEvent
from spidergate.providers.base import Target, UpstreamError
from spidergate.providers.bedrock import ClientFactory, bedrock_error

BEDROCK_VERSION = "bedrock-2023-05-31"
_END = object()


def is_bedrock_claude(target: Target) -> bool:
    """A Claude model on Bedrock (other Bedrock families have no Messages API)."""
    return target.provider.wire == "bedrock" and "anthropic." in target.model.model


def invoke_body(body: dict[str, Any], client_headers: Mapping[str, str]) -> bytes:
    out = {k: v for k, v in body.items() if k not in ("model", "stream")}
    out["anthropic_version"] = BEDROCK_VERSION
    betas = [b.strip() for b in (client_headers.get("anthropic-beta") or "").split(",") if b.strip()]
    if betas:
        out["anthropic_beta"] = betas
    return json.dumps(out).encode()


def _params(target: Target, body: dict[str, Any], client_headers: Mapping[str, str]) -> dict[str, Any]:
    return {
        "modelId": target.model.model,
        "body": invoke_body(body, client_headers),
        "contentType": "application/json",
        "accept": "application/json",
    }


def _invoke(factory: ClientFactory, target: Target, operation: str, params: dict[str, Any]) -> Any:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return getattr(factory(target), operation)(**params)
    except (BotoCoreError, ClientError) as exc:
        raise bedrock_error(exc, streaming=False) from exc


async def send(
    factory: ClientFactory, target: Target, body: dict[str, Any], client_headers: Mapping[str, str]
) -> PassedMessage:
    """One buffered ``InvokeModel`` call; failures raise ``UpstreamError`` for the router."""
    params = _params(target, body, client_headers)
    response = await asyncio.to_thread(_invoke, factory, target, "invoke_model", params)
    raw = await asyncio.to_thread(response["body"].read)
    try:
        message = json.loads(raw)
    except ValueError as exc:
        raise UpstreamError(
            200, "http", "Bedrock sent a non-JSON Claude answer", raw=raw[:2000].decode()
        ) from exc
    return PassedMessage(raw, usage_from_anthropic(message.get("usage")), message)


async def events(
    factory: ClientFactory, target: Target, body: dict[str, Any], client_headers: Mapping[str, str]
) -> AsyncIterator[SseEvent]:
    """The stream's events (``InvokeModelWithResponseStream``), closed however the consumer stops."""
    params = _params(target, body, client_headers)
    response = await asyncio.to_thread(_invoke, factory, target, "invoke_model_with_response_stream", params)
    stream = response["body"]
    try:
        chunks = iter(stream)
        while (item := await asyncio.to_thread(_next, chunks)) is not _END:
            data = (item.get("chunk") or {}).get("bytes") if isinstance(item, dict) else None
            if not data:
                continue
            text = data.decode()
            yield SseEvent(str(json.loads(text).get("type") or "message"), text)
    finally:
        stream.close()


def _next(chunks: Iterator[Any]) -> Any:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return next(chunks, _END)
    except (BotoCoreError, ClientError) as exc:
        raise bedrock_error(exc, streaming=True) from exc
