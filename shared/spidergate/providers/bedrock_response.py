"""Bedrock Converse responses -> OpenAI ``chat.completion`` (PROVIDERS.md section 4)."""

from __future__ import annotations

from typing import Any

from spidergate.providers.base import Completion
from spidergate.providers.chat_output import AssistantTurn, chat_completion, new_completion_id
from spidergate.providers.thinking import from_bedrock
from spidergate.usage.counts import Usage

FINISH_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "guardrail_intervened": "content_filter",
    "content_filtered": "content_filter",
    # malformed_model_output / malformed_tool_use: the answer so far is returned as a stop.
}


def finish_reason(stop_reason: str | None) -> str:
    """The OpenAI ``finish_reason`` for a Converse ``stopReason``."""
    return FINISH_REASONS.get(stop_reason or "", "stop")


def usage_from_bedrock(usage: dict[str, Any] | None) -> Usage:
    """Converse's ``inputTokens`` exclude cache reads and writes; OpenAI's prompt count includes them."""
    usage = usage or {}
    cache_read = int(usage.get("cacheReadInputTokens") or 0)
    cache_write = int(usage.get("cacheWriteInputTokens") or 0)
    return Usage(
        prompt_tokens=int(usage.get("inputTokens") or 0) + cache_read + cache_write,
        completion_tokens=int(usage.get("outputTokens") or 0),
        cached_tokens=cache_read,
        cache_write_tokens=cache_write,
    )


def completion_id(response: dict[str, Any]) -> str:
    """An OpenAI-style id carrying the AWS request id (what AWS support asks for)."""
    request_id = (response.get("ResponseMetadata") or {}).get("RequestId")
    return f"chatcmpl-{request_id}" if request_id else new_completion_id()


def to_completion(response: dict[str, Any], model: str) -> Completion:
    """A ``converse`` result as an OpenAI ``chat.completion``."""
    turn = AssistantTurn()
    for block in ((response.get("output") or {}).get("message") or {}).get("content") or []:
        if "text" in block:
            turn.texts.append(str(block["text"]))
        elif "toolUse" in block:
            use = block["toolUse"]
            turn.add_tool_call(
                str(use.get("toolUseId") or ""), str(use.get("name") or ""), use.get("input") or {}
            )
        elif "reasoningContent" in block:
            thinking = from_bedrock(block["reasoningContent"])
            if thinking is not None:
                turn.add_thinking(thinking)
    usage = usage_from_bedrock(response.get("usage"))
    body = chat_completion(
        completion_id=completion_id(response),
        model=model,
        turn=turn,
        finish_reason=finish_reason(response.get("stopReason")),
        usage=usage,
    )
    return Completion(body=body, usage=usage)
