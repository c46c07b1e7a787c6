"""docs/providers.md's parameter table is the one the adapters' data renders, and reads it right."""

from __future__ import annotations

from pathlib import Path

from spidergate.catalog import get_catalog
from spidergate.providers.params_table import END, START, behaviour, render, replace_block

DOC = Path(__file__).resolve().parents[2] / "docs" / "providers.md"


def test_the_committed_table_matches_the_data() -> None:
    """Stale? Run ``.venv/bin/python scripts/provider_docs.py``."""
    document = DOC.read_text(encoding="utf-8")
    assert START in document and END in document
    assert replace_block(document, render(get_catalog())) == document


def test_cells_follow_the_rules_the_adapters_apply() -> None:
    providers = get_catalog().providers
    assert behaviour(providers["cerebras"], "store")[0] == "dropped"
    assert behaviour(providers["gemini"], "metadata")[0] == "dropped"
    assert behaviour(providers["groq"], "n") == ("rejected", "unless n=1")
    assert behaviour(providers["mistral"], "seed") == ("translated", "sent as random_seed")
    assert behaviour(providers["anthropic"], "seed")[0] == "dropped"
    assert behaviour(providers["anthropic"], "tools")[0] == "translated"
    assert behaviour(providers["bedrock"], "functions")[0] == "translated"
    assert behaviour(providers["openai"], "seed")[0] == "passed"


def test_model_dependent_sampling_refusals_are_footnoted() -> None:
    table = render(get_catalog())
    assert "anthropic's" in table and "models whose catalog entry refuses sampling parameters" in table
