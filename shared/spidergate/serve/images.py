"""Image generation: per-model rules checked up front, routed like chat, billed per image or image token."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from spidergate.catalog.model import IMAGE
from spidergate.domain import Principal
from spidergate.providers.base import Completion
from spidergate.schemas.images import ImageRequest
from spidergate.schemas.validation import validate
from spidergate.serve.buffered import BufferedAnswer, json_answer, route, settle_charge
from spidergate.serve.candidates import choose_models
from spidergate.serve.exchange import Exchange
from spidergate.serve.media_cost import image_charge, worst_image
from spidergate.usage import estimate
from spidergate.usage.counts import Usage

if TYPE_CHECKING:
    from spidergate.runtime import Runtime


async def generate_images(
    rt: Runtime, principal: Principal, request_id: str, payload: dict[str, Any]
) -> BufferedAnswer:
    """Serve one image-generation request (raises GatewayError for the client; failures are recorded)."""
    req = validate(ImageRequest, payload)
    exchange = Exchange(rt, principal, request_id, "images", req.model)
    models = await choose_models(exchange, IMAGE, req.problem_with)
    prompt = estimate.text_tokens(req.prompt)
    exchange.record.usage = Usage(prompt_tokens=prompt, estimated=True)
    served = await route(
        exchange,
        models,
        IMAGE,
        token_estimate=prompt,
        worst_cost=lambda model: worst_image(model, req.count, req.size, req.priced_quality(model), prompt),
        call=lambda adapter, target: adapter.images(target, req.upstream_body(payload, target.model)),
    )
    completion: Completion = served.result
    model = served.target.model
    data = completion.body.get("data")
    images = len(data) if isinstance(data, list) else req.count
    settle_charge(
        exchange, image_charge(model, completion.usage, images, req.size, req.priced_quality(model), prompt)
    )
    return await json_answer(exchange, completion)
