"""Buffered (non-streaming) answers of the media and embeddings endpoints, settled exactly once.

These run under Mangum on Lambda, whose response payload is capped near 6 MB (binary bodies
count base64-encoded): an answer over ``Settings.max_response_bytes`` is refused with a clear,
non-retryable 502 instead of the opaque gateway error (which the OpenAI SDK would retry, paying
the upstream again). The upstream was paid, so the refusal is recorded with its cost.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, TypeVar

from spidergate.errors import UpstreamFailed
from spidergate.routing.router import Route, RouteFailure, RouteRequest
from spidergate.serve.media_cost import Charge

if TYPE_CHECKING:
    from spidergate.catalog.model import ModelInfo
    from spidergate.providers.base import Adapter, Completion, Target
    from spidergate.serve.exchange import Exchange

T = TypeVar("T")


@dataclass
class BufferedAnswer:
    """A complete body for the client; ``exchange.finish()`` settles it (see ``SettledResponse``)."""

    body: bytes
    media_type: str
    headers: dict[str, str]
    exchange: Exchange
    status: int = 200


async def route(
    exchange: Exchange,
    models: Sequence[ModelInfo],
    mode: str,
    *,
    token_estimate: int,
    worst_cost: Callable[[ModelInfo], Decimal],
    call: Callable[[Adapter, Target], Awaitable[T]],
) -> Route[T]:
    """Route over ``models``; a failure is recorded and settled before its error reaches the client."""
    req = RouteRequest(
        principal=exchange.principal,
        request_id=exchange.record.request_id,
        models=models,
        mode=mode,
        token_estimate=token_estimate,
        worst_cost=worst_cost,
    )
    try:
        return await exchange.run(req, call)
    except RouteFailure as failure:
        await exchange.finish()
        raise failure.error from None


def settle_charge(exchange: Exchange, charge: Charge) -> None:
    """Record the served usage at the cost the media rules computed (not the per-token default)."""
    exchange.account(charge.usage)
    exchange.record.cost = charge.cost


async def json_answer(exchange: Exchange, completion: Completion) -> BufferedAnswer:
    """A JSON completion as the answer: the upstream's own bytes when it kept them."""
    content = completion.raw if completion.raw is not None else json.dumps(completion.body).encode()
    return await buffered(exchange, content, "application/json", binary=False)


async def buffered(exchange: Exchange, body: bytes, media_type: str, *, binary: bool) -> BufferedAnswer:
    """The answer, or a recorded 502 when it cannot fit a buffered Lambda response."""
    limit = exchange.rt.settings.max_response_bytes
    size = 4 * ((len(body) + 2) // 3) if binary else len(body)
    if limit and size > limit:
        exchange.fail(502, "response_too_large")
        await exchange.finish()
        raise UpstreamFailed(
            f"The upstream's answer ({len(body)} bytes) is too large for the gateway to return (at most "
            f"{limit} bytes{', base64-encoded' if binary else ''}). Ask for less: fewer inputs or images, a "
            "compressed format, or shorter input.",
            code="response_too_large",
            headers={"x-should-retry": "false"},
        )
    headers = exchange.rate_headers()
    if exchange.fallback_from:
        headers["x-spidergate-fallback-from"] = exchange.fallback_from
    if exchange.route is not None:
        headers["x-spidergate-model"] = exchange.route.target.model.id
    return BufferedAnswer(body, media_type, headers, exchange)
