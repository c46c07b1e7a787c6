"""A per-request fallback list: ``models: [...]`` in the chat body (OpenRouter's convention).

The listed names (model ids or task aliases) are tried after ``model``'s own chain, in order,
each once. ``model`` may be left out, then the list's first entry is the model. Every entry is
checked against the catalog before anything is routed: an unknown name is a 404 naming it, a
model that cannot chat is a 400 naming it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from spidergate.catalog import Catalog
from spidergate.catalog.model import CHAT, ModelInfo
from spidergate.errors import InvalidRequest, ModelNotFound

MAX_MODELS = 10


def fallback_names(payload: dict[str, Any]) -> list[str]:
    """The validated ``models`` list (empty when absent); sets ``model`` from it when missing."""
    raw = payload.get("models")
    if raw is None:
        return []
    if (
        not isinstance(raw, list)
        or not raw
        or len(raw) > MAX_MODELS
        or not all(isinstance(n, str) and n for n in raw)
    ):
        raise InvalidRequest(
            f"models must be a list of 1 to {MAX_MODELS} model ids or aliases", param="models"
        )
    if not payload.get("model"):
        payload["model"] = raw[0]
    return list(raw)


def extend_chain(
    catalog: Catalog,
    chain: Sequence[ModelInfo],
    names: Sequence[str],
    overrides: Mapping[str, Sequence[str]],
) -> tuple[ModelInfo, ...]:
    """``chain`` followed by each listed name's models, without repeats."""
    out = list(chain)
    seen = {model.id for model in chain}
    for index, name in enumerate(names):
        try:
            models = catalog.resolve(name, overrides).models
        except ModelNotFound:
            raise ModelNotFound(
                f"models[{index}]: the model `{name}` does not exist or you do not have access to it.",
                param=f"models[{index}]",
            ) from None
        for model in models:
            if model.mode != CHAT:
                raise InvalidRequest(
                    f"models[{index}]: `{name}` is a {model.mode} model, not a chat model",
                    param=f"models[{index}]",
                )
            if model.id not in seen:
                seen.add(model.id)
                out.append(model)
    return tuple(out)
