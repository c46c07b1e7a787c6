"""Chat request validation: what would waste an upstream call is refused as an OpenAI 400."""

import pytest

from spidergate.errors import InvalidRequest
from spidergate.schemas.chat import ChatCompletionRequest
from spidergate.schemas.validation import json_object, validate


def ok(**extra: object) -> dict[str, object]:
    return {"model": "fast", "messages": [{"role": "user", "content": "hi"}], **extra}


def test_full_request_is_accepted() -> None:
    req = validate(
        ChatCompletionRequest,
        ok(
            messages=[
                {"role": "system", "content": "be brief"},
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "what is this?"},
                        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
                    ],
                },
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
                    ],
                },
                {"role": "tool", "tool_call_id": "c1", "content": "42"},
            ],
            tools=[{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}],
            tool_choice={"type": "function", "function": {"name": "f"}},
            response_format={"type": "json_schema", "json_schema": {"name": "x", "schema": {}}},
            n=1,
            stop=["\n"],
            seed=3,
            logprobs=True,
            top_logprobs=2,
            max_completion_tokens=50,
            stream=True,
            stream_options={"include_usage": True},
            user="u1",
            some_future_field=1,
        ),
    )
    assert req.needs() == {"chat", "tools", "json", "vision"}
    assert req.wants_usage
    assert req.output_ceiling == 50


@pytest.mark.parametrize(
    ("payload", "param"),
    [
        ({"model": "fast"}, "messages"),
        ({"model": "fast", "messages": []}, "messages"),
        ({"messages": [{"role": "user", "content": "x"}]}, "model"),
        (ok(temperature=3), "temperature"),
        (ok(n=0), "n"),
        (ok(messages=[{"role": "wizard", "content": "x"}]), "messages.0"),
        (ok(messages=[{"role": "tool", "content": "x"}]), "messages.0.tool_call_id"),
        (ok(stream_options={"include_usage": True}), None),
    ],
)
def test_invalid_requests_name_the_parameter(payload: dict[str, object], param: str | None) -> None:
    with pytest.raises(InvalidRequest) as caught:
        validate(ChatCompletionRequest, payload)
    assert caught.value.status == 400
    assert caught.value.param == param
    assert caught.value.body()["error"]["type"] == "invalid_request_error"


@pytest.mark.parametrize("raw", [b"", b"{not json", b"[1, 2]", b"  "])
def test_body_must_be_a_json_object(raw: bytes) -> None:
    with pytest.raises(InvalidRequest):
        json_object(raw)
