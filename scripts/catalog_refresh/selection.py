"""Which LiteLLM entries the gateway can route, and how they group into one catalog entry per id."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from spidergate.catalog.capabilities import MODE_CAPABILITY

from .image_variants import attach_image_prices, image_variant, looks_like_size_prefix, variant_price
from .records import IMAGE_MODE, has_other_cost, is_priced, make_record

# LiteLLM provider name -> ours. Sources we leave out on purpose: azure_ai (Azure AI Foundry, another
# endpoint), bedrock_mantle (Bedrock's OpenAI-compatible endpoint; the same models are listed under
# bedrock_converse), codestral (Mistral's separate codestral.mistral.ai endpoint), vertex_* (Vertex,
# not the Gemini API).
PROVIDERS: dict[str, str] = {
    "openai": "openai",
    "text-completion-openai": "openai",
    "anthropic": "anthropic",
    "azure": "azure",
    "azure_text": "azure",
    "bedrock": "bedrock",
    "bedrock_converse": "bedrock",
    "groq": "groq",
    "mistral": "mistral",
    "deepseek": "deepseek",
    "together_ai": "together",
    "fireworks_ai": "fireworks",
    "fireworks_ai-embedding-models": "fireworks",
    "openrouter": "openrouter",
    "xai": "xai",
    "cerebras": "cerebras",
    "perplexity": "perplexity",
    "gemini": "gemini",
    "ollama": "ollama",
    "ollama_chat": "ollama",
}
MODES = frozenset(MODE_CAPABILITY)
# The endpoint the gateway calls for each mode; an entry that lists its endpoints without this one
# (Responses-only, realtime-only) cannot be served.
MODE_ENDPOINT = {
    "chat": "/v1/chat/completions",
    "embedding": "/v1/embeddings",
    IMAGE_MODE: "/v1/images/generations",
    "audio_speech": "/v1/audio/speech",
    "audio_transcription": "/v1/audio/transcriptions",
}

# Key prefixes that are pricing variants of a model, not names a provider accepts.
_AWS_REGION = re.compile(r"^(?:[a-z]{2}(?:-gov)?-[a-z]+-\d|\*)/")
_AZURE_ZONE = re.compile(r"^(?:us|eu|apac|global|global-standard|us-gov)/")


def build_models(source: Mapping[str, Any], stats: Counter[str]) -> dict[str, dict[str, Any]]:
    """Our catalog entries by canonical id, from the LiteLLM price list."""
    rules = _fill_rules(source)
    grouped: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    image_variants: dict[str, dict[str, Decimal]] = {}
    variant_entries: dict[str, tuple[str, dict[str, Any]]] = {}
    for key in sorted(source):
        entry = source[key]
        reason, provider, name = _classify(key, entry)
        if reason:
            stats[f"skipped: {reason}"] += 1
            continue
        entry = _apply_rules(key, entry, rules)
        if entry.get("mode") == IMAGE_MODE:
            variant = image_variant(name)
            if variant is not None:
                size_quality, base = variant
                price = variant_price(entry, size_quality)
                if price is None:
                    stats["skipped: unpriced image variant"] += 1
                    continue
                model_id = f"{provider}/{base}"
                image_variants.setdefault(model_id, {})[size_quality] = price
                variant_entries.setdefault(model_id, (key, entry))
                stats["folded: image size/quality variant"] += 1
                continue
            if "/" in name and looks_like_size_prefix(name):
                stats["skipped: image variant in another scheme (steps)"] += 1
                continue
        grouped.setdefault(f"{provider}/{name}", []).append((key, entry))
    models: dict[str, dict[str, Any]] = {}
    for model_id, candidates in grouped.items():
        if len(candidates) > 1:
            stats["merged: duplicate source keys"] += len(candidates) - 1
        key, entry = _merge(candidates)
        record = make_record(model_id, entry)
        if record is None:
            stats["skipped: unpriced"] += 1
            continue
        if not is_priced(record) and has_other_cost(entry):
            # Zero in every unit we meter but a price in another (per query, per video second):
            # listing it as free would be wrong.
            stats["skipped: priced only in units we do not meter"] += 1
            continue
        models[model_id] = record
    for model_id, table in image_variants.items():
        record = models.get(model_id)
        if record is None:
            # No base entry: the variants describe the model; take its facts from the first one.
            record = make_record(model_id, variant_entries[model_id][1], allow_unpriced=True)
            assert record is not None
            models[model_id] = record
            stats["created: image model from its variants"] += 1
        attach_image_prices(record, table)
    for model_id in [m for m, r in models.items() if r["mode"] == IMAGE_MODE and not is_priced(r)]:
        # LiteLLM writes 0 for image models it has no price for; an image is never free.
        del models[model_id]
        stats["skipped: unpriced"] += 1
    return dict(sorted(models.items()))


def _classify(key: str, entry: Any) -> tuple[str | None, str, str]:
    """(skip reason or None, our provider, upstream model name)."""
    if not isinstance(entry, dict) or "alias_of" in entry or "litellm_provider" not in entry:
        return "not a model (alias, rules or spec)", "", ""
    provider = PROVIDERS.get(entry["litellm_provider"])
    if provider is None:
        return "provider we do not route to", "", ""
    if entry.get("mode") not in MODES:
        return "mode we do not serve", "", ""
    endpoints = entry.get("supported_endpoints")
    if isinstance(endpoints, list) and MODE_ENDPOINT[entry["mode"]] not in endpoints:
        return "not served on the endpoint we call (responses/realtime only)", "", ""
    name = _strip_prefix(key, entry["litellm_provider"], provider)
    if name.startswith("ft:") or "/ft:" in name:
        return "fine-tune template", provider, name
    if provider == "bedrock":
        if (
            _AWS_REGION.match(name)
            or "-commitment/" in name
            or name.startswith(("invoke/", "claude_platform/"))
        ):
            return "bedrock region or commitment pricing variant", provider, name
        if "." not in name.split("/")[-1]:
            return "not a bedrock model id (vendor.model)", provider, name
    if provider == "azure" and (_AZURE_ZONE.match(name) or name.startswith("speech/")):
        return "azure deployment-zone pricing variant or speech service", provider, name
    if provider == "fireworks" and entry["mode"] == "chat":
        name = _fireworks_resource(name)
    return None, provider, name


def _strip_prefix(key: str, litellm_provider: str, provider: str) -> str:
    for prefix in (f"{litellm_provider}/", f"{provider}/", "fireworks_ai/"):
        if key.startswith(prefix):
            return key[len(prefix) :]
    return key


def _fireworks_resource(name: str) -> str:
    """Fireworks' full resource name, as litellm's ``resolve_fireworks_resource_name`` builds it."""
    if name.startswith("accounts/") or "/" in name:
        return name
    if name.endswith("-fast") or name in {"firerouter", "auto", "auto-instant"}:
        return f"accounts/fireworks/routers/{name}"
    return f"accounts/fireworks/models/{name}"


def _fill_rules(source: Mapping[str, Any]) -> list[tuple[re.Pattern[str], frozenset[str], dict[str, Any]]]:
    """LiteLLM's family baselines that fill fields missing from exact entries of listed providers."""
    rules = (source.get("fallback_generalizations") or {}).get("rules") or []
    return [
        (
            re.compile(rule["pattern"], re.IGNORECASE),
            frozenset(rule["fill_missing_for_providers"]),
            rule["model_info"],
        )
        for rule in rules
        if rule.get("fill_missing_for_providers")
    ]


def _apply_rules(
    key: str, entry: dict[str, Any], rules: Iterable[tuple[re.Pattern[str], frozenset[str], dict[str, Any]]]
) -> dict[str, Any]:
    filled = entry
    for pattern, providers, info in rules:
        if entry["litellm_provider"] in providers and pattern.search(key):
            missing = {k: v for k, v in info.items() if k not in filled}
            if missing:
                filled = {**filled, **missing}
    return filled


def _merge(candidates: list[tuple[str, dict[str, Any]]]) -> tuple[str, dict[str, Any]]:
    """One entry from several source keys for the same id: the richest wins, the others fill gaps."""
    ordered = sorted(candidates, key=lambda c: (-len(c[1]), c[0]))
    key, merged = ordered[0][0], dict(ordered[0][1])
    for _, other in ordered[1:]:
        for field, value in other.items():
            merged.setdefault(field, value)
    return key, merged
