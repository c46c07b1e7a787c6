#!/usr/bin/env python3
"""Rewrite the generated provider, parameter and behaviour table in ``docs/providers.md``.

    .venv/bin/python scripts/provider_docs.py [--check]

``--check`` exits 1 if the document is stale (``tests/unit/test_provider_docs.py`` checks the same).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from spidergate.catalog import get_catalog
from spidergate.providers.params_table import render, replace_block

DOC = Path(__file__).resolve().parent.parent / "docs" / "providers.md"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="only check that the document is current")
    args = parser.parse_args(argv)
    current = DOC.read_text(encoding="utf-8")
    wanted = replace_block(current, render(get_catalog()))
    if args.check:
        return 0 if wanted == current else 1
    DOC.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
