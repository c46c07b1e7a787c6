"""The fallback loop: walk the chain's models, and within a model the brand's pooled keys.

Fallback order: next key of the same provider first (key rotation), then the next model of the
chain. Every attempt lands in the route trace. Bounded by an attempt cap and a deadline so a long
chain ends inside the Lambda timeout.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from spidergate.catalog.model import ModelInfo
from spidergate.domain import Principal, ProviderKey
from spidergate.errors import GatewayError
from spidergate.providers.base import Adapter, ProviderDef, Target, UpstreamError
from spidergate.redaction import Redactor
from spidergate.routing.classify import Action, classify
from spidergate.routing.failure import Outcomes, client_error
from spidergate.routing.keypool import KeyPool
from spidergate.routing.metering import KeyCapReached, Metering
from spidergate.routing.ordering import STRATEGIES, RoundRobin, free_first, least_spent
from spidergate.usage.record import Attempt

if TYPE_CHECKING:
    from spidergate.usage.admission import Admission

T = TypeVar("T")


class KeySpendView(Protocol):
    """Month-to-date spend per key (``spidergate.usage.key_spend.KeySpend``)."""

    async def month_to_date(self, brand_id: str, pool: Sequence[ProviderKey]) -> Mapping[str, Decimal]: ...


# After this many transient failures (5xx, timeouts) on one provider, skip its remaining keys.
PROVIDER_STRIKES = 2


@dataclass
class RouteRequest:
    """What to route: who asks, for which model or alias, and how big the request may get."""

    principal: Principal
    request_id: str
    models: Sequence[ModelInfo]
    mode: str
    needs: frozenset[str] = frozenset()
    token_estimate: int = 0
    output_ceiling: int | None = None
    worst_cost: Callable[[ModelInfo], Decimal] = lambda _m: Decimal(0)


@dataclass
class Route(Generic[T]):
    """A served request: its result, where it went, and how it got there."""

    result: T
    target: Target
    attempts: list[Attempt]
    admission: Admission | None
    fallback: bool


@dataclass
class RouteFailure(Exception):
    """No candidate could serve: the error for the client plus the trace and admission to settle."""

    error: GatewayError
    attempts: list[Attempt] = field(default_factory=list)
    admission: Admission | None = None


class Router:
    def __init__(
        self,
        *,
        pool: KeyPool,
        adapters: Mapping[str, Adapter],
        providers: Mapping[str, ProviderDef],
        metering: Metering,
        deadline_seconds: float,
        max_attempts: int,
        strategy: str = "round_robin",
        spend: KeySpendView | None = None,
    ) -> None:
        if strategy not in STRATEGIES:
            raise ValueError(f"unknown key order {strategy!r}; choose one of {', '.join(STRATEGIES)}")
        self.pool = pool
        self.adapters = adapters
        self.providers = providers
        self.metering = metering
        self.deadline_seconds = deadline_seconds
        self.max_attempts = max_attempts
        self.strategy = strategy
        self.spend = spend
        self._round_robin = RoundRobin()

    async def order(self, brand_id: str, provider: str, keys: Sequence[ProviderKey]) -> list[ProviderKey]:
        """The provider's usable keys in the order to try them (the deployment's strategy)."""
        if self.strategy == "round_robin" or self.spend is None or len(keys) < 2:
            return self._round_robin.order(f"{brand_id}/{provider}", keys)
        spend = await self.spend.month_to_date(brand_id, keys)
        return least_spent(keys, spend) if self.strategy == "least_spent" else free_first(keys, spend)

    async def run(self, req: RouteRequest, call: Callable[[Adapter, Target], Awaitable[T]]) -> Route[T]:
        """Serve ``req`` with ``call`` on the first candidate that succeeds, or raise RouteFailure."""
        started = time.monotonic()
        deadline = started + self.deadline_seconds
        attempts: list[Attempt] = []
        admission: Admission | None = None
        seen = Outcomes()
        redactor = Redactor()
        brand = req.principal.brand_id
        for index, model in enumerate(req.models):
            skip = self._unfit(model, req)
            if skip:
                attempts.append(Attempt(model.id, model.provider, None, None, "skipped", error_type=skip))
                seen.skip(model.id, skip)
                continue
            provider = self.providers.get(model.provider)
            adapter = self.adapters.get(provider.wire) if provider else None
            if provider is None or adapter is None:
                attempts.append(
                    Attempt(model.id, model.provider, None, None, "skipped", error_type="no_adapter")
                )
                seen.skip(model.id, "no_adapter")
                continue
            keys = await self.pool.for_provider(brand, model.provider)
            states = {k.key_id: self.pool.state(k, model.id) for k in keys}
            usable = [k for k in keys if states[k.key_id] == "active"]
            if not usable:
                cooling = [k for k in keys if states[k.key_id] == "cooling"]
                seen.cooling_waits.extend(self.pool.cooldown_left(k, model.id) for k in cooling)
                why = _unusable(keys, states)
                attempts.append(Attempt(model.id, model.provider, None, None, "skipped", error_type=why))
                seen.skip(model.id, why)
                continue
            strikes = 0
            for key in await self.order(brand, model.provider, usable):
                if len(attempts) >= self.max_attempts + len(req.models) or time.monotonic() >= deadline:
                    seen.reasons.append("attempt cap or deadline reached")
                    seen.transient = True
                    break
                if self.pool.state(key, model.id) != "active":
                    continue  # cooled or disabled by a concurrent request in this container
                worst = req.worst_cost(model)
                try:
                    if admission is None:
                        admission = await self.metering.admit(
                            req.principal,
                            req.request_id,
                            key=key,
                            worst_cost=worst,
                            token_estimate=req.token_estimate,
                        )
                    else:
                        await self.metering.switch(admission, key=key, worst_cost=worst)
                except KeyCapReached as cap:
                    attempts.append(
                        Attempt(
                            model.id,
                            model.provider,
                            key.key_id,
                            None,
                            "skipped",
                            error_type=f"key_{cap.reason}",
                        )
                    )
                    seen.skip(model.id, f"key_{cap.reason}", f"key {key.key_id} at its {cap.reason}")
                    continue
                except GatewayError as refused:
                    raise RouteFailure(refused, attempts, admission) from None
                material = await self.pool.material(key)
                redactor.add(material)
                target = Target(model=model, provider=provider, key=key, api_key=material)
                t0 = time.monotonic()
                try:
                    result = await asyncio.wait_for(call(adapter, target), timeout=max(0.1, deadline - t0))
                except (UpstreamError, TimeoutError) as exc:
                    error = redactor.scrub(
                        exc
                        if isinstance(exc, UpstreamError)
                        else UpstreamError(None, "timeout", "route deadline reached")
                    )
                    verdict = classify(error, provider.name)
                    attempts.append(
                        Attempt(
                            model.id,
                            model.provider,
                            key.key_id,
                            key.label,  # for the dashboard; agents see the key id only
                            verdict.action.value,
                            status=error.status,
                            error_type=verdict.reason,
                            latency_ms=(time.monotonic() - t0) * 1000,
                        )
                    )
                    seen.failed(verdict, error, f"{model.id} via key {key.key_id}: {verdict.reason}")
                    if verdict.cooldown_seconds > 0 and verdict.per_model:
                        await self.pool.cool_model(key, model.id, verdict.cooldown_seconds, verdict.reason)
                    elif verdict.cooldown_seconds > 0:
                        await self.pool.cool_down(key, verdict.cooldown_seconds)
                    if verdict.rate_limited:
                        seen.cooling_waits.append(verdict.cooldown_seconds)
                    if verdict.action is Action.DISABLE:
                        await self.pool.disable(key, verdict.reason)
                    elif verdict.action is Action.CLIENT:
                        seen.client_error = error
                        break
                    elif verdict.action is Action.NEXT_MODEL:
                        break
                    elif verdict.action is Action.NEXT_KEY:
                        strikes += 1
                        if strikes >= PROVIDER_STRIKES:
                            break
                    continue
                attempts.append(
                    Attempt(
                        model.id,
                        model.provider,
                        key.key_id,
                        key.label,
                        "success",
                        status=200,
                        latency_ms=(time.monotonic() - t0) * 1000,
                    )
                )
                return Route(result, target, attempts, admission, fallback=index > 0)
            if seen.client_error is not None:
                break
        raise RouteFailure(client_error(seen, redactor, req.token_estimate), attempts, admission)

    @staticmethod
    def _unfit(model: ModelInfo, req: RouteRequest) -> str | None:
        if model.mode != req.mode:
            return f"mode_{model.mode}"
        missing = sorted(c for c in req.needs if c not in model.capabilities and c != "chat")
        if missing:
            return "lacks_" + missing[0]
        if model.context_window and req.token_estimate > model.context_window:
            return "context_length_exceeded"
        return None


def _unusable(keys: Sequence[ProviderKey], states: Mapping[str, str]) -> str:
    """Why none of a provider's keys can serve a model (the trace's skip reason)."""
    if not keys:
        return "no_keys"
    found = set(states.values())
    if "cooling" in found:
        return "keys_cooling"
    return "keys_benched" if "benched" in found else "keys_disabled"
