"""OpenAI's ``reasoning_effort`` (and Anthropic-native ``thinking``) as Claude's thinking settings.

One rule for the Anthropic and Bedrock wires (Bedrock takes the same fields in
``additionalModelRequestFields``):

- a client's own ``thinking`` object is sent as is;
- ``reasoning_effort: "none"`` sends nothing (no thinking);
- otherwise, for a model with the catalog's ``effort`` capability, ``output_config.effort``
  (``minimal`` → ``low``, ``xhigh`` → ``high``), with ``thinking: {"type": "adaptive"}`` where the
  model has ``adaptive_thinking`` and a token budget otherwise;
- for other reasoning models a thinking budget by effort (1,024 / 2,048 / 4,096 tokens, as LiteLLM
  maps it), kept below ``max_tokens`` (raised within the model's maximum if needed); below
  Anthropic's 1,024-token minimum budget thinking stays off;
- never thinking with a forced tool (``tool_choice`` required or named), which Claude refuses.

Thinking on means no sampling parameters (Claude refuses ``temperature`` other than 1 with
thinking); ``providers.params`` drops and reports them (``thinking_excludes_params``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from spidergate.catalog.model import ModelInfo

EFFORT = {"minimal": "low", "low": "low", "medium": "medium", "high": "high", "xhigh": "high"}
BUDGET = {"low": 1024, "medium": 2048, "high": 4096}
MIN_BUDGET = 1024


@dataclass(slots=True)
class Reasoning:
    """The fields to add: ``thinking``, ``output_config`` entries, and the ``max_tokens`` to send."""

    max_tokens: int
    thinking: dict[str, Any] | None = None
    output_config: dict[str, Any] = field(default_factory=dict)


def thinking_requested(request: dict[str, Any]) -> bool:
    """Whether the request turns thinking on (a ``thinking`` object or an effort other than none)."""
    thinking = request.get("thinking")
    if isinstance(thinking, dict):
        return thinking.get("type") in ("enabled", "adaptive")
    effort = request.get("reasoning_effort")
    return isinstance(effort, str) and effort in EFFORT and not forces_tool_use(request)


def forces_tool_use(request: dict[str, Any]) -> bool:
    """``tool_choice`` required or naming a function: Claude refuses thinking with forced tool use."""
    choice = request.get("tool_choice")
    if isinstance(choice, dict):
        return choice.get("type") == "function"
    return choice == "required"


def claude_reasoning(request: dict[str, Any], model: ModelInfo, max_tokens: int) -> Reasoning:
    """The thinking settings for ``request`` on a Claude ``model`` (see the module doc)."""
    out = Reasoning(max_tokens=max_tokens)
    if isinstance(request.get("thinking"), dict):
        out.thinking = request["thinking"]  # Anthropic-native passthrough (extra_body)
        return out
    effort = EFFORT.get(str(request.get("reasoning_effort")))
    if effort is None or not model.supports("reasoning"):
        return out
    if model.supports("effort"):
        out.output_config["effort"] = effort
    if forces_tool_use(request):
        return out  # the effort still applies; thinking would be refused
    if model.supports("adaptive_thinking"):
        out.thinking = {"type": "adaptive"}
        return out
    budget = BUDGET[effort]
    if budget >= out.max_tokens:
        out.max_tokens = min(out.max_tokens + budget, model.max_output or out.max_tokens + budget)
        budget = min(budget, out.max_tokens - 1)
    if budget >= MIN_BUDGET:
        out.thinking = {"type": "enabled", "budget_tokens": budget}
    return out
