"""A Claude tool loop with thinking, driven by the openai SDK through the gateway to the sandbox.

The SDK keeps unknown fields on the message it parses, so a client that sends back the message it
got (``model_dump``) replays ``thinking_blocks`` with their signatures; the sandbox, like the
Messages API, refuses the loop without them.
"""

from __future__ import annotations

from typing import Any

import openai
import pytest

pytestmark = pytest.mark.integration

TOOLS: list[Any] = [
    {
        "type": "function",
        "function": {
            "name": "lookup",
            "parameters": {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]},
        },
    }
]
QUESTION: Any = {"role": "user", "content": "Look up the weather"}
THINKING = {"thinking": {"type": "enabled", "budget_tokens": 1024}}
MODEL = "anthropic/claude-sonnet-4-5"


def test_tool_loop_with_thinking_round_trips_through_the_sdk(make_tenant) -> None:
    client = make_tenant(keys=(("anthropic-1", "anthropic", ""),)).client()
    first = client.chat.completions.create(model=MODEL, messages=[QUESTION], tools=TOOLS, extra_body=THINKING)
    message = first.choices[0].message
    assert message.tool_calls
    assert message.model_extra is not None
    assert message.model_extra["thinking_blocks"][0]["signature"]
    replayed: Any = message.model_dump(exclude_none=True)
    result: Any = {"role": "tool", "tool_call_id": message.tool_calls[0].id, "content": "sunny"}
    second = client.chat.completions.with_raw_response.create(
        model=MODEL, messages=[QUESTION, replayed, result], tools=TOOLS, extra_body=THINKING
    )
    assert second.parse().choices[0].message
    # reasoning_content cannot be replayed without its signature; the signed blocks went instead.
    assert second.headers["x-spidergate-dropped-params"] == "messages[].reasoning_content"

    without = {k: v for k, v in replayed.items() if k != "thinking_blocks"}
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(
            model=MODEL, messages=[QUESTION, without, result], tools=TOOLS, extra_body=THINKING
        )


def test_streamed_thinking_blocks_reach_the_sdk(make_tenant) -> None:
    client = make_tenant(keys=(("anthropic-1", "anthropic", ""),)).client()
    chunks = list(
        client.chat.completions.create(model=MODEL, messages=[QUESTION], stream=True, extra_body=THINKING)
    )
    extras = [c.choices[0].delta.model_extra or {} for c in chunks if c.choices]
    reasoning = "".join(e.get("reasoning_content") or "" for e in extras)
    blocks = [b for e in extras for b in e.get("thinking_blocks") or []]
    assert reasoning and blocks == [
        {"type": "thinking", "thinking": reasoning, "signature": blocks[0]["signature"]}
    ]
