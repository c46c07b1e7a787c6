"""The fallback loop with in-process fakes: key rotation, cooldowns, disables, model fallback."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from spidergate.catalog.model import ModelInfo
from spidergate.domain import Principal, ProviderKey
from spidergate.errors import AllKeysRateLimited, NoCapacity, UpstreamRejected
from spidergate.providers.base import Adapter, ProviderDef, Target, UpstreamError
from spidergate.routing.keypool import KeyPool
from spidergate.routing.metering import KeyCapReached
from spidergate.routing.router import RouteFailure, Router, RouteRequest
from spidergate.usage.record import RequestRecord


class FakeVault:
    def __init__(self, keys: list[ProviderKey]) -> None:
        self.keys = keys
        self.cooled: dict[str, float] = {}
        self.disabled: dict[str, str] = {}
        self.model_cooled: dict[tuple[str, str], tuple[float, str]] = {}

    def list(self, brand_id: str) -> list[ProviderKey]:
        return [k for k in self.keys if k.brand_id == brand_id]

    def material(self, key: ProviderKey) -> str:
        return f"secret-{key.key_id}"

    def cool_down(self, key: ProviderKey, until: float) -> None:
        self.cooled[key.key_id] = until

    def mark_disabled(self, key: ProviderKey, reason: str) -> None:
        self.disabled[key.key_id] = reason

    def cool_model(self, key: ProviderKey, model_id: str, until: float, reason: str) -> None:
        self.model_cooled[(key.key_id, model_id)] = (until, reason)


class FakeMetering:
    def __init__(self, capped: set[str] | None = None) -> None:
        self.capped = capped or set()
        self.admits: list[str] = []
        self.switches: list[str] = []

    async def admit(
        self,
        principal: Principal,
        request_id: str,
        *,
        key: ProviderKey,
        worst_cost: Decimal,
        token_estimate: int,
    ) -> Any:
        if key.key_id in self.capped:
            raise KeyCapReached(key.key_id)
        self.admits.append(key.key_id)
        return {"request_id": request_id}

    async def switch(self, admission: Any, *, key: ProviderKey, worst_cost: Decimal) -> None:
        if key.key_id in self.capped:
            raise KeyCapReached(key.key_id)
        self.switches.append(key.key_id)

    async def settle(self, admission: Any, record: RequestRecord) -> None:
        return None

    def headers(self, admission: Any) -> dict[str, str]:
        return {}


Script = dict[str, list[UpstreamError | str]]


class ScriptedAdapter(Adapter):
    """Answers per key id from a script: an UpstreamError to raise or a string result."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.calls: list[str] = []

    async def chat(self, target: Target, request: dict[str, Any]) -> Any:
        self.calls.append(target.key.key_id)
        outcome = (
            self.script.get(target.key.key_id, ["ok"]).pop(0) if self.script.get(target.key.key_id) else "ok"
        )
        if isinstance(outcome, UpstreamError):
            raise outcome
        return f"{outcome}:{target.model.id}:{target.key.key_id}"


def key(key_id: str, provider: str = "openai", **kw: Any) -> ProviderKey:
    return ProviderKey(
        brand_id="b",
        key_id=key_id,
        provider=provider,
        label=f"label-{key_id}",
        masked="sk…",
        secret_name=f"s/{key_id}",
        **kw,
    )


MODELS = [
    ModelInfo(
        id="openai/gpt-4o-mini",
        provider="openai",
        model="gpt-4o-mini",
        mode="chat",
        context_window=1000,
        capabilities=frozenset({"chat", "tools"}),
    ),
    ModelInfo(
        id="groq/llama",
        provider="groq",
        model="llama",
        mode="chat",
        context_window=100_000,
        capabilities=frozenset({"chat"}),
    ),
]
PROVIDERS = {
    p: ProviderDef(name=p, display_name=p, wire="openai", base_url="http://x") for p in ("openai", "groq")
}
PRINCIPAL = Principal(brand_id="b", agent_id="a", credential_id="k")


