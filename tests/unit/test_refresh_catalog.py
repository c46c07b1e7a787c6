"""scripts/refresh_catalog.py: selection rules on a small source, and a byte-for-byte rebuild."""

from __future__ import annotations

import importlib.util
import json
import socket
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "refresh_catalog.py"
COMMITTED = ROOT / "shared" / "spidergate" / "catalog" / "data" / "models.json"


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("refresh_catalog", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Run as a file, the script finds its sibling package on sys.path[0] (scripts/); loaded here, it
    # needs that entry only while it imports.
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(SCRIPT.parent))
    return module


refresh = _load_script()

SOURCE: dict[str, Any] = {
    "sample_spec": {"litellm_provider": "one of https://docs.litellm.ai/docs/providers", "mode": "chat"},
    "gpt-4o-mini": {
        "litellm_provider": "openai",
        "mode": "chat",
        "input_cost_per_token": 1.5e-07,
        "output_cost_per_token": 6e-07,
        "cache_read_input_token_cost": 7.5e-08,
        "max_input_tokens": 128000,
        "max_output_tokens": 16384,
        "supports_vision": True,
        "supports_function_calling": True,
        "supports_response_schema": True,
        "deprecation_date": "2027-01-14",
    },
    "ft:gpt-4o-mini-2024-07-18": {
        "litellm_provider": "openai",
        "mode": "chat",
        "input_cost_per_token": 3e-07,
    },
    "groq/llama-3.1-8b-instant": {
        "litellm_provider": "groq",
        "mode": "chat",
        "input_cost_per_token": 5e-08,
        "output_cost_per_token": 8e-08,
    },
    "deepseek-chat": {"litellm_provider": "deepseek", "mode": "chat", "input_cost_per_token": 2.8e-07},
    "deepseek/deepseek-chat": {
        "litellm_provider": "deepseek",
        "mode": "chat",
        "input_cost_per_token": 2.8e-07,
        "output_cost_per_token": 4.2e-07,
        "supports_reasoning": True,
    },
    "bedrock/us-east-1/meta.llama3-8b-instruct-v1:0": {
        "litellm_provider": "bedrock",
        "mode": "chat",
        "input_cost_per_token": 3e-07,
    },
    "us.amazon.nova-lite-v1:0": {
        "litellm_provider": "bedrock_converse",
        "mode": "chat",
        "input_cost_per_token": 6e-08,
    },
    "azure/eu/gpt-4o": {"litellm_provider": "azure", "mode": "chat", "input_cost_per_token": 2.75e-06},
    "gpt-5-pro": {
        "litellm_provider": "openai",
        "mode": "chat",
        "input_cost_per_token": 1.5e-05,
        "supported_endpoints": ["/v1/responses"],
    },
    "o1-realtime": {"litellm_provider": "openai", "mode": "realtime", "input_cost_per_token": 5e-06},
    "vertex_ai/gemini-2.5-pro": {
        "litellm_provider": "vertex_ai",
        "mode": "chat",
        "input_cost_per_token": 1e-06,
    },
    "claude-latest": {"alias_of": "claude-sonnet-4-5"},
    "fireworks_ai/kimi-k3": {
        "litellm_provider": "fireworks_ai",
        "mode": "chat",
        "input_cost_per_token": 3e-06,
    },
    "fireworks_ai/kimi-k3-fast": {
        "litellm_provider": "fireworks_ai",
        "mode": "chat",
        "input_cost_per_token": 4e-06,
    },
    "azure/standard/1024-x-1024/dall-e-3": {
        "litellm_provider": "azure",
        "mode": "image_generation",
        "input_cost_per_pixel": 4.19617e-08,
        "output_cost_per_token": 0.0,
    },
    "azure/hd/1024-x-1792/dall-e-3": {
        "litellm_provider": "azure",
        "mode": "image_generation",
        "input_cost_per_pixel": 7.19343e-08,
    },
    "high/1024-x-1536/gpt-image-1": {
        "litellm_provider": "openai",
        "mode": "image_generation",
        "input_cost_per_image": 0.25,
        "input_cost_per_pixel": 1.5e-07,
    },
    "gpt-image-1": {
        "litellm_provider": "openai",
        "mode": "image_generation",
        "input_cost_per_token": 5e-06,
        "output_cost_per_image_token": 4e-05,
    },
    "tts-1": {"litellm_provider": "openai", "mode": "audio_speech", "input_cost_per_character": 1.5e-05},
    "whisper-1": {
        "litellm_provider": "openai",
        "mode": "audio_transcription",
        "input_cost_per_second": 0.0001,
    },
    "together_ai/unpriced-model": {"litellm_provider": "together_ai", "mode": "chat"},
    "gemini/lyria-3": {
        "litellm_provider": "gemini",
        "mode": "chat",
        "input_cost_per_token": 0,
        "output_cost_per_token": 0,
        "output_cost_per_image": 0.04,
    },
}


def build(source: dict[str, Any] = SOURCE) -> tuple[dict[str, dict[str, Any]], Counter[str]]:
    stats: Counter[str] = Counter()
    return refresh.build_models(source, stats), stats


def test_ids_are_our_provider_and_the_upstream_name() -> None:
    models, _ = build()
    assert models["openai/gpt-4o-mini"]["model"] == "gpt-4o-mini"
    assert models["groq/llama-3.1-8b-instant"]["model"] == "llama-3.1-8b-instant"
    assert models["bedrock/us.amazon.nova-lite-v1:0"]["provider"] == "bedrock"
    assert list(models) == sorted(models)


