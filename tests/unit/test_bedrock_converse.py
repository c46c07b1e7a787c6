"""Bedrock adapter, Converse (buffered) via botocore's Stubber: the mapping, stop reasons and errors."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError
from botocore.stub import Stubber
from openai.types.chat import ChatCompletion

from spidergate.providers.base import Completion, UpstreamError
from spidergate.providers.bedrock import bedrock_error
from tests.unit.bedrock_stubs import MODEL_ID, REQUEST, adapter, make_client, target

CONVERSE_PARAMS = {
    "modelId": MODEL_ID,
    "messages": [{"role": "user", "content": [{"text": "Weather?"}]}],
    "inferenceConfig": {"maxTokens": 4096},  # the model has no max_output in the catalog: the default
}


def chat(client: Any, request: dict[str, Any] = REQUEST) -> Completion:
    return asyncio.run(adapter(client).chat(target(), request))


def converse_response(content: list[dict[str, Any]], stop_reason: str, **usage: int) -> dict[str, Any]:
    return {
        "output": {"message": {"role": "assistant", "content": content}},
        "stopReason": stop_reason,
        "usage": {"inputTokens": 10, "outputTokens": 7, "totalTokens": 17, **usage},
        "metrics": {"latencyMs": 120},
    }


def test_converse_text_tool_use_reasoning_and_cache_usage() -> None:
    client = make_client()
    content: list[dict[str, Any]] = [
        {"reasoningContent": {"reasoningText": {"text": "Need the tool.", "signature": "s"}}},
        {"text": "Checking."},
        {"toolUse": {"toolUseId": "tu_1", "name": "get_weather", "input": {"city": "Paris"}}},
    ]
    response = converse_response(content, "tool_use", cacheReadInputTokens=200, cacheWriteInputTokens=20)
    with Stubber(client) as stub:
        stub.add_response("converse", response, CONVERSE_PARAMS)
        completion = chat(client)
    parsed = ChatCompletion.model_validate(completion.body)
    message = parsed.choices[0].message
    assert parsed.choices[0].finish_reason == "tool_calls"
    assert message.content == "Checking."
    assert message.tool_calls is not None
    call = message.tool_calls[0]
    assert (call.id, call.function.name, json.loads(call.function.arguments)) == (  # type: ignore[union-attr]
        "tu_1",
        "get_weather",
        {"city": "Paris"},
    )
    assert completion.body["choices"][0]["message"]["reasoning_content"] == "Need the tool."
    usage = completion.usage
    assert (usage.prompt_tokens, usage.completion_tokens, usage.cached_tokens, usage.cache_write_tokens) == (
        230,
        7,
        200,
        20,
    )
    assert parsed.model == MODEL_ID


@pytest.mark.parametrize(
    ("stop_reason", "finish_reason"),
    [
        ("end_turn", "stop"),
        ("stop_sequence", "stop"),
        ("max_tokens", "length"),
        ("model_context_window_exceeded", "length"),
        ("tool_use", "tool_calls"),
        ("guardrail_intervened", "content_filter"),
        ("content_filtered", "content_filter"),
        ("malformed_model_output", "stop"),
    ],
)
def test_converse_stop_reasons(stop_reason: str, finish_reason: str) -> None:
    client = make_client()
    with Stubber(client) as stub:
        stub.add_response("converse", converse_response([{"text": "x"}], stop_reason))
        completion = chat(client)
    assert completion.body["choices"][0]["finish_reason"] == finish_reason


@pytest.mark.parametrize(
    ("code", "http_status", "message", "status", "upstream_code"),
    [
        ("ThrottlingException", 429, "Too many requests", 429, "ThrottlingException"),
        ("AccessDeniedException", 403, "not authorized", 403, "AccessDeniedException"),
        (
            "ValidationException",
            400,
            "Input is too long for requested model.",
            400,
            "context_length_exceeded",
        ),
        ("ValidationException", 400, "messages: roles must alternate", 400, "ValidationException"),
        ("ModelNotReadyException", 429, "not ready", 429, "ModelNotReadyException"),
        ("ModelTimeoutException", 408, "slow", 408, "ModelTimeoutException"),
        ("ModelErrorException", 424, "model error", 424, "ModelErrorException"),
        ("ServiceUnavailableException", 503, "unavailable", 503, "ServiceUnavailableException"),
        ("ResourceNotFoundException", 404, "no such model", 404, "ResourceNotFoundException"),
        ("UnrecognizedClientException", 403, "bad token", 401, "UnrecognizedClientException"),
    ],
)
def test_converse_client_errors_map_to_statuses(
    code: str, http_status: int, message: str, status: int, upstream_code: str
) -> None:
    client = make_client()
    with Stubber(client) as stub:
        stub.add_client_error(
            "converse", service_error_code=code, service_message=message, http_status_code=http_status
        )
        with pytest.raises(UpstreamError) as info:
            chat(client)
    error = info.value
    assert (error.status, error.kind, error.code, error.error_type) == (status, "http", upstream_code, code)
    assert message in error.message


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (ReadTimeoutError(endpoint_url="https://bedrock-runtime.us-east-1.amazonaws.com"), "timeout"),
        (ConnectTimeoutError(endpoint_url="https://bedrock-runtime.us-east-1.amazonaws.com"), "timeout"),
        (
            EndpointConnectionError(endpoint_url="https://bedrock-runtime.us-east-1.amazonaws.com"),
            "connection",
        ),
    ],
)
def test_low_level_botocore_errors_are_mapped(exc: Exception, kind: str) -> None:
    class Failing:
        def converse(self, **params: Any) -> Any:
            raise exc

    with pytest.raises(UpstreamError) as info:
        chat(Failing())
    assert (info.value.kind, info.value.status) == (kind, None)
    assert info.value.__cause__ is exc
    assert bedrock_error(exc, streaming=True).kind == ("timeout" if kind == "timeout" else "stream")


def test_request_errors_fail_before_the_client_is_used() -> None:
    class Untouchable:
        def converse(self, **params: Any) -> Any:
            raise AssertionError("no call expected")

    with pytest.raises(UpstreamError) as info:
        chat(Untouchable(), {**REQUEST, "n": 2})
    assert info.value.code == "unsupported_parameter"


def test_a_legacy_functions_request_gets_function_call_back() -> None:
    client = make_client()
    content: list[dict[str, Any]] = [
        {"toolUse": {"toolUseId": "tu_1", "name": "get_weather", "input": {"city": "Paris"}}},
        {"toolUse": {"toolUseId": "tu_2", "name": "get_weather", "input": {"city": "Rome"}}},
    ]
    functions = [{"name": "get_weather", "parameters": {"type": "object"}}]
    with Stubber(client) as stub:
        stub.add_response("converse", converse_response(content, "tool_use"))
        completion = chat(client, {**REQUEST, "functions": functions})
    choice = completion.body["choices"][0]
    assert choice["finish_reason"] == "function_call"
    assert "tool_calls" not in choice["message"]
    # A legacy answer carries one call: the first.
    assert choice["message"]["function_call"] == {"name": "get_weather", "arguments": '{"city": "Paris"}'}
