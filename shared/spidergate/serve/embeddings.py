"""Embeddings: validate, route through the shared router, record the prompt tokens the upstream reports."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from spidergate.catalog.model import EMBEDDING
from spidergate.domain import Principal
from spidergate.providers.base import Completion
from spidergate.schemas.embeddings import EmbeddingRequest, upstream_body
from spidergate.schemas.validation import validate
from spidergate.serve.buffered import BufferedAnswer, json_answer, route
from spidergate.serve.candidates import choose_models
from spidergate.serve.exchange import Exchange
from spidergate.usage import estimate
from spidergate.usage.counts import Usage
from spidergate.usage.pricing import cost

if TYPE_CHECKING:
    from spidergate.runtime import Runtime


async def create_embeddings(
    rt: Runtime, principal: Principal, request_id: str, payload: dict[str, Any]
) -> BufferedAnswer:
    """Serve one embeddings request (raises GatewayError for the client; failures are recorded)."""
    req = validate(EmbeddingRequest, payload)
    exchange = Exchange(rt, principal, request_id, "embeddings", req.model)
    models = await choose_models(exchange, EMBEDDING, req.problem_with)
    tokens = estimate.text_tokens(req.input)
    exchange.record.usage = Usage(prompt_tokens=tokens, estimated=True)
    # A model's context window bounds each input, not the batch: the upstream enforces it per input.
    candidates = [dataclasses.replace(m, context_window=None) for m in models]
    body = upstream_body(payload)
    served = await route(
        exchange,
        candidates,
        EMBEDDING,
        token_estimate=tokens,
        worst_cost=lambda model: cost(model, Usage(prompt_tokens=tokens)),
        call=lambda adapter, target: adapter.embeddings(target, body),
    )
    completion: Completion = served.result
    usage = completion.usage
    if not usage.prompt_tokens:
        usage = Usage(prompt_tokens=tokens, estimated=True)  # the upstream reported none
    exchange.account(usage)
    return await json_answer(exchange, completion)
