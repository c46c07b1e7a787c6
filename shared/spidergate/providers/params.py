"""Which chat request fields reach a provider: the one place that applies the parameter rules.

The rules are data (``catalog/data/providers.json``, read into ``ProviderDef``) plus the model's
catalog refusals; ``docs/providers.md`` shows them as a table rendered from the same data
(``spidergate.providers.params_table``). In order:

0. on a translating wire that lists ``functions``, legacy functions are put in tool form
   (``providers.legacy_functions``);
1. ``reject_params``: a value the provider cannot honour and the gateway cannot fake (``n=3``
   where one answer comes back) is a 400 before any upstream call;
2. dropped, and reported in ``x-spidergate-dropped-params``: ``drop_params``; on translating wires
   (``translate_params`` set) every field the translator does not read; ``temperature``/``top_p``/
   ``top_k`` for a model whose catalog entry refuses ``sampling_params``, and
   ``thinking_excludes_params`` when the request turns thinking on; ``drop_message_fields``
   on messages (fields our own answers add, such as ``reasoning_content``, that strict providers
   refuse when a client replays them);
3. ``rename_params``: the provider's name for a field (Mistral's ``random_seed``), and
   ``reasoning_rename_params`` for reasoning models (OpenAI's o-series refuse ``max_tokens``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from spidergate.providers.base import Target
from spidergate.providers.chat_input import invalid
from spidergate.providers.effort import thinking_requested
from spidergate.providers.legacy_functions import modernize

# Fields only the gateway understands; never sent upstream, never reported.
GATEWAY_FIELDS = frozenset({"include_route_trace"})
SAMPLING_PARAMS = ("temperature", "top_p", "top_k")
DROPPED_HEADER = "x-spidergate-dropped-params"


@dataclass(frozen=True, slots=True)
class ParamPlan:
    """The request as the adapter may send or translate it, and what was left out (sorted)."""

    request: dict[str, Any]
    dropped: tuple[str, ...]


def plan_params(target: Target, request: dict[str, Any], *, copy_messages: bool = True) -> ParamPlan:
    """Apply ``target``'s provider and model rules to a chat ``request`` (see the module doc).

    ``copy_messages=False`` only names the message fields it would drop (the header needs no body).
    """
    provider = target.provider
    allowed = provider.translate_params
    if allowed is not None and "functions" in allowed:
        # A tools-only wire that translates legacy functions.
        request = modernize(request, single_call="parallel_tool_calls" in allowed)
    for name, accepted in provider.reject_params:
        value = request.get(name)
        if value is not None and value not in accepted:
            hint = f"; send {name}={accepted[0]!r}" if accepted else ""
            raise invalid(
                f"{name}={_short(value)} is not supported for {provider.display_name} models{hint}",
                "unsupported_parameter",
            )
    refused_sampling = "sampling_params" in target.model.refuses
    thinking_off_params = (
        provider.thinking_excludes_params
        if provider.thinking_excludes_params
        and target.model.supports("reasoning")
        and thinking_requested(request)
        else frozenset()
    )
    body: dict[str, Any] = {}
    dropped: list[str] = []
    for name, value in request.items():
        if name in GATEWAY_FIELDS:
            continue
        if (
            name in provider.drop_params
            or (allowed is not None and name not in allowed)
            or (refused_sampling and name in SAMPLING_PARAMS)
            or name in thinking_off_params
        ):
            if value is not None:
                dropped.append(name)
            continue
        body[name] = value
    if provider.drop_message_fields and isinstance(body.get("messages"), list):
        messages, stripped = _strip_message_fields(
            body["messages"], provider.drop_message_fields, copy=copy_messages
        )
        if copy_messages:
            body["messages"] = messages
        dropped.extend(f"messages[].{name}" for name in stripped)
    renames = provider.rename_params
    if provider.reasoning_rename_params and target.model.supports("reasoning"):
        renames = provider.reasoning_rename_params + renames
    for old, new in renames:
        if old in body:
            value = body.pop(old)
            body.setdefault(new, value)
    return ParamPlan(body, tuple(sorted(dropped)))


def dropped_params(target: Target, request: dict[str, Any]) -> tuple[str, ...]:
    """What ``plan_params`` leaves out of ``request`` for ``target`` (for the response header)."""
    return plan_params(target, request, copy_messages=False).dropped


def _strip_message_fields(
    messages: list[Any], fields: frozenset[str], *, copy: bool
) -> tuple[list[Any], list[str]]:
    stripped: set[str] = set()
    out: list[Any] = []
    for message in messages:
        if isinstance(message, dict) and not fields.isdisjoint(message):
            stripped.update(k for k in fields if message.get(k) is not None)
            if copy:
                message = {k: v for k, v in message.items() if k not in fields}
        if copy:
            out.append(message)
    return out, sorted(stripped)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