def router(
    keys: list[ProviderKey],
    script: Script,
    clock: Callable[[], float] = lambda: 1000.0,
    metering: FakeMetering | None = None,
) -> tuple[Router, ScriptedAdapter, FakeVault, FakeMetering]:
    vault = FakeVault(keys)
    adapter = ScriptedAdapter(script)
    metering = metering or FakeMetering()
    pool = KeyPool(vault, keys_ttl=60, secret_ttl=60, clock=clock)  # type: ignore[arg-type]
    r = Router(
        pool=pool,
        adapters={"openai": adapter},
        providers=PROVIDERS,
        metering=metering,
        deadline_seconds=10,
        max_attempts=6,
    )
    return r, adapter, vault, metering


def req(**kw: Any) -> RouteRequest:
    return RouteRequest(
        principal=PRINCIPAL, request_id="r1", models=kw.pop("models", MODELS), mode="chat", **kw
    )


async def call(adapter: Adapter, target: Target) -> Any:
    return await adapter.chat(target, {})


def http(status: int, **kw: Any) -> UpstreamError:
    return UpstreamError(status, "http", f"status {status}", **kw)


async def test_rate_limited_key_is_cooled_and_next_key_serves() -> None:
    r, adapter, vault, _ = router([key("k1"), key("k2")], {"k1": [http(429, retry_after=20)]})
    route = await r.run(req(), call)
    assert route.result == "ok:openai/gpt-4o-mini:k2"
    assert [(a.key_id, a.outcome) for a in route.attempts] == [("k1", "cooldown"), ("k2", "success")]
    assert vault.cooled["k1"] == pytest.approx(1020.0)
    assert not route.fallback
    # The next request skips the cooling key without calling it.
    adapter.calls.clear()
    again = await r.run(req(), call)
    assert adapter.calls == ["k2"] and again.result.endswith(":k2")


async def test_invalid_key_is_disabled_with_reason() -> None:
    r, _, vault, _ = router([key("k1"), key("k2")], {"k1": [http(401)]})
    route = await r.run(req(), call)
    assert vault.disabled == {"k1": "invalid_api_key"}
    assert route.result.endswith(":k2")


async def test_provider_down_falls_back_to_next_model() -> None:
    r, _, _, _ = router([key("k1"), key("g1", "groq")], {"k1": [http(503)]})
    route = await r.run(req(), call)
    assert route.result == "ok:groq/llama:g1"
    assert route.fallback
    assert [a.outcome for a in route.attempts] == ["next_key", "success"]


async def test_client_errors_go_straight_back_without_retries() -> None:
    r, adapter, _, _ = router(
        [key("k1"), key("k2"), key("g1", "groq")], {"k1": [http(400, code="invalid_value")]}
    )
    with pytest.raises(RouteFailure) as caught:
        await r.run(req(), call)
    assert isinstance(caught.value.error, UpstreamRejected)
    assert caught.value.error.status == 400
    assert adapter.calls == ["k1"]


async def test_every_key_rate_limited_gives_429_with_retry_after() -> None:
    r, _, _, _ = router(
        [key("k1"), key("g1", "groq")], {"k1": [http(429, retry_after=5)], "g1": [http(429, retry_after=9)]}
    )
    with pytest.raises(RouteFailure) as caught:
        await r.run(req(), call)
    error = caught.value.error
    assert isinstance(error, AllKeysRateLimited)
    assert error.headers["retry-after"] == "5"


async def test_nothing_to_serve_is_a_503_that_names_why() -> None:
    r, _, _, _ = router([key("k1", status="disabled")], {})
    with pytest.raises(RouteFailure) as caught:
        await r.run(req(), call)
    assert isinstance(caught.value.error, NoCapacity)
    assert "keys disabled" in caught.value.error.message and "no keys" in caught.value.error.message


async def test_capability_and_context_window_are_checked_before_sending() -> None:
    r, adapter, _, _ = router([key("k1"), key("g1", "groq")], {})
    route = await r.run(req(token_estimate=5000), call)  # too long for gpt-4o-mini's 1000
    assert route.result.endswith(":g1")
    assert route.attempts[0].error_type == "context_length_exceeded"
    with pytest.raises(RouteFailure):
        await r.run(req(needs=frozenset({"chat", "vision"})), call)
    assert adapter.calls == ["g1"]


async def test_capped_key_is_skipped_and_admission_moves_on() -> None:
    metering = FakeMetering(capped={"k1"})
    r, adapter, _, _ = router([key("k1"), key("k2")], {}, metering=metering)
    route = await r.run(req(), call)
    assert adapter.calls == ["k2"]
    assert metering.admits == ["k2"]
    assert route.attempts[0].error_type == "key_cap"


