"""Extended thinking as the Messages API does it: signed thinking blocks, and the tool-loop rule.

With ``thinking`` enabled the sandbox answers a signed ``thinking`` block before its text or tool
call (streamed as ``thinking_delta`` then ``signature_delta``). It enforces the real API's rules
on the history: the assistant turn that called the tools being answered must start with a
thinking block, and a thinking block's signature must be the one it was given.
"""

from __future__ import annotations

from typing import Any

from spidergate.local.sandbox.call import BadRequest
from spidergate.local.sandbox.text import stable_hex

# The Messages API's refusal when a tool loop drops the thinking (platform docs, extended thinking).
MISSING_THINKING = (
    "messages.{index}.content.0.type: Expected `thinking` or `redacted_thinking`, but found `{found}`. "
    "When `thinking` is enabled, a final `assistant` message must start with a thinking block (preceeding "
    "the lastmost set of `tool_use` and `tool_result` blocks). We recommend you include thinking blocks "
    "from previous turns. To avoid this requirement, disable `thinking`. Please consult our documentation "
    "at https://docs.claude.com/en/docs/build-with-claude/extended-thinking"
)


def enabled(body: dict[str, Any]) -> bool:
    thinking = body.get("thinking")
    return isinstance(thinking, dict) and thinking.get("type") in ("enabled", "adaptive")


def signature_for(text: str) -> str:
    """The sandbox's signature of a thinking text (deterministic, checked on replay)."""
    return "sig_" + stable_hex("thinking", text, length=40)


def answer_block(question: str) -> dict[str, Any]:
    text = f"The user asked: {question[:80]}. A short answer will do."
    return {"type": "thinking", "thinking": text, "signature": signature_for(text)}


def check_history(messages: list[Any]) -> None:
    """Refuse a tool loop without its thinking block, or a thinking block with a forged signature."""
    for position, message in enumerate(messages):
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(content, list) or message.get("role") != "assistant":
            continue
        for block in content:
            forged = isinstance(block, dict) and block.get("type") == "thinking"
            if forged and block.get("signature") != signature_for(str(block.get("thinking") or "")):
                raise BadRequest(f"messages.{position}.content: Invalid `signature` in `thinking` block")
    index = _tool_loop_assistant(messages)
    if index is None:
        return
    content = messages[index].get("content")
    first = content[0] if isinstance(content, list) and content else {"type": "text"}
    if first.get("type") not in ("thinking", "redacted_thinking"):
        raise BadRequest(MISSING_THINKING.format(index=index, found=first.get("type")))


def _tool_loop_assistant(messages: list[Any]) -> int | None:
    """The index of the assistant turn whose tool calls the last user turn answers, if any."""
    if len(messages) < 2 or not _has_block(messages[-1], "tool_result"):
        return None
    index = len(messages) - 2
    return index if _has_block(messages[index], "tool_use") else None


def _has_block(message: Any, kind: str) -> bool:
    content = message.get("content") if isinstance(message, dict) else None
    return isinstance(content, list) and any(isinstance(b, dict) and b.get("type") == kind for b in content)
