"""Cost per token class against hand-computed values (cached and reasoning tokens included)."""

from decimal import Decimal

from spidergate.catalog import get_catalog
from spidergate.catalog.model import ModelInfo, Prices
from spidergate.usage.counts import Usage
from spidergate.usage.pricing import cost, worst_case

PRICED = ModelInfo(
    id="x/m",
    provider="x",
    model="m",
    mode="chat",
    max_output=1000,
    prices=Prices(
        input=Decimal("0.000003"),
        output=Decimal("0.000015"),
        cached_input=Decimal("0.0000003"),
        cache_write=Decimal("0.00000375"),
        reasoning=Decimal("0.00002"),
    ),
)


def test_each_token_class_at_its_own_price() -> None:
    usage = Usage(
        prompt_tokens=10_000,
        cached_tokens=6_000,
        cache_write_tokens=1_000,
        completion_tokens=2_000,
        reasoning_tokens=1_500,
    )
    # 3,000 plain input, 6,000 cached, 1,000 cache writes, 500 visible output, 1,500 reasoning:
    expected = (
        Decimal("3000") * Decimal("0.000003")
        + Decimal("6000") * Decimal("0.0000003")
        + Decimal("1000") * Decimal("0.00000375")
        + Decimal("500") * Decimal("0.000015")
        + Decimal("1500") * Decimal("0.00002")
    )
    assert expected == Decimal("0.05205")
    assert cost(PRICED, usage) == expected


def test_classes_without_a_price_fall_back_to_the_base_price() -> None:
    plain = ModelInfo(
        id="x/p",
        provider="x",
        model="p",
        mode="chat",
        prices=Prices(input=Decimal("0.000001"), output=Decimal("0.000002")),
    )
    usage = Usage(prompt_tokens=100, cached_tokens=40, completion_tokens=50, reasoning_tokens=20)
    assert cost(plain, usage) == Decimal("0.0002")  # 100 x 1e-6 + 50 x 2e-6


def test_a_real_catalog_model_with_cache_and_reasoning_prices() -> None:
    model = next(
        m
        for m in get_catalog().models
        if m.mode == "chat" and m.prices.cached_input is not None and m.prices.input > 0
    )
    p = model.prices
    usage = Usage(prompt_tokens=1_000, cached_tokens=400, completion_tokens=300, reasoning_tokens=100)
    reasoning_price = p.reasoning if p.reasoning is not None else p.output
    assert p.cached_input is not None
    expected = 600 * p.input + 400 * p.cached_input + 200 * p.output + 100 * reasoning_price
    assert cost(model, usage) == expected.quantize(Decimal("0.0000000001"))


def test_worst_case_bounds_any_real_outcome() -> None:
    ceiling = worst_case(PRICED, prompt_tokens=1_000, max_output=500)
    for cached, reasoning in ((0, 0), (900, 0), (0, 500), (900, 500)):
        actual = cost(
            PRICED,
            Usage(
                prompt_tokens=1_000, cached_tokens=cached, completion_tokens=500, reasoning_tokens=reasoning
            ),
        )
        assert actual <= ceiling
