"""The conversation walk shared by the Anthropic and Bedrock translators.

Both wires want a system block list plus strictly alternating user/assistant turns; they differ
only in how each message becomes blocks, which the callers pass in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from spidergate.providers.chat_input import Block, invalid

# For models that refuse a prefill ("This model does not support assistant message prefill. The
# conversation must end with a user message."): a final assistant message is history in OpenAI's
# semantics, so the next turn is the model's own, asked for by this user turn.
CONTINUE_TURN = "Continue."


def conversation(
    messages: list[dict[str, Any]],
    provider: str,
    *,
    system_blocks: Callable[[Any], list[Block]],
    user_blocks: Callable[[Any], list[Block]],
    assistant_blocks: Callable[[dict[str, Any]], list[Block]],
    tool_result: Callable[[dict[str, Any]], Block],
    prefill: bool = True,
) -> tuple[list[Block], list[dict[str, Any]]]:
    """System blocks and alternating user/assistant turns, built with the wire's block builders.

    Both wires refuse two turns of the same role in a row, so same-role neighbours are merged
    (tool results travel in user turns). A trailing assistant turn is a prefill (trimmed) where
    the model takes one (``prefill``); otherwise ``CONTINUE_TURN`` follows it.
    """
    system: list[Block] = []
    turns: list[dict[str, Any]] = []
    for message in messages:
        role = message.get("role")
        if role in ("system", "developer"):
            system.extend(system_blocks(message.get("content")))
        elif role == "user":
            _append_turn(turns, "user", user_blocks(message.get("content")))
        elif role == "assistant":
            _append_turn(turns, "assistant", assistant_blocks(message))
        elif role == "tool":
            _append_turn(turns, "user", [tool_result(message)])
        else:
            raise invalid(
                f"message role {role!r} is not supported for {provider} models", "unsupported_parameter"
            )
    if prefill:
        _trim_prefill(turns)
    elif turns and turns[-1]["role"] == "assistant":
        _append_turn(turns, "user", user_blocks(CONTINUE_TURN))
    return system, turns


def _append_turn(turns: list[dict[str, Any]], role: str, blocks: list[Block]) -> None:
    if not blocks:
        return
    if turns and turns[-1]["role"] == role:
        turns[-1]["content"].extend(blocks)
    else:
        turns.append({"role": role, "content": blocks})


def _trim_prefill(turns: list[dict[str, Any]]) -> None:
    """A final assistant turn is a prefill, which Claude models refuse with trailing whitespace."""
    if not turns or turns[-1]["role"] != "assistant":
        return
    blocks = turns[-1]["content"]
    # Assistant blocks are text or tool calls; only text blocks carry a top-level "text" on either wire.
    if blocks and "text" in blocks[-1]:
        blocks[-1]["text"] = blocks[-1]["text"].rstrip()
        if not blocks[-1]["text"]:
            blocks.pop()
    if not blocks:
        turns.pop()