async def test_round_robin_rotates_within_a_priority_band() -> None:
    r, adapter, _, _ = router([key("k1"), key("k2"), key("k3", priority=200)], {})
    served = [(await r.run(req(), call)).result.rsplit(":", 1)[1] for _ in range(4)]
    assert served == ["k1", "k2", "k1", "k2"]
    assert "k3" not in adapter.calls


class FakeSpend:
    def __init__(self, spend: dict[str, Decimal]) -> None:
        self.spend = spend

    async def month_to_date(self, brand_id: str, pool: Any) -> dict[str, Decimal]:
        return self.spend


@pytest.mark.parametrize(
    ("strategy", "expected"),
    [("least_spent", ["k2", "k3", "k1"]), ("free_first", ["k3", "k2", "k1"])],
)
async def test_spend_aware_orders(strategy: str, expected: list[str]) -> None:
    keys = [key("k1"), key("k2"), key("k3", free_tier=True)]
    spend = FakeSpend({"k1": Decimal("5"), "k2": Decimal("1"), "k3": Decimal("2")})
    r = Router(
        pool=KeyPool(FakeVault(keys), keys_ttl=60, secret_ttl=60),
        adapters={},
        providers=PROVIDERS,  # type: ignore[arg-type]
        metering=FakeMetering(),
        deadline_seconds=1,
        max_attempts=1,
        strategy=strategy,
        spend=spend,
    )
    assert [k.key_id for k in await r.order("b", "openai", keys)] == expected


def test_unknown_strategy_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown key order"):
        Router(
            pool=None,
            adapters={},
            providers={},
            metering=FakeMetering(),
            deadline_seconds=1,  # type: ignore[arg-type]
            max_attempts=1,
            strategy="random",
        )


async def test_echoed_billing_text_in_a_client_400_disables_no_key() -> None:
    """Issue 12 #1: one agent request must not disable every key of the brand."""
    echo = UpstreamError(
        400,
        "http",
        "openai answered 400: Invalid 'tool_choice': function 'billing' not found",
        code=None,
        error_type="invalid_request_error",
        upstream_message="Invalid 'tool_choice': function 'billing' (insufficient_quota) not found",
        param="tool_choice",
    )
    r, adapter, vault, _ = router(
        [key("k1"), key("k2"), key("k3")], {"k1": [echo], "k2": [echo], "k3": [echo]}
    )
    with pytest.raises(RouteFailure) as caught:
        await r.run(req(), call)
    assert vault.disabled == {} and vault.cooled == {} and vault.model_cooled == {}
    assert adapter.calls == ["k1"]
    error = caught.value.error
    assert (error.status, error.param, error.code) == (400, "tool_choice", None)
    assert error.message.startswith("Invalid 'tool_choice'")  # the provider's words, no prefix
    assert error.headers["x-should-retry"] == "false"


async def test_model_404_on_one_key_rotates_to_the_providers_other_key_and_benches_the_pair() -> None:
    missing = UpstreamError(404, "http", "not found", code="model_not_found")
    r, adapter, vault, _ = router([key("k1"), key("k2"), key("g1", "groq")], {"k1": [missing]})
    route = await r.run(req(), call)
    assert route.result == "ok:openai/gpt-4o-mini:k2" and not route.fallback
    until, reason = vault.model_cooled[("k1", "openai/gpt-4o-mini")]
    assert reason == "model_not_found" and until > 1000.0
    assert vault.disabled == {} and vault.cooled == {}
    adapter.calls.clear()
    await r.run(req(), call)
    await r.run(req(), call)
    assert adapter.calls == ["k2", "k2"]  # the benched pair is skipped while it lasts


