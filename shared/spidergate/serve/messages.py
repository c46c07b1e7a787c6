"""Messages API requests through the one router: passed through to Claude, translated elsewhere.

Resolution (model id or task alias), key pool, limits, budgets, fallback chain, route trace and
usage records are the chat path's own (``Exchange`` and ``Router``); only the call made on each
candidate differs with the candidate's wire.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from spidergate.anthropic_api import bedrock_passthrough, passthrough
from spidergate.anthropic_api.bedrock_passthrough import is_bedrock_claude
from spidergate.anthropic_api.chat_events import ChatToEvents
from spidergate.anthropic_api.from_chat import to_message
from spidergate.anthropic_api.passthrough import read_head
from spidergate.anthropic_api.to_chat import for_wire, to_chat
from spidergate.catalog.model import CHAT, ModelInfo
from spidergate.domain import Principal
from spidergate.errors import InvalidRequest
from spidergate.providers.base import Adapter, Completion, Target
from spidergate.providers.bedrock import BedrockAdapter
from spidergate.providers.params import DROPPED_HEADER, dropped_params
from spidergate.routing.router import RouteFailure
from spidergate.schemas.chat import ChatCompletionRequest
from spidergate.schemas.validation import validate
from spidergate.serve.candidates import require_mode
from spidergate.serve.chat import open_stream
from spidergate.serve.cost_inline import COST_HEADER, with_cost
from spidergate.serve.exchange import Exchange, chat_route_request
from spidergate.serve.messages_stream import MessagesStream, PassedStream, TranslatedStream
from spidergate.usage import estimate

if TYPE_CHECKING:
    from spidergate.runtime import Runtime


@dataclass
class MessageAnswer:
    body: bytes
    headers: dict[str, str]
    exchange: Exchange


def _passes_through(rt: Runtime, model: ModelInfo) -> bool:
    """Whether Messages requests reach ``model`` unchanged (Claude on Anthropic or on Bedrock)."""
    provider = rt.catalog.provider(model.provider)
    if provider is None:
        return False
    return provider.wire == "anthropic" or (provider.wire == "bedrock" and "anthropic." in model.model)


async def count_tokens(
    rt: Runtime, principal: Principal, payload: dict[str, Any], client_headers: Mapping[str, str]
) -> int:
    """A Messages request's input tokens: counted by a Claude upstream when the model (or the
    alias's first Claude model) has an active key, else estimated (``max_tokens`` not needed)."""
    chat = to_chat({"max_tokens": 1, **payload}, strict=False)
    overrides = await rt.alias_overrides(principal.brand_id)
    for model in rt.catalog.resolve(chat["model"], overrides).models:
        provider = rt.catalog.provider(model.provider)
        if provider is None or provider.wire != "anthropic":
            continue
        keys = await rt.pool.for_provider(principal.brand_id, model.provider)
        active = [k for k in keys if rt.pool.state(k) == "active"]
        if not active:
            continue
        target = Target(
            model=model, provider=provider, key=active[0], api_key=await rt.pool.material(active[0])
        )
        counted = await passthrough.count_tokens(rt.http, target, payload, client_headers)
        if counted is not None:
            return counted
        break
    return estimate.prompt_tokens(chat["messages"], chat.get("tools"))


async def create_message(
    rt: Runtime,
    principal: Principal,
    request_id: str,
    payload: dict[str, Any],
    client_headers: Mapping[str, str],
    *,
    include_trace: bool = False,
) -> MessageAnswer | MessagesStream:
    """Serve one Messages request (raises GatewayError for the client; failures are recorded)."""
    try:
        chat = to_chat(payload)
        untranslatable: InvalidRequest | None = None
    except InvalidRequest as refused:
        # Only a Claude upstream (passed through) can take this request: route to those alone.
        chat, untranslatable = to_chat(payload, strict=False), refused
    req = validate(ChatCompletionRequest, chat)
    stream = bool(req.stream)
    exchange = Exchange(rt, principal, request_id, "messages", req.model, stream=stream)
    models = await exchange.resolve()
    require_mode(req.model, models, CHAT)
    if untranslatable is not None:
        models = tuple(m for m in models if _passes_through(rt, m))
        if not models:
            raise untranslatable
    route_req = chat_route_request(exchange, models, req, chat["messages"], chat.get("tools"))
    sent: dict[str, Any] = {}

    async def call(adapter: Adapter, target: Target) -> Any:
        if target.provider.wire == "anthropic":
            if stream:
                return await passthrough.open_stream(adapter.http, target, payload, client_headers)
            return await passthrough.send(adapter.http, target, payload, client_headers)
        if isinstance(adapter, BedrockAdapter) and is_bedrock_claude(target):
            factory = adapter.client_factory
            if stream:
                return await read_head(bedrock_passthrough.events(factory, target, payload, client_headers))
            return await bedrock_passthrough.send(factory, target, payload, client_headers)
        body = for_wire(chat, target.provider.wire, target.model.supports("reasoning"))
        sent["body"] = body
        if stream:
            return await open_stream(adapter, target, body)
        return await adapter.chat(target, body)

    try:
        served = await exchange.run(route_req, call)
    except RouteFailure as failure:
        await exchange.finish()
        raise failure.error from None
    target = served.target
    headers = exchange.rate_headers()
    if exchange.fallback_from:
        headers["x-spidergate-fallback-from"] = exchange.fallback_from
    headers["x-spidergate-model"] = target.model.id
    passed = target.provider.wire == "anthropic" or is_bedrock_claude(target)
    if not passed:
        dropped = dropped_params(target, sent["body"])
        if dropped:
            headers[DROPPED_HEADER] = ",".join(dropped)
    if stream:
        head, rest = served.result
        if passed:
            return PassedStream(headers, exchange, head=head, rest=rest)
        translator = ChatToEvents(target.model.id, route_req.token_estimate)
        return TranslatedStream(headers, exchange, head=head, rest=rest, translator=translator)
    if passed:
        message: passthrough.PassedMessage = served.result
        exchange.account(message.usage)
        out = with_cost(message.message, exchange.record.cost)
    else:
        completion: Completion = served.result
        exchange.account(completion.usage)
        out = to_message(completion.body, target.model.id, completion.usage, exchange.record.cost)
    if include_trace:
        out = {**out, "route_trace": exchange.trace()}
    body = json.dumps(out).encode()
    headers[COST_HEADER] = str(exchange.record.cost)
    return MessageAnswer(body, headers, exchange)
