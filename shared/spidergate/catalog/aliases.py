"""Task aliases (``fast``, ``coding``, ``embed``, ...): a mode, required capabilities and a fallback chain."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from spidergate.catalog.capabilities import CAPABILITIES, MODE_CAPABILITY
from spidergate.catalog.model import ModelInfo


class CatalogDataError(ValueError):
    """The packaged catalog data is inconsistent (a deployment bug, caught by the unit tests)."""


@dataclass(frozen=True, slots=True)
class Alias:
    """A task alias. ``capabilities`` includes the mode's own capability (e.g. ``chat``)."""

    name: str
    description: str
    mode: str
    capabilities: frozenset[str]
    chain: tuple[str, ...]

    def accepts(self, model: ModelInfo) -> bool:
        """Whether ``model`` can stand in this alias's chain (same mode, every capability)."""
        return model.mode == self.mode and self.capabilities <= model.capabilities


@dataclass(frozen=True, slots=True)
class Resolution:
    """What a request's ``model`` field resolved to: the models to try, in order."""

    alias: str | None
    requested: str
    models: tuple[ModelInfo, ...]


def parse_aliases(document: Mapping[str, Any], models: Mapping[str, ModelInfo]) -> dict[str, Alias]:
    """Aliases from ``aliases.json``, checked against the models (every member must qualify)."""
    aliases: dict[str, Alias] = {}
    for name, raw in document["aliases"].items():
        mode = raw["mode"]
        if mode not in MODE_CAPABILITY:
            raise CatalogDataError(f"alias {name}: unknown mode {mode!r}")
        capabilities = frozenset(raw.get("capabilities", ())) | {MODE_CAPABILITY[mode]}
        unknown = capabilities - CAPABILITIES
        if unknown:
            raise CatalogDataError(f"alias {name}: unknown capabilities {sorted(unknown)}")
        alias = Alias(name, raw["description"], mode, capabilities, tuple(raw["chain"]))
        if not alias.chain:
            raise CatalogDataError(f"alias {name}: empty chain")
        for model_id in alias.chain:
            model = models.get(model_id)
            if model is None:
                raise CatalogDataError(f"alias {name}: {model_id} is not in the catalog")
            if not alias.accepts(model):
                raise CatalogDataError(
                    f"alias {name}: {model_id} lacks mode {mode} or {sorted(capabilities)}"
                )
        aliases[name] = alias
    return aliases


def aliases_by_model(aliases: Mapping[str, Alias]) -> dict[str, tuple[str, ...]]:
    """Model id -> the aliases whose built-in chain contains it, in alias order."""
    using: dict[str, list[str]] = {}
    for alias in aliases.values():
        for model_id in dict.fromkeys(alias.chain):
            using.setdefault(model_id, []).append(alias.name)
    return {model_id: tuple(names) for model_id, names in using.items()}
