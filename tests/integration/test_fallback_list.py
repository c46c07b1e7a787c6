"""A per-request fallback list (``models: [...]``, OpenRouter's convention) through the openai SDK."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest

pytestmark = pytest.mark.integration

HELLO: Any = [{"role": "user", "content": "Say hello"}]
ONLY_OPENAI = (("openai-1", "openai", "/v1"),)


def test_listed_model_serves_when_the_first_cannot(make_tenant) -> None:
    client = make_tenant(keys=ONLY_OPENAI).client()
    raw = client.chat.completions.with_raw_response.create(
        model="anthropic/claude-sonnet-4-5",
        messages=HELLO,
        extra_body={"models": ["openai/gpt-6.1-terra"]},
        extra_query={"include_route_trace": "true"},
    )
    assert raw.headers["x-spidergate-model"] == "openai/gpt-6.1-terra"
    assert raw.headers["x-spidergate-fallback-from"] == "anthropic/claude-sonnet-4-5"
    attempts = json.loads(raw.text)["route_trace"]["attempts"]
    assert [(a["model"], a["outcome"]) for a in attempts] == [
        ("anthropic/claude-sonnet-4-5", "skipped"),
        ("openai/gpt-6.1-terra", "success"),
    ]


def test_an_empty_model_takes_the_first_listed(make_tenant) -> None:
    client = make_tenant(keys=ONLY_OPENAI).client()
    answer = client.chat.completions.with_raw_response.create(
        model="", messages=HELLO, extra_body={"models": ["openai/gpt-6.1-terra"]}
    )
    assert answer.headers["x-spidergate-model"] == "openai/gpt-6.1-terra"


def test_unknown_or_non_chat_entries_are_refused_naming_them(make_tenant) -> None:
    client = make_tenant(keys=ONLY_OPENAI).client()
    with pytest.raises(openai.NotFoundError) as unknown:
        client.chat.completions.create(
            model="openai/gpt-6.1-terra", messages=HELLO, extra_body={"models": ["fast", "nope/none"]}
        )
    assert unknown.value.body["param"] == "models[1]"  # type: ignore[index]
    with pytest.raises(openai.BadRequestError) as embedding:
        client.chat.completions.create(
            model="openai/gpt-6.1-terra",
            messages=HELLO,
            extra_body={"models": ["openai/text-embedding-3-small"]},
        )
    assert embedding.value.body["param"] == "models[0]"  # type: ignore[index]
