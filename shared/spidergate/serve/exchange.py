"""One gateway request's lifecycle: resolve, route, record, settle exactly once."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from spidergate.catalog.model import CHAT, ModelInfo
from spidergate.domain import Principal
from spidergate.routing.router import Route, RouteFailure, RouteRequest
from spidergate.usage.counts import Usage
from spidergate.usage.pricing import cost
from spidergate.usage.record import RequestRecord

if TYPE_CHECKING:
    from spidergate.providers.base import Adapter, Target
    from spidergate.runtime import Runtime
    from spidergate.schemas.chat import ChatCompletionRequest
    from spidergate.usage.admission import Admission

T = TypeVar("T")
log = logging.getLogger("spidergate.request")


class Exchange:
    """Tracks a request from resolution to settlement; ``finish`` is idempotent."""

    def __init__(
        self,
        rt: Runtime,
        principal: Principal,
        request_id: str,
        endpoint: str,
        requested: str,
        *,
        stream: bool = False,
    ) -> None:
        self.rt = rt
        self.principal = principal
        self.started = time.time()
        self._t0 = time.perf_counter()
        self.record = RequestRecord(
            request_id=request_id,
            brand_id=principal.brand_id,
            agent_id=principal.agent_id,
            endpoint=endpoint,
            requested_model=requested,
            alias=None,
            started_at=self.started,
            stream=stream,
        )
        self.admission: Admission | None = None
        self.route: Route[Any] | None = None
        self.first_choice: str | None = None
        self.reference: ModelInfo | None = (
            None  # priced for ref_cost: the first choice, or the model asked for
        )
        self._settling: asyncio.Task[None] | None = None

    async def resolve(self) -> tuple[ModelInfo, ...]:
        """The candidate models for the requested name (a 404 for unknown names)."""
        overrides = await self.rt.alias_overrides(self.principal.brand_id)
        resolution = self.rt.catalog.resolve(self.record.requested_model, overrides)
        self.record.alias = resolution.alias
        self.first_choice = resolution.models[0].id if resolution.models else None
        self.reference = resolution.models[0] if resolution.models else None
        return resolution.models

    async def run(self, req: RouteRequest, call: Callable[[Adapter, Target], Awaitable[T]]) -> Route[T]:
        try:
            route = await self.rt.router.run(req, call)
        except RouteFailure as failure:
            self.admission = failure.admission
            self.record.attempts = failure.attempts
            self.record.status = failure.error.status
            self.record.error_code = failure.error.code
            raise
        except Exception:
            # Anything unexpected during the call still settles: the ledger knows the admission
            # by request id, releases its holds, and the request is recorded (the upstream may
            # have billed it).
            self.fail(500, "internal_error")
            await self.finish()
            raise
        self.route = route
        self.admission = route.admission
        self.record.attempts = route.attempts
        self.record.fallback = route.fallback
        self.record.served_model = route.target.model.id
        self.record.provider = route.target.provider.name
        self.record.key_id = route.target.key.key_id
        self.record.key_label = route.target.key.label
        return route

    def account(self, usage: Usage) -> None:
        """Set the served usage and its exact cost. Upstream counts are untrusted input: implausible
        ones are replaced by the gateway's estimate and the usage is flagged ``estimated``."""
        usage = usage.sane()
        if usage.estimated and not usage.prompt_tokens:
            usage.prompt_tokens = self.record.usage.prompt_tokens  # the prompt estimate made before the call
        self.record.usage = usage
        if self.route is not None:
            self.record.cost = cost(self.route.target.model, usage)

    def fail(self, status: int, code: str | None) -> None:
        self.record.status = status
        self.record.error_code = code

    @property
    def fallback_from(self) -> str | None:
        """The alias's first choice when another model served (for X-SpiderGate-Fallback-From)."""
        if self.route is not None and self.route.target.model.id != self.first_choice:
            return self.first_choice
        return None

    def rate_headers(self) -> dict[str, str]:
        return self.rt.ledger.headers(self.admission) if self.admission is not None else {}

    def trace(self) -> dict[str, Any]:
        r = self.record
        return {
            "request_id": r.request_id,
            "requested_model": r.requested_model,
            "alias": r.alias,
            "served_model": r.served_model,
            "fallback": r.fallback,
            # Agents see a stable key id, never the vault label (that stays in the dashboard).
            "attempts": [{**a.public(), "key": a.key_id} for a in r.attempts],
        }

    async def finish(self) -> None:
        """Settle usage and emit telemetry, once; safe to call from every exit path.

        The settlement runs as its own task behind a shield: a cancelled caller (a client that
        hung up) does not cancel it, and a later call awaits the same task.
        """
        if self._settling is None:
            self._settling = asyncio.ensure_future(self._settle())
        await asyncio.shield(self._settling)

    async def _settle(self) -> None:
        self.record.latency_ms = (time.perf_counter() - self._t0) * 1000
        if self.route is not None and self.reference is not None:
            try:
                self.record.ref_cost = cost(self.reference, self.record.usage)
            except Exception:  # a reference price must never cost the record
                log.exception("reference cost failed", extra={"request_id": self.record.request_id})
        try:
            await self.rt.ledger.settle(self.admission, self.record)
        except Exception:
            # Never lose the client's answer over accounting; the reservation sweep refunds holds.
            log.exception("usage settlement failed", extra={"request_id": self.record.request_id})
        self.rt.telemetry.request(self.record)


def worst_cost_for(
    output_ceiling: int | None, prompt_tokens: int, units: Usage | None = None
) -> Callable[[ModelInfo], Decimal]:
    from spidergate.usage.pricing import worst_case

    return lambda model: worst_case(model, prompt_tokens, output_ceiling, units)


def chat_route_request(
    exchange: Exchange,
    models: tuple[ModelInfo, ...],
    req: ChatCompletionRequest,
    messages: list[Any],
    tools: list[Any] | None,
) -> RouteRequest:
    """The route of a chat-shaped request (chat completions, Messages): the prompt's estimate is
    recorded until the upstream reports usage; budgets reserve from its upper bound, not the estimate."""
    from spidergate.usage import estimate

    prompt = estimate.prompt_tokens(messages, tools)
    exchange.record.usage = Usage(prompt_tokens=prompt, estimated=True)
    return RouteRequest(
        principal=exchange.principal,
        request_id=exchange.record.request_id,
        models=models,
        mode=CHAT,
        needs=req.needs(),
        token_estimate=prompt,
        output_ceiling=req.output_ceiling,
        worst_cost=worst_cost_for(req.output_ceiling, estimate.prompt_bound(messages, tools)),
    )
