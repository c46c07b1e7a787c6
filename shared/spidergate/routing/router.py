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
from spidergate.errors import AllKeysRateLimited, GatewayError, NoCapacity, UpstreamRejected
from spidergate.providers.base import Adapter, ProviderDef, Target, UpstreamError
from spidergate.routing.classify import Action, Verdict, classify
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
        verdicts: list[Verdict] = []
        reasons: list[str] = []
        cooling_waits: list[float] = []
        client_error: UpstreamError | None = None
        brand = req.principal.brand_id
        for index, model in enumerate(req.models):
            skip = self._unfit(model, req)
            if skip:
                attempts.append(Attempt(model.id, model.provider, None, None, "skipped", error_type=skip))
                reasons.append(f"{model.id}: {skip}")
                continue
            provider = self.providers.get(model.provider)
            adapter = self.adapters.get(provider.wire) if provider else None
            if provider is None or adapter is None:
                attempts.append(
                    Attempt(model.id, model.provider, None, None, "skipped", error_type="no_adapter")
                )
                reasons.append(f"{model.id}: provider not routable")
                continue
            keys = await self.pool.for_provider(brand, model.provider)
            usable = [k for k in keys if self.pool.state(k) == "active"]
            if not usable:
                cooling = [k for k in keys if self.pool.state(k) == "cooling"]
                cooling_waits.extend(self.pool.cooldown_left(k) for k in cooling)
                why = "no_keys" if not keys else ("keys_cooling" if cooling else "keys_disabled")
                attempts.append(Attempt(model.id, model.provider, None, None, "skipped", error_type=why))
                reasons.append(f"{model.id}: {why.replace('_', ' ')}")
                continue
            strikes = 0
            for key in await self.order(brand, model.provider, usable):
                if len(attempts) >= self.max_attempts + len(req.models) or time.monotonic() >= deadline:
                    reasons.append("attempt cap or deadline reached")
                    break
                if self.pool.state(key) != "active":
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
                            key.label,
                            "skipped",
                            error_type=f"key_{cap.reason}",
                        )
                    )
                    reasons.append(f"{model.id}: key {key.label} at its {cap.reason}")
                    continue
                except GatewayError as refused:
                    raise RouteFailure(refused, attempts, admission) from None
                target = Target(
                    model=model, provider=provider, key=key, api_key=await self.pool.material(key)
                )
                t0 = time.monotonic()
                try:
                    result = await asyncio.wait_for(call(adapter, target), timeout=max(0.1, deadline - t0))
                except (UpstreamError, TimeoutError) as exc:
                    error = (
                        exc
                        if isinstance(exc, UpstreamError)
                        else UpstreamError(None, "timeout", "route deadline reached")
                    )
                    verdict = classify(error, provider.name)
                    verdicts.append(verdict)
                    attempts.append(
                        Attempt(
                            model.id,
                            model.provider,
                            key.key_id,
                            key.label,
                            verdict.action.value,
                            status=error.status,
                            error_type=verdict.reason,
                            latency_ms=(time.monotonic() - t0) * 1000,
                        )
                    )
                    reasons.append(f"{model.id} via {key.label}: {verdict.reason}")
                    if verdict.action is Action.COOLDOWN:
                        await self.pool.cool_down(key, verdict.cooldown_seconds)
                        cooling_waits.append(verdict.cooldown_seconds)
                    elif verdict.action is Action.DISABLE:
                        await self.pool.disable(key, verdict.reason)
                    elif verdict.action is Action.CLIENT:
                        client_error = error
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
            if client_error is not None:
                break
        raise RouteFailure(self._failure(client_error, verdicts, reasons, cooling_waits), attempts, admission)

    @staticmethod
    def _unfit(model: ModelInfo, req: RouteRequest) -> str | None:
        if model.mode != req.mode:
            return f"mode_{model.mode}"
        missing = sorted(c for c in req.needs if c not in model.capabilities and c != "chat")
        if missing:
            return "lacks_" + "_".join(missing)
        if model.context_window and req.token_estimate > model.context_window:
            return "context_length_exceeded"
        return None

    @staticmethod
    def _failure(
        client_error: UpstreamError | None, verdicts: list[Verdict], reasons: list[str], cooling: list[float]
    ) -> GatewayError:
        if client_error is not None:
            status = client_error.status if client_error.status and 400 <= client_error.status < 500 else 400
            return UpstreamRejected(
                client_error.message, status=status, code=client_error.code or "invalid_request"
            )
        summary = "; ".join(reasons[-6:]) or "no model in the chain can serve this request"
        limited = bool(cooling) and all(v.action is Action.COOLDOWN for v in verdicts)
        if limited:
            return AllKeysRateLimited(
                f"Every candidate key is rate-limited ({summary}).", retry_after=min(cooling)
            )
        return NoCapacity(f"No provider could serve this request: {summary}.")
