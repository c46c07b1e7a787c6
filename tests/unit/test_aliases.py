"""Task aliases: the 26 names, every chain member qualifies, resolution and brand overrides."""

from __future__ import annotations

import pytest

from spidergate.catalog import get_catalog

CATALOG = get_catalog()

ALIASES = (
    "default", "chat", "fast", "cheap", "free", "smart", "reasoning", "coding", "coding-fast", "vision",
    "long-context", "creative", "summarize", "extract", "translate", "math", "tools", "classify", "local",
    "embed", "embed-large", "image", "image-hd", "tts", "tts-hd", "transcribe",
)  # fmt: skip
CHAT_ALIASES = [name for name in ALIASES if CATALOG.aliases[name].mode == "chat" and name != "local"]
# Embeddings from another model live in another vector space: those chains stay on one model.
SAME_MODEL_ONLY = {"embed", "embed-large"}


def test_exactly_the_26_aliases() -> None:
    assert len(ALIASES) == 26
    assert set(CATALOG.aliases) == set(ALIASES)


@pytest.mark.parametrize("name", ALIASES)
def test_every_chain_member_exists_with_the_alias_mode_and_capabilities(name: str) -> None:
    alias = CATALOG.aliases[name]
    assert alias.name == name
    assert alias.description
    assert len(set(alias.chain)) == len(alias.chain)
    assert 3 <= len(alias.chain) <= 5 or (name in SAME_MODEL_ONLY and len(alias.chain) >= 2)
    for model_id in alias.chain:
        model = CATALOG.get(model_id)
        assert model is not None, model_id
        assert model.mode == alias.mode, model_id
        assert alias.capabilities <= model.capabilities, model_id


@pytest.mark.parametrize("name", CHAT_ALIASES)
def test_chat_alias_chains_cross_providers(name: str) -> None:
    providers = {CATALOG.get(model_id).provider for model_id in CATALOG.aliases[name].chain}  # type: ignore[union-attr]
    assert len(providers) >= 2


@pytest.mark.parametrize("name", sorted(SAME_MODEL_ONLY))
def test_embedding_chains_keep_one_model_across_providers(name: str) -> None:
    models = [CATALOG.get(model_id) for model_id in CATALOG.aliases[name].chain]
    assert len({m.model for m in models if m}) == 1
    assert len({m.provider for m in models if m}) >= 2


@pytest.mark.parametrize(
    ("name", "capability"),
    [
        ("vision", "vision"),
        ("tools", "tools"),
        ("reasoning", "reasoning"),
        ("extract", "json"),
        ("embed", "embeddings"),
    ],
)
def test_aliases_require_their_capability(name: str, capability: str) -> None:
    assert capability in CATALOG.aliases[name].capabilities


def test_every_alias_requires_its_mode_capability() -> None:
    mode_capability = {"chat": "chat", "embedding": "embeddings", "image_generation": "image",
                       "audio_speech": "tts", "audio_transcription": "stt"}  # fmt: skip
    for alias in CATALOG.aliases.values():
        assert mode_capability[alias.mode] in alias.capabilities


def test_free_alias_has_only_zero_priced_models() -> None:
    for model_id in CATALOG.aliases["free"].chain:
        model = CATALOG.get(model_id)
        assert model is not None, model_id
        assert model.free, model_id


def test_local_alias_is_self_hosted() -> None:
    for model_id in CATALOG.aliases["local"].chain:
        model = CATALOG.get(model_id)
        assert model is not None
        assert CATALOG.providers[model.provider].self_hosted


def test_long_context_alias_has_million_token_windows() -> None:
    for model_id in CATALOG.aliases["long-context"].chain:
        model = CATALOG.get(model_id)
        assert model is not None, model_id
        assert (model.context_window or 0) >= 1_000_000, model_id


@pytest.mark.parametrize("name", ALIASES)
def test_alias_resolves_to_its_chain(name: str) -> None:
    resolution = CATALOG.resolve(name)
    assert resolution.alias == name
    assert resolution.requested == name
    assert tuple(m.id for m in resolution.models) == CATALOG.aliases[name].chain


def test_override_replaces_the_chain_and_skips_unknown_or_unfit_ids() -> None:
    override = ["groq/openai/gpt-oss-20b", "no-such-model", "openai/text-embedding-3-small", "gpt-4o-mini"]
    resolution = CATALOG.resolve("fast", {"fast": override})
    assert resolution.alias == "fast"
    assert [m.id for m in resolution.models] == ["groq/openai/gpt-oss-20b", "openai/gpt-4o-mini"]


def test_override_of_another_alias_leaves_this_one_alone() -> None:
    resolution = CATALOG.resolve("fast", {"cheap": ["openai/gpt-4o-mini"]})
    assert tuple(m.id for m in resolution.models) == CATALOG.aliases["fast"].chain


def test_override_with_nothing_usable_falls_back_to_the_built_in_chain() -> None:
    resolution = CATALOG.resolve("vision", {"vision": ["no-such-model", "openai/text-embedding-3-small"]})
    assert tuple(m.id for m in resolution.models) == CATALOG.aliases["vision"].chain


def test_aliases_using_lists_every_alias_whose_chain_has_the_model() -> None:
    for alias in CATALOG.aliases.values():
        for model_id in alias.chain:
            assert alias.name in CATALOG.aliases_using(model_id)
    used = {m for alias in CATALOG.aliases.values() for m in alias.chain}
    unused = next(m for m in CATALOG.models if m.id not in used)
    assert CATALOG.aliases_using(unused.id) == ()
    assert CATALOG.public(unused, False)["spidergate_info"]["aliases"] == []
