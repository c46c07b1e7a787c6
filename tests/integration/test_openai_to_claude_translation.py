"""The openai SDK to Claude: what reaches the Messages API (the sandbox records each request)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import Sandbox

pytestmark = pytest.mark.integration

CLAUDE = "anthropic/claude-sonnet-4-5"
KEYS = (("anthropic-1", "anthropic", ""),)
SCHEMA = {"type": "object", "properties": {"colour": {"type": "string"}}, "required": ["colour"]}


def _sent(sandbox: Sandbox) -> dict[str, Any]:
    body: dict[str, Any] = [r for r in sandbox.requests() if r["path"] == "/v1/messages"][-1]["body"]
    return body


def test_image_urls_stay_urls_and_cache_control_is_kept(make_tenant, sandbox: Sandbox) -> None:
    url = "https://example.com/cat.png"
    content: Any = [
        {"type": "text", "text": "What is this?", "cache_control": {"type": "ephemeral"}},
        {"type": "image_url", "image_url": {"url": url}},
    ]
    make_tenant(keys=KEYS).client().chat.completions.create(
        model=CLAUDE, messages=[{"role": "user", "content": content}]
    )
    blocks = _sent(sandbox)["messages"][0]["content"]
    assert blocks[0]["cache_control"] == {"type": "ephemeral"}
    assert blocks[1] == {"type": "image", "source": {"type": "url", "url": url}}


def test_json_schema_becomes_structured_output(make_tenant, sandbox: Sandbox) -> None:
    make_tenant(keys=KEYS).client().chat.completions.create(
        model=CLAUDE,
        messages=[{"role": "user", "content": "Sky colour?"}],
        response_format={"type": "json_schema", "json_schema": {"name": "answer", "schema": SCHEMA}},
    )
    assert _sent(sandbox)["output_config"]["format"] == {"type": "json_schema", "schema": SCHEMA}


def test_reasoning_effort_becomes_thinking_and_comes_back(make_tenant, sandbox: Sandbox) -> None:
    answer = (
        make_tenant(keys=KEYS)
        .client()
        .chat.completions.create(
            model=CLAUDE,
            messages=[{"role": "user", "content": "Think"}],
            reasoning_effort="low",
            max_tokens=4000,
        )
    )
    sent = _sent(sandbox)
    assert sent["thinking"]["type"] in ("enabled", "adaptive")
    extra = answer.choices[0].message.model_extra or {}
    assert extra["reasoning_content"] and extra["thinking_blocks"][0]["signature"]
