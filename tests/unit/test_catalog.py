"""The catalog: loading, lookups, providers, the public model object and image prices."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from spidergate.catalog import (
    PROVIDER_PREFERENCE,
    CatalogDataError,
    ModelInfo,
    get_catalog,
    image_price,
    load_catalog,
)
from spidergate.catalog.capabilities import CAPABILITIES, MODE_CAPABILITY
from spidergate.catalog.loader import read_data_files
from spidergate.errors import ModelNotFound

CATALOG = get_catalog()

PROVIDERS = (
    "openai", "anthropic", "azure", "bedrock", "groq", "mistral", "deepseek", "together", "fireworks",
    "openrouter", "xai", "cerebras", "perplexity", "gemini", "ollama",
)  # fmt: skip

REQUIRED_MODELS = {
    "openai/dall-e-2": "image_generation",
    "openai/dall-e-3": "image_generation",
    "openai/gpt-image-1": "image_generation",
    "openai/tts-1": "audio_speech",
    "openai/tts-1-hd": "audio_speech",
    "openai/gpt-4o-mini-tts": "audio_speech",
    "openai/whisper-1": "audio_transcription",
    "openai/gpt-4o-transcribe": "audio_transcription",
    "openai/gpt-4o-mini-transcribe": "audio_transcription",
    "openai/text-embedding-3-large": "embedding",
    "openai/text-embedding-3-small": "embedding",
    "openai/text-embedding-ada-002": "embedding",
}


def test_get_catalog_is_loaded_once() -> None:
    assert get_catalog() is CATALOG


def test_models_are_unique_in_id_order_and_match_the_data_file() -> None:
    ids = [m.id for m in CATALOG.models]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert set(ids) == set(json.loads(read_data_files()["models.json"])["models"])


def test_every_model_is_provider_slash_upstream_name_with_a_known_provider() -> None:
    for model in CATALOG.models:
        assert model.id == f"{model.provider}/{model.model}"
        assert model.provider in CATALOG.providers
        assert model.mode in MODE_CAPABILITY
        assert MODE_CAPABILITY[model.mode] in model.capabilities
        assert model.capabilities <= CAPABILITIES


@pytest.mark.parametrize(("model_id", "mode"), sorted(REQUIRED_MODELS.items()))
def test_required_openai_models_exist_with_their_mode_and_a_price(model_id: str, mode: str) -> None:
    model = CATALOG.get(model_id)
    assert model is not None
    assert model.mode == mode
    assert not model.free


def test_image_models_with_a_size_table_have_a_per_image_price() -> None:
    tabled = [m for m in CATALOG.models if m.prices.image_prices]
    assert tabled
    for model in tabled:
        assert model.mode == "image_generation"
        assert model.prices.per_image is not None


def test_get_takes_only_canonical_ids() -> None:
    model = CATALOG.get("openai/gpt-4o-mini")
    assert model is not None
    assert model.model == "gpt-4o-mini"
    assert CATALOG.get("gpt-4o-mini") is None
    assert CATALOG.get("OpenAI/gpt-4o-mini") is None


def test_find_canonical_id_and_bare_names() -> None:
    assert CATALOG.find("groq/openai/gpt-oss-20b") is CATALOG.get("groq/openai/gpt-oss-20b")
    assert CATALOG.find("gpt-4o-mini") is CATALOG.get("openai/gpt-4o-mini")
    assert CATALOG.find("claude-sonnet-4-5") is CATALOG.get("anthropic/claude-sonnet-4-5")
    assert CATALOG.find("dall-e-3") is CATALOG.get("openai/dall-e-3")
    # Not an openai id: the bare-name lookup finds Groq's upstream name "openai/gpt-oss-20b".
    assert CATALOG.get("openai/gpt-oss-20b") is None
    assert CATALOG.find("openai/gpt-oss-20b") is CATALOG.get("groq/openai/gpt-oss-20b")


def test_find_prefers_providers_in_the_documented_order() -> None:
    assert CATALOG.get("azure/gpt-4o-mini") is not None  # the name exists on two providers
    rank = {provider: i for i, provider in enumerate(PROVIDER_PREFERENCE)}
    offering: dict[str, list[ModelInfo]] = {}
    for model in CATALOG.models:
        offering.setdefault(model.model, []).append(model)
    shared = {name: models for name, models in offering.items() if len(models) > 1}
    assert shared
    for name, models in shared.items():
        found = CATALOG.find(name)
        assert found is not None
        if found.id == name:  # the bare name is itself another model's canonical id
            continue
        assert rank[found.provider] == min(rank[m.provider] for m in models)


@pytest.mark.parametrize(
    ("name", "model_id"),
    [
        ("together_ai/moonshotai/Kimi-K3", "together/moonshotai/Kimi-K3"),
        ("fireworks_ai/accounts/fireworks/models/kimi-k3", "fireworks/accounts/fireworks/models/kimi-k3"),
        ("OpenAI/gpt-4o-mini", "openai/gpt-4o-mini"),
        ("GROQ/openai/gpt-oss-20b", "groq/openai/gpt-oss-20b"),
    ],
)
def test_find_tolerates_other_spellings_of_the_provider_prefix(name: str, model_id: str) -> None:
    assert CATALOG.get(model_id) is not None
    assert CATALOG.find(name) is CATALOG.get(model_id)


@pytest.mark.parametrize("name", ["no-such-model", "openai/no-such-model", "GPT-4o-mini", "", "/"])
def test_find_unknown_is_none(name: str) -> None:
    assert CATALOG.find(name) is None


@pytest.mark.parametrize("name", ["no-such-model", "openai/no-such-model"])
def test_resolve_unknown_raises_model_not_found(name: str) -> None:
    with pytest.raises(ModelNotFound) as caught:
        CATALOG.resolve(name)
    error = caught.value
    assert error.status == 404
    assert error.param == "model"
    assert error.code == "model_not_found"
    assert f"`{name}`" in error.message


def test_resolve_a_model_gives_that_one_model() -> None:
    resolution = CATALOG.resolve("gpt-4o-mini")
    assert resolution.alias is None
    assert resolution.requested == "gpt-4o-mini"
    assert resolution.models == (CATALOG.get("openai/gpt-4o-mini"),)


# --- providers ---------------------------------------------------------------------------------


def test_every_routable_provider_is_defined() -> None:
    assert set(CATALOG.providers) == set(PROVIDERS)
    for name, provider in CATALOG.providers.items():
        assert provider.name == name
        assert provider.wire in {"openai", "anthropic", "azure", "bedrock"}
        assert provider.auth in {"bearer", "x-api-key", "api-key", "aws", "none"}
        assert CATALOG.provider(name) is provider
    assert CATALOG.provider("nope") is None


def test_provider_quirks_from_providers_md() -> None:
    groq, mistral = CATALOG.providers["groq"], CATALOG.providers["mistral"]
    assert {"logprobs", "logit_bias", "top_logprobs"} <= groq.drop_params
    assert dict(groq.reject_params) == {"n": (1,)}
    renames = dict(mistral.rename_params)
    assert renames["seed"] == "random_seed"
    assert renames["max_completion_tokens"] == "max_tokens"
    assert mistral.stream_usage_option is False
    assert dict(CATALOG.providers["fireworks"].extra_body) == {"context_length_exceeded_behavior": "error"}
    gemini = CATALOG.providers["gemini"]
    assert gemini.base_url == "https://generativelanguage.googleapis.com/v1beta/openai"
    ollama = CATALOG.providers["ollama"]
    assert (ollama.base_url, ollama.self_hosted, ollama.auth) == ("http://localhost:11434/v1", True, "none")
    azure = CATALOG.providers["azure"]
    assert (azure.base_url, azure.api_version, azure.wire) == (None, None, "azure")
    assert CATALOG.providers["bedrock"].wire == "bedrock"


def test_provider_model_counts_cover_every_provider_and_every_model() -> None:
    counts = CATALOG.provider_model_counts()
    assert set(counts) == set(CATALOG.providers)
    assert sum(counts.values()) == len(CATALOG.models)
    assert counts["openai"] == sum(1 for m in CATALOG.models if m.provider == "openai")
    counts["openai"] = -1
    assert CATALOG.provider_model_counts()["openai"] >= 0  # a copy each time


# --- public model object -----------------------------------------------------------------------


def test_public_model_object_shape() -> None:
    model = CATALOG.get("openai/gpt-4o-mini")
    assert model is not None
    view = CATALOG.public(model, configured=True)
    assert view["id"] == model.id
    assert view["object"] == "model"
    assert isinstance(view["created"], int)
    assert view["owned_by"] == "openai"
    info = view["spidergate_info"]
    assert info["provider"] == "openai"
    assert info["mode"] == "chat"
    assert info["capabilities"] == sorted(model.capabilities)
    assert info["context_window"] == model.context_window
    assert info["max_output"] == model.max_output
    assert info["configured"] is True
    assert info["free"] is False
    assert info["aliases"] == list(CATALOG.aliases_using(model.id))
    assert info["deprecation_date"] == model.deprecation_date
    pricing = info["pricing"]
    assert pricing["input_per_million"] == float(model.prices.input * 1_000_000)
    assert pricing["output_per_million"] == float(model.prices.output * 1_000_000)
    assert model.prices.cached_input is not None
    assert pricing["cached_input_per_million"] == float(model.prices.cached_input * 1_000_000)
    assert pricing["reasoning_per_million"] is None
    json.dumps(view)  # serialisable as is


def test_public_configured_flag_is_per_call_and_created_is_stable() -> None:
    model = CATALOG.get("anthropic/claude-sonnet-4-5")
    assert model is not None
    yes, no = CATALOG.public(model, True), CATALOG.public(model, False)
    assert yes["spidergate_info"]["configured"] is True
    assert no["spidergate_info"]["configured"] is False
    assert CATALOG.public(model, True)["spidergate_info"]["configured"] is True
    other = CATALOG.get("openai/gpt-4o-mini")
    assert other is not None
    assert (
        yes["created"]
        == CATALOG.public(other, True)["created"]
        == load_catalog().public(model, True)["created"]
    )


def test_public_media_prices_are_per_unit() -> None:
    tts, dalle = CATALOG.get("openai/tts-1"), CATALOG.get("openai/dall-e-3")
    assert tts is not None
    assert dalle is not None
    assert tts.prices.per_character is not None
    assert CATALOG.public(tts, False)["spidergate_info"]["pricing"]["per_character"] == float(
        tts.prices.per_character
    )
    pricing = CATALOG.public(dalle, False)["spidergate_info"]["pricing"]
    assert pricing["image_prices"] == {label: float(p) for label, p in dalle.prices.image_prices}
    assert pricing["per_image"] == float(max(p for _, p in dalle.prices.image_prices))


# --- provenance, etag, data checks ----------------------------------------------------------------


def test_source_provenance() -> None:
    assert CATALOG.source["package"] == "litellm"
    assert CATALOG.source["file"] == "litellm/model_prices_and_context_window_backup.json"
    assert CATALOG.source["version"]
    assert len(CATALOG.source["sha256"]) == 64


def test_etag_is_stable_and_follows_the_data() -> None:
    files = read_data_files()
    assert load_catalog(files).etag == CATALOG.etag
    aliases = json.loads(files["aliases.json"])
    aliases["aliases"]["chat"]["description"] = "changed"
    assert load_catalog({**files, "aliases.json": json.dumps(aliases).encode()}).etag != CATALOG.etag


def test_an_alias_naming_a_missing_model_fails_the_load() -> None:
    files = read_data_files()
    aliases = json.loads(files["aliases.json"])
    aliases["aliases"]["chat"]["chain"].append("openai/no-such-model")
    with pytest.raises(CatalogDataError, match="no-such-model"):
        load_catalog({**files, "aliases.json": json.dumps(aliases).encode()})


def test_an_alias_member_without_the_capability_fails_the_load() -> None:
    files = read_data_files()
    aliases = json.loads(files["aliases.json"])
    aliases["aliases"]["vision"]["chain"].append("openai/text-embedding-3-small")
    with pytest.raises(CatalogDataError, match="text-embedding-3-small"):
        load_catalog({**files, "aliases.json": json.dumps(aliases).encode()})


# --- image prices -------------------------------------------------------------------------------


def test_image_price_by_size_and_quality() -> None:
    dalle = CATALOG.get("openai/dall-e-3")
    assert dalle is not None
    table = dict(dalle.prices.image_prices)
    assert image_price(dalle, "1024x1792", "hd") == table["1024x1792/hd"]
    assert image_price(dalle, "1024x1024", None) == table["1024x1024/standard"]  # DALL-E's default
    assert image_price(dalle) == table["1024x1024/standard"]
    assert image_price(dalle, "1024x1024", "auto") == max(table["1024x1024/standard"], table["1024x1024/hd"])
    assert image_price(dalle, "512x512", "hd") == dalle.prices.per_image  # not offered: the ceiling


def test_image_price_without_a_quality_default_takes_the_dearest_of_the_size() -> None:
    gpt_image = CATALOG.get("openai/gpt-image-1")
    assert gpt_image is not None
    table = dict(gpt_image.prices.image_prices)
    sized = [p for label, p in table.items() if label.startswith("1536x1024/")]
    assert image_price(gpt_image, "1536x1024", "low") == table["1536x1024/low"]
    assert image_price(gpt_image, "1536x1024") == max(sized)


def test_image_price_of_a_flat_priced_model() -> None:
    flat = CATALOG.get("xai/grok-imagine-image")
    assert flat is not None
    assert not flat.prices.image_prices
    assert isinstance(flat.prices.per_image, Decimal)
    assert image_price(flat, "1024x1024", "hd") == flat.prices.per_image
    assert image_price(flat) == flat.prices.per_image


def test_image_price_of_a_token_priced_model_is_none() -> None:
    tokens_only = CATALOG.get("openai/gpt-image-2")
    assert tokens_only is not None
    assert tokens_only.prices.output
    assert image_price(tokens_only, "1024x1024", "high") is None