def test_fireworks_short_names_become_resource_names() -> None:
    models, _ = build()
    assert "fireworks/accounts/fireworks/models/kimi-k3" in models
    assert "fireworks/accounts/fireworks/routers/kimi-k3-fast" in models


@pytest.mark.parametrize(
    "absent",
    [
        "openai/ft:gpt-4o-mini-2024-07-18",
        "bedrock/us-east-1/meta.llama3-8b-instruct-v1:0",
        "azure/eu/gpt-4o",
        "openai/gpt-5-pro",
        "openai/o1-realtime",
        "gemini/gemini-2.5-pro",
        "together/unpriced-model",
        "gemini/lyria-3",
    ],
)
def test_unroutable_entries_are_skipped(absent: str) -> None:
    models, _ = build()
    assert absent not in models
    assert not any(model_id.endswith(absent.split("/", 1)[1]) for model_id in models)


def test_record_fields_and_plain_decimal_prices() -> None:
    record = build()[0]["openai/gpt-4o-mini"]
    assert record == {
        "provider": "openai",
        "model": "gpt-4o-mini",
        "mode": "chat",
        "capabilities": ["chat", "json", "tools", "vision"],
        "prices": {"input": "0.00000015", "output": "0.0000006", "cached_input": "0.000000075"},
        "context_window": 128000,
        "max_output": 16384,
        "deprecation_date": "2027-01-14",
    }


def test_refusals_and_effort_come_from_the_source_flags() -> None:
    """Opus 4.7 as LiteLLM lists it: sampling params and prefill refused, effort and adaptive thinking."""
    source = {
        "claude-opus-4-7": {
            "litellm_provider": "anthropic",
            "mode": "chat",
            "input_cost_per_token": 5e-06,
            "output_cost_per_token": 2.5e-05,
            "supports_sampling_params": False,
            "supports_assistant_prefill": False,
            "supports_output_config": True,
            "supports_adaptive_thinking": True,
        },
        "claude-haiku-4-5": {
            "litellm_provider": "anthropic",
            "mode": "chat",
            "input_cost_per_token": 1e-06,
            "supports_assistant_prefill": True,
        },
    }
    models = refresh.build_models(source, Counter())
    opus = models["anthropic/claude-opus-4-7"]
    assert opus["refuses"] == ["assistant_prefill", "sampling_params"]
    assert {"effort", "adaptive_thinking"} <= set(opus["capabilities"])
    assert "refuses" not in models["anthropic/claude-haiku-4-5"]


def test_media_prices_by_mode() -> None:
    models, _ = build()
    assert models["openai/tts-1"]["prices"] == {"per_character": "0.000015"}
    assert models["openai/tts-1"]["capabilities"] == ["tts"]
    assert models["openai/whisper-1"]["prices"] == {"per_second": "0.0001"}
    assert models["openai/gpt-image-1"]["prices"]["output"] == "0.00004"  # per image token


def test_duplicate_keys_merge_with_the_richer_entry_winning() -> None:
    record = build()[0]["deepseek/deepseek-chat"]
    assert record["prices"] == {"input": "0.00000028", "output": "0.00000042"}
    assert "reasoning" in record["capabilities"]


def test_image_size_variants_fold_into_one_model_with_a_price_table() -> None:
    models, _ = build()
    dalle = models["azure/dall-e-3"]
    assert dalle["image_prices"] == {"1024x1024/standard": "0.044", "1024x1792/hd": "0.132"}
    assert dalle["prices"]["per_image"] == "0.132"  # no flat price: the dearest entry
    gpt_image = models["openai/gpt-image-1"]
    assert gpt_image["image_prices"] == {"1024x1536/high": "0.25"}  # per-image price wins over per-pixel
    assert not any("x-" in model_id for model_id in models)


def test_supplement_adds_missing_ids_and_never_overrides_the_source() -> None:
    models, stats = build()
    supplement = {
        "models": {
            "openai/dall-e-2": {
                "comment": "why",
                "provider": "openai",
                "model": "dall-e-2",
                "mode": "image_generation",
                "prices": {"per_image": "0.02"},
                "image_prices": {"1024x1024/standard": "0.02"},
            },
            "openai/tts-1": {
                "provider": "openai",
                "model": "tts-1",
                "mode": "audio_speech",
                "prices": {"per_character": "1"},
            },
        }
    }
    refresh.merge_supplement(models, supplement, stats)
    assert models["openai/dall-e-2"]["capabilities"] == ["image"]
    assert "comment" not in models["openai/dall-e-2"]
    assert models["openai/tts-1"]["prices"] == {"per_character": "0.000015"}
    assert stats["supplement: added"] == 1
    assert stats["supplement: redundant"] == 1
    assert list(models) == sorted(models)


def test_render_is_deterministic_json_one_model_a_line() -> None:
    models, _ = build()
    document = {"source": {"package": "litellm", "version": "x"}, "models": models}
    text = refresh.render(document)
    assert text == refresh.render(json.loads(text))
    assert json.loads(text) == document
    assert len(text.splitlines()) == len(models) + 5


def _pypi_reachable() -> bool:
    try:
        with socket.create_connection(("pypi.org", 443), timeout=5):
            return True
    except OSError:
        return False


@pytest.mark.integration
def test_refresh_reproduces_the_committed_file_byte_for_byte(tmp_path: Path) -> None:
    if not _pypi_reachable():
        pytest.skip("pypi.org is unreachable (no network): cannot pip download the litellm wheel")
    output = tmp_path / "models.json"
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--output", str(output)], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr
    assert output.read_bytes() == COMMITTED.read_bytes()
