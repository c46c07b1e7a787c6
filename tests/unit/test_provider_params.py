"""Parameter rules (providers.json + catalog refusals) against the sandbox's strict providers.

Each case sends the raw request to the sandbox first, to show the provider's real refusal, then
the same request through the adapter with the catalog's own provider and model records.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from spidergate.catalog import get_catalog
from spidergate.domain import ProviderKey
from spidergate.local.sandbox import create_sandbox_app
from spidergate.providers.anthropic import AnthropicAdapter
from spidergate.providers.base import Adapter, Target, UpstreamError
from spidergate.providers.bedrock_request import build_converse_request
from spidergate.providers.openai_compat import OpenAICompatAdapter
from spidergate.providers.params import plan_params

SANDBOX = "http://sandbox.test"
ANTHROPIC_HEADERS = {"x-api-key": "sk-ant", "anthropic-version": "2023-06-01"}


def target(model_id: str, base_path: str = "") -> Target:
    catalog = get_catalog()
    model = catalog.get(model_id)
    assert model is not None, model_id
    key = ProviderKey(
        brand_id="b",
        key_id="pk_1",
        provider=model.provider,
        label="k",
        masked="sk…",
        secret_name="s",
        base_url=SANDBOX + base_path,
    )
    return Target(model=model, provider=catalog.providers[model.provider], key=key, api_key="sk-test")


async def raw(path: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_sandbox_app())) as http:
        return await http.post(SANDBOX + path, json=body, headers=headers or {"authorization": "Bearer sk"})


async def through(adapter: type[Adapter], tgt: Target, request: dict[str, Any]) -> dict[str, Any]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_sandbox_app())) as http:
        completion = await adapter(http).chat(tgt, request)
    return completion.body


USER = {"role": "user", "content": "hello there"}
REPLAYED = {"role": "assistant", "content": "Hi!", "reasoning_content": "The user greets me."}


# -- item 9: strict OpenAI-compatible providers ------------------------------------------------
async def test_cerebras_store_and_replayed_reasoning_content_are_dropped_and_reported() -> None:
    request = {"model": "gpt-oss-120b", "messages": [USER, REPLAYED, USER], "store": True}
    refused = await raw("/cerebras/v1/chat/completions", request)
    assert refused.status_code == 400
    assert refused.json()["code"] == "wrong_api_format"
    assert "messages.1.assistant.reasoning_content" in refused.json()["message"]

    tgt = target("cerebras/gpt-oss-120b", "/cerebras/v1")
    body = await through(OpenAICompatAdapter, tgt, request)
    assert body["choices"][0]["message"]["content"]
    assert plan_params(tgt, request).dropped == ("messages[].reasoning_content", "store")


async def test_gemini_metadata_and_store_are_dropped_and_reported() -> None:
    request = {"model": "gemini-2.5-flash", "messages": [USER], "store": False, "metadata": {"run": "1"}}
    refused = await raw("/gemini/v1beta/openai/chat/completions", request)
    assert refused.status_code == 400
    assert refused.json()[0]["error"]["status"] == "INVALID_ARGUMENT"

    tgt = target("gemini/gemini-2.5-flash", "/gemini/v1beta/openai")
    await through(OpenAICompatAdapter, tgt, request)
    assert plan_params(tgt, request).dropped == ("metadata", "store")


async def test_groq_refuses_several_choices_before_any_call_and_passes_one() -> None:
    tgt = target("groq/meta-llama/llama-prompt-guard-2-22m", "/v1")
    with pytest.raises(UpstreamError) as caught:
        plan_params(tgt, {"messages": [USER], "n": 3})
    assert (caught.value.status, caught.value.code) == (400, "unsupported_parameter")
    assert plan_params(tgt, {"messages": [USER], "n": 1}).request["n"] == 1


def test_a_translating_wire_drops_what_it_does_not_translate_and_refuses_several_choices() -> None:
    tgt = target("anthropic/claude-haiku-4-5")
    plan = plan_params(tgt, {"messages": [USER], "seed": 1, "frequency_penalty": 0.5, "max_tokens": 9})
    assert plan.dropped == ("frequency_penalty", "seed")
    assert set(plan.request) == {"messages", "max_tokens"}
    with pytest.raises(UpstreamError) as caught:
        plan_params(tgt, {"messages": [USER], "n": 2})
    assert caught.value.code == "unsupported_parameter"
    assert "n=2" in caught.value.message


def test_gateway_fields_and_null_values_are_not_reported() -> None:
    plan = plan_params(
        target("cerebras/gpt-oss-120b"), {"messages": [USER], "store": None, "include_route_trace": True}
    )
    assert plan.dropped == ()
    assert "include_route_trace" not in plan.request


# -- item 5: models that refuse sampling parameters ------------------------------------------
async def test_opus_4_7_gets_no_temperature_or_top_p() -> None:
    request = {"model": "claude-opus-4-7", "max_tokens": 50, "messages": [USER], "temperature": 0.2}
    refused = await raw("/v1/messages", request, ANTHROPIC_HEADERS)
    assert refused.status_code == 400
    assert refused.json()["error"]["message"] == "`temperature` is deprecated for this model."

    tgt = target("anthropic/claude-opus-4-7")
    openai_request = {"messages": [USER], "temperature": 0.2, "top_p": 0.9, "max_tokens": 50}
    body = await through(AnthropicAdapter, tgt, openai_request)
    assert body["choices"][0]["finish_reason"] in ("stop", "length")
    assert plan_params(tgt, openai_request).dropped == ("temperature", "top_p")


def test_bedrock_opus_4_8_inference_config_has_no_sampling() -> None:
    params = build_converse_request(
        target("bedrock/anthropic.claude-opus-4-8"), {"messages": [USER], "temperature": 0.2, "top_p": 0.5}
    )
    assert params["inferenceConfig"] == {"maxTokens": 8192}


def test_gemini_models_refusing_sampling_lose_it_on_the_openai_wire() -> None:
    tgt = target("gemini/gemini-3.6-flash")
    body = OpenAICompatAdapter(httpx.AsyncClient()).prepare(
        tgt, {"messages": [USER], "temperature": 1}, stream=False
    )
    assert "temperature" not in body


# -- item 10: a trailing assistant turn, per model ---------------------------------------------
async def test_trailing_assistant_turn_is_history_for_models_without_prefill() -> None:
    messages = [USER, {"role": "assistant", "content": "The answer is"}]
    refused = await raw(
        "/v1/messages", {"model": "claude-opus-4-7", "max_tokens": 9, "messages": messages}, ANTHROPIC_HEADERS
    )
    assert refused.status_code == 400
    assert "does not support assistant message prefill" in refused.json()["error"]["message"]

    body = await through(AnthropicAdapter, target("anthropic/claude-opus-4-7"), {"messages": messages})
    assert body["choices"][0]["message"]["content"]


def test_models_with_prefill_keep_it_and_others_get_a_user_turn() -> None:
    from spidergate.providers.anthropic_request import build_messages_request
    from spidergate.providers.chat_turns import CONTINUE_TURN

    request = {"messages": [USER, {"role": "assistant", "content": "The answer is "}]}
    prefilled = build_messages_request(target("anthropic/claude-haiku-4-5"), request, stream=False)
    assert prefilled["messages"][-1] == {
        "role": "assistant",
        "content": [{"type": "text", "text": "The answer is"}],
    }
    history = build_messages_request(target("anthropic/claude-opus-4-7"), request, stream=False)
    assert [m["role"] for m in history["messages"]] == ["user", "assistant", "user"]
    assert history["messages"][-1]["content"] == [{"type": "text", "text": CONTINUE_TURN}]
    bedrock = build_converse_request(target("bedrock/anthropic.claude-opus-4-8"), request)
    assert bedrock["messages"][-1] == {"role": "user", "content": [{"text": CONTINUE_TURN}]}


def test_the_header_value_is_what_the_plan_drops() -> None:
    dropped = plan_params(
        target("cerebras/gpt-oss-120b"), {"messages": [USER, REPLAYED], "store": True}
    ).dropped
    assert ",".join(dropped) == "messages[].reasoning_content,store"
    assert json.dumps(dropped)  # plain strings