async def test_per_model_rate_limit_leaves_the_keys_other_models_usable() -> None:
    groq_models = [
        ModelInfo(id="groq/a", provider="groq", model="a", mode="chat", capabilities=frozenset({"chat"})),
        ModelInfo(id="groq/b", provider="groq", model="b", mode="chat", capabilities=frozenset({"chat"})),
    ]
    limited = UpstreamError(429, "http", "tpm", code="rate_limit_exceeded", retry_after=20)
    r, adapter, vault, _ = router([key("g1", "groq")], {"g1": [limited]})
    route = await r.run(req(models=groq_models), call)
    assert route.result == "ok:groq/b:g1"
    assert vault.model_cooled[("g1", "groq/a")] == (1020.0, "rate_limited")
    assert vault.cooled == {}  # the key itself is not benched
    adapter.calls.clear()
    with pytest.raises(RouteFailure) as caught:
        await r.run(req(models=groq_models[:1]), call)
    assert isinstance(caught.value.error, AllKeysRateLimited)
    assert adapter.calls == []


async def test_context_overflow_everywhere_is_a_400_with_the_upstreams_message() -> None:
    overflow = UpstreamError(
        400,
        "http",
        "groq answered 400: Please reduce the length of the messages or completion.",
        code="context_length_exceeded",
        upstream_message="Please reduce the length of the messages or completion.",
        param="messages",
    )
    r, _, vault, _ = router([key("g1", "groq")], {"g1": [overflow]})
    with pytest.raises(RouteFailure) as caught:
        await r.run(req(token_estimate=5000), call)  # over gpt-4o-mini's window, then groq refuses
    error = caught.value.error
    assert (error.status, error.code, error.param) == (400, "context_length_exceeded", "messages")
    assert error.message == "Please reduce the length of the messages or completion."
    assert vault.disabled == {} and vault.cooled == {}


async def test_prompt_over_every_window_is_a_400_without_calls() -> None:
    r, adapter, _, _ = router([key("k1")], {})
    with pytest.raises(RouteFailure) as caught:
        await r.run(req(models=MODELS[:1], token_estimate=5000), call)
    assert (caught.value.error.status, caught.value.error.code) == (400, "context_length_exceeded")
    assert adapter.calls == []


async def test_missing_capability_everywhere_is_a_400_naming_it() -> None:
    r, _, _, _ = router([key("k1"), key("g1", "groq")], {})
    with pytest.raises(RouteFailure) as caught:
        await r.run(req(needs=frozenset({"chat", "vision"})), call)
    error = caught.value.error
    assert (error.status, error.code) == (400, "lacks_vision")
    assert "vision" in error.message and error.headers["x-should-retry"] == "false"


async def test_a_503_says_whether_a_retry_can_help() -> None:
    r, _, _, _ = router([key("k1", status="disabled")], {})
    with pytest.raises(RouteFailure) as caught:
        await r.run(req(), call)
    assert caught.value.error.status == 503 and caught.value.error.headers["x-should-retry"] == "false"
    r, _, _, _ = router([key("k1"), key("g1", "groq")], {"k1": [http(503), http(503)], "g1": [http(502)]})
    with pytest.raises(RouteFailure) as caught:
        await r.run(req(), call)
    assert caught.value.error.status == 503 and "x-should-retry" not in caught.value.error.headers


async def test_upstream_text_is_redacted_and_traces_carry_no_labels() -> None:
    leak = UpstreamError(
        400,
        "http",
        "x",
        upstream_message="Incorrect value; key secret-k1 and gsk_abcdefghijklmnop were sent",
        code="invalid_value",
    )
    r, _, _, _ = router([key("k1")], {"k1": [leak]})
    with pytest.raises(RouteFailure) as caught:
        await r.run(req(models=MODELS[:1]), call)
    message = caught.value.error.message
    assert "secret-k1" not in message and "gsk_" not in message and "[redacted]" in message
    assert "label-" not in message


async def test_model_missing_on_every_key_is_a_503_a_retry_cannot_fix() -> None:
    missing = UpstreamError(404, "http", "not found", code="model_not_found")
    r, adapter, vault, _ = router([key("k1"), key("k2")], {"k1": [missing], "k2": [missing]})
    with pytest.raises(RouteFailure) as caught:
        await r.run(req(models=MODELS[:1]), call)
    error = caught.value.error
    assert isinstance(error, NoCapacity) and error.headers["x-should-retry"] == "false"
    assert set(vault.model_cooled) == {("k1", "openai/gpt-4o-mini"), ("k2", "openai/gpt-4o-mini")}
    assert "label-" not in error.message and "k1" in error.message
    assert adapter.calls == ["k1", "k2"]  # every key of the provider is tried first
