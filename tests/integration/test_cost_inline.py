"""Cost inline on chat completions: ``usage.cost`` (USD) and ``x-spidergate-cost-usd``."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.integration

HELLO: Any = [{"role": "user", "content": "Say hello"}]


@pytest.mark.parametrize("model", ["openai/gpt-6.1-terra", "anthropic/claude-sonnet-4-5"])
def test_json_answer_carries_its_cost(make_tenant, model: str) -> None:
    raw = make_tenant().client().chat.completions.with_raw_response.create(model=model, messages=HELLO)
    usage = raw.parse().usage
    assert usage is not None
    cost = (usage.model_extra or {})["cost"]
    assert cost > 0
    assert float(raw.headers["x-spidergate-cost-usd"]) == pytest.approx(cost)


def test_stream_usage_chunk_carries_its_cost(make_tenant) -> None:
    chunks = list(
        make_tenant()
        .client()
        .chat.completions.create(
            model="openai/gpt-6.1-terra", messages=HELLO, stream=True, stream_options={"include_usage": True}
        )
    )
    usage = chunks[-1].usage
    assert usage is not None and (usage.model_extra or {})["cost"] > 0
