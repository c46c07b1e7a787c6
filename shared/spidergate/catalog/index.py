"""The loaded catalog: models, providers and aliases with every lookup precomputed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from spidergate.catalog.aliases import Alias, Resolution, aliases_by_model
from spidergate.catalog.model import ModelInfo
from spidergate.catalog.public import public_view, with_configured
from spidergate.catalog.query import ModelQuery, QueryIndex
from spidergate.errors import InvalidRequest, ModelNotFound

if TYPE_CHECKING:
    from spidergate.providers.base import ProviderDef

# A bare upstream name offered by several providers resolves to the first of these: first-party
# APIs, then fast and open-model hosts, then aggregators, then deployments that need per-key
# setup (Azure deployments, Bedrock regions), then self-hosted.
PROVIDER_PREFERENCE = (
    "openai", "anthropic", "gemini", "xai", "mistral", "deepseek", "groq", "cerebras", "together",
    "fireworks", "perplexity", "openrouter", "azure", "bedrock", "ollama",
)  # fmt: skip

# Other spellings of our provider prefixes (LiteLLM's names, mostly) accepted by ``find``.
PROVIDER_SYNONYMS = {
    "together_ai": "together",
    "togetherai": "together",
    "fireworks_ai": "fireworks",
    "fireworks-ai": "fireworks",
    "bedrock_converse": "bedrock",
    "azure_openai": "azure",
    "x-ai": "xai",
    "google_ai_studio": "gemini",
    "ollama_chat": "ollama",
    "text-completion-openai": "openai",
}


class Catalog:
    """Everything the gateway knows about models; built once per process by ``get_catalog()``.

    Treat it and what it returns as read-only: the same objects serve every request.
    """

    def __init__(
        self,
        *,
        models: Sequence[ModelInfo],
        providers: dict[str, ProviderDef],
        aliases: dict[str, Alias],
        etag: str,
        source: Mapping[str, str],
        created: int,
    ) -> None:
        self.models: tuple[ModelInfo, ...] = tuple(sorted(models, key=lambda m: m.id))
        self.providers = providers
        self.aliases = aliases
        self.etag = etag
        self.source: Mapping[str, str] = MappingProxyType(dict(source))
        self._by_id = {model.id: model for model in self.models}
        self._by_name = _preferred_by_name(self.models)
        self._alias_models = {name: tuple(self._by_id[m] for m in a.chain) for name, a in aliases.items()}
        self._aliases_using = aliases_by_model(aliases)
        counts = dict.fromkeys(providers, 0)
        for model in self.models:
            counts[model.provider] = counts.get(model.provider, 0) + 1
        self._counts = counts
        self._query = QueryIndex(self.models)
        self._public = {m.id: public_view(m, self._aliases_using.get(m.id, ()), created) for m in self.models}

    # --- models ---------------------------------------------------------------------------

    def get(self, model_id: str) -> ModelInfo | None:
        """The model with exactly this canonical id (``provider/model``)."""
        return self._by_id.get(model_id)

    def find(self, name: str) -> ModelInfo | None:
        """A canonical id, the same with another spelling of the provider prefix (``together_ai/``,
        any case), or a bare upstream name (``gpt-4o-mini``, ``claude-sonnet-4-5``) resolved to the
        first provider in ``PROVIDER_PREFERENCE`` that has it. Model names are case-sensitive."""
        model = self._by_id.get(name)
        if model is not None:
            return model
        prefix, slash, rest = name.partition("/")
        if slash:
            lowered = prefix.lower()
            provider = PROVIDER_SYNONYMS.get(lowered, lowered)
            if provider != prefix and provider in self.providers:
                model = self._by_id.get(f"{provider}/{rest}")
                if model is not None:
                    return model
        return self._by_name.get(name)

    def query(self, query: ModelQuery) -> tuple[int, list[ModelInfo]]:
        """(total matches, one page) for ``GET /models``; an unknown provider is a 400."""
        if query.provider is not None and query.provider not in self.providers:
            raise InvalidRequest(f"Unknown provider `{query.provider}`.", param="provider")
        return self._query.run(query)

    def public(self, model: ModelInfo, configured: bool) -> dict[str, Any]:
        """The OpenAI model object with ``spidergate_info`` (see ``catalog.public``)."""
        view = self._public.get(model.id)
        if view is None:  # a ModelInfo built outside this catalog
            view = public_view(model, self.aliases_using(model.id), 0)
        return with_configured(view, configured)

    # --- providers ------------------------------------------------------------------------

    def provider(self, name: str) -> ProviderDef | None:
        """A provider's definition by our name (``openai``, ``together``, ...)."""
        return self.providers.get(name)

    def provider_model_counts(self) -> dict[str, int]:
        """Models per provider, every provider listed (zero included)."""
        return dict(self._counts)

    # --- aliases --------------------------------------------------------------------------

    def aliases_using(self, model_id: str) -> tuple[str, ...]:
        """Aliases whose built-in chain contains ``model_id``, in alias order."""
        return self._aliases_using.get(model_id, ())

    def resolve(self, name: str, overrides: Mapping[str, Sequence[str]] | None = None) -> Resolution:
        """The models to try for a request's ``model`` field.

        An alias gives its chain, or the brand's override for it: override entries go through
        ``find`` and are kept only if the alias accepts them (mode and capabilities); an override
        with nothing usable left falls back to the built-in chain. Aliases win over model names.
        Anything else resolves through ``find`` to one model, or raises ``ModelNotFound``.
        """
        alias = self.aliases.get(name)
        if alias is not None:
            if overrides and name in overrides:
                found = (self.find(model_id) for model_id in overrides[name])
                chosen = tuple(dict.fromkeys(m for m in found if m is not None and alias.accepts(m)))
                if chosen:
                    return Resolution(alias=name, requested=name, models=chosen)
            return Resolution(alias=name, requested=name, models=self._alias_models[name])
        model = self.find(name)
        if model is None:
            raise ModelNotFound(
                f"The model `{name}` does not exist or you do not have access to it.", param="model"
            )
        return Resolution(alias=None, requested=name, models=(model,))


def _preferred_by_name(models: Sequence[ModelInfo]) -> dict[str, ModelInfo]:
    rank = {provider: i for i, provider in enumerate(PROVIDER_PREFERENCE)}
    by_name: dict[str, ModelInfo] = {}
    for model in sorted(models, key=lambda m: (rank.get(m.provider, len(rank)), m.provider)):
        by_name.setdefault(model.model, model)
    return by_name
