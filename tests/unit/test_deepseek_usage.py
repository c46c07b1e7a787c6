"""DeepSeek's cache-hit usage fields are read as cached input and priced at the cache price."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx

from spidergate.catalog import get_catalog
from spidergate.domain import ProviderKey
from spidergate.providers.base import Target
from spidergate.providers.openai_compat import OpenAICompatAdapter
from spidergate.providers.openai_usage import usage_of
from spidergate.usage.pricing import cost

# A deepseek-chat answer's usage as the API returns it (api-docs.deepseek.com/api/create-chat-completion):
# prompt_tokens = prompt_cache_hit_tokens + prompt_cache_miss_tokens.
DEEPSEEK_USAGE = {
    "completion_tokens": 10,
    "prompt_tokens": 1000,
    "prompt_cache_hit_tokens": 900,
    "prompt_cache_miss_tokens": 100,
    "total_tokens": 1010,
}
KEY = ProviderKey(brand_id="b", key_id="pk_d", provider="deepseek", label="d", masked="sk…", secret_name="s")


def test_cache_hits_become_cached_tokens_and_cost_less() -> None:
    model = get_catalog().get("deepseek/deepseek-chat")
    assert model is not None
    usage = usage_of(DEEPSEEK_USAGE)
    assert (usage.prompt_tokens, usage.cached_tokens, usage.completion_tokens) == (1000, 900, 10)
    p = model.prices
    assert p.cached_input is not None
    assert cost(model, usage) == (100 * p.input + 900 * p.cached_input + 10 * p.output).quantize(
        Decimal("0.0000000001")
    )
    assert cost(model, usage) < cost(model, usage_of({**DEEPSEEK_USAGE, "prompt_cache_hit_tokens": 0}))


def test_standard_cached_tokens_win_when_both_are_present() -> None:
    both = {**DEEPSEEK_USAGE, "prompt_tokens_details": {"cached_tokens": 500}}
    assert usage_of(both).cached_tokens == 500


async def test_the_adapter_meters_a_deepseek_answer_with_its_cache_hits() -> None:
    catalog = get_catalog()
    model = catalog.get("deepseek/deepseek-chat")
    assert model is not None
    target = Target(model=model, provider=catalog.providers["deepseek"], key=KEY, api_key="sk-d")
    answer = {
        "id": "c",
        "object": "chat.completion",
        "created": 1,
        "model": "deepseek-chat",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
        "usage": DEEPSEEK_USAGE,
    }
    transport = httpx.MockTransport(lambda _: httpx.Response(200, content=json.dumps(answer).encode()))
    async with httpx.AsyncClient(transport=transport) as http:
        completion = await OpenAICompatAdapter(http).chat(
            target, {"messages": [{"role": "user", "content": "x"}]}
        )
    assert completion.usage.cached_tokens == 900
