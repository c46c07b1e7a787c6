"""Chat completions: route a validated request, answer JSON or a pass-through SSE stream."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from spidergate.catalog.model import CHAT
from spidergate.domain import Principal
from spidergate.providers.base import Adapter, Completion, StreamPiece, Target, UpstreamError
from spidergate.providers.params import DROPPED_HEADER, dropped_params
from spidergate.routing.router import RouteFailure
from spidergate.schemas.chat import ChatCompletionRequest
from spidergate.schemas.validation import validate
from spidergate.serve.candidates import require_mode
from spidergate.serve.cost_inline import COST_HEADER, chunk_with_cost, with_cost
from spidergate.serve.exchange import Exchange, chat_route_request
from spidergate.serve.fallback_list import extend_chain, fallback_names
from spidergate.usage.counts import Usage

if TYPE_CHECKING:
    from spidergate.runtime import Runtime

_CONTENT = re.compile(
    rb'"(?:content|reasoning_content|refusal)"\s*:\s*"[^"]|"(?:tool_calls"\s*:\s*\[|function_call"\s*:\s*\{)|'
    rb'"finish_reason"\s*:\s*"'
)


@dataclass
class JsonAnswer:
    body: bytes
    headers: dict[str, str]
    exchange: Exchange
    status: int = 200


@dataclass
class StreamAnswer:
    """An upstream stream committed to the client: ``events()`` yields SSE bytes, ``close()`` settles."""

    headers: dict[str, str]
    exchange: Exchange
    head: list[StreamPiece]
    rest: AsyncIterator[StreamPiece]
    wants_usage: bool
    _usage: Usage | None = None
    _bytes: int = 0
    _completed: bool = field(default=False)

    async def events(self) -> AsyncIterator[bytes]:
        """The SSE body: chunks, then usage is settled, then ``[DONE]``; an error event on a cut."""
        try:
            for piece in self.head:
                out = self._take(piece)
                if out:
                    yield out
            async for piece in self.rest:
                out = self._take(piece)
                if out:
                    yield out
        except UpstreamError as exc:
            self.exchange.fail(502, "upstream_stream_error")
            self._completed = True
            await self._settle()
            error = {
                "error": {
                    "message": f"The upstream stream failed after it started: {exc.kind}. "
                    "The response is incomplete.",
                    "type": "api_error",
                    "param": None,
                    "code": "upstream_stream_error",
                }
            }
            yield b"data: " + json.dumps(error).encode() + b"\n\n"
            return
        self._completed = True
        await self._settle()
        yield b"data: [DONE]\n\n"

    async def close(self) -> None:
        """Release the upstream and settle; records a client disconnect if the stream did not end."""
        try:
            await self.rest.aclose()  # type: ignore[attr-defined]
        finally:
            if not self._completed:
                self.exchange.record.client_disconnected = True
                self.exchange.fail(499, "client_disconnected")
            await self._settle()

    def _take(self, piece: StreamPiece) -> bytes | None:
        data = piece.data
        if piece.usage is not None:
            self._usage = piece.usage
        if piece.usage_only and not self.wants_usage:
            return None
        if piece.usage is not None:
            self.exchange.account(piece.usage)
            data = chunk_with_cost(data, self.exchange.record.cost)
        self._bytes += len(data)
        return b"data: " + data + b"\n\n"

    async def _settle(self) -> None:
        usage = self._usage
        if usage is None:
            # No usage arrived (cut stream or a provider without stream usage): estimate, and say so.
            usage = Usage(
                prompt_tokens=self.exchange.record.usage.prompt_tokens,
                completion_tokens=max(1, self._bytes // 40),
                estimated=True,
            )
        self.exchange.account(usage)
        await self.exchange.finish()


async def chat_completion(
    rt: Runtime,
    principal: Principal,
    request_id: str,
    payload: dict[str, Any],
    *,
    include_trace: bool = False,
) -> JsonAnswer | StreamAnswer:
    """Serve one chat completion (raises GatewayError for the client; failures are recorded)."""
    fallbacks = fallback_names(payload)
    req = validate(ChatCompletionRequest, payload)
    body = {k: v for k, v in payload.items() if k not in ("include_route_trace", "models")}
    stream = bool(req.stream)
    exchange = Exchange(rt, principal, request_id, "chat", req.model, stream=stream)
    models = await exchange.resolve()
    require_mode(req.model, models, CHAT)
    if fallbacks:
        overrides = await rt.alias_overrides(principal.brand_id)
        models = extend_chain(rt.catalog, models, fallbacks, overrides)
    route_req = chat_route_request(exchange, models, req, payload["messages"], payload.get("tools"))
    try:
        if stream:
            opened = await exchange.run(route_req, lambda adapter, target: open_stream(adapter, target, body))
            head, rest = opened.result
        else:
            served = await exchange.run(route_req, lambda adapter, target: adapter.chat(target, body))
    except RouteFailure as failure:
        await exchange.finish()
        raise failure.error from None
    headers = exchange.rate_headers()
    if exchange.fallback_from:
        headers["x-spidergate-fallback-from"] = exchange.fallback_from
    assert exchange.route is not None
    headers["x-spidergate-model"] = exchange.route.target.model.id
    dropped = dropped_params(exchange.route.target, body)
    if dropped:
        headers[DROPPED_HEADER] = ",".join(dropped)
    if stream:
        return StreamAnswer(headers, exchange, head, rest, req.wants_usage)
    completion: Completion = served.result
    exchange.account(completion.usage)
    headers[COST_HEADER] = str(exchange.record.cost)
    out = with_cost(completion.body, exchange.record.cost)
    if include_trace:
        out = {**out, "route_trace": exchange.trace()}
    return JsonAnswer(json.dumps(out).encode(), headers, exchange)


async def open_stream(
    adapter: Adapter, target: Target, body: dict[str, Any]
) -> tuple[list[StreamPiece], AsyncIterator[StreamPiece]]:
    """Start the upstream stream and read up to its first content: failures until then fall back."""
    stream = adapter.chat_stream(target, body)
    head: list[StreamPiece] = []
    try:
        async for piece in stream:
            head.append(piece)
            if _CONTENT.search(piece.data):
                break
    except BaseException:
        await stream.aclose()  # type: ignore[attr-defined]
        raise
    return head, stream
