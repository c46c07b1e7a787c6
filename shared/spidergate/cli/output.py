"""How commands answer: one JSON document with ``--json``, readable lines otherwise."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from typing import Any

from spidergate.errors import GatewayError


@dataclass(frozen=True, slots=True)
class Outcome:
    """A command's result: ``data`` for ``--json``, ``lines`` for people."""

    data: Any
    lines: list[str] = field(default_factory=list)


def emit(outcome: Outcome, as_json: bool) -> None:
    if as_json:
        print(json.dumps(outcome.data, indent=2, default=str, ensure_ascii=False))
    else:
        print("\n".join(outcome.lines))


def fail(error: GatewayError, as_json: bool = False) -> None:
    """The error on stderr: the OpenAI error body with ``--json``, one readable line otherwise
    (never anything secret: messages name ids, not keys)."""
    if as_json:
        print(json.dumps(error.body()), file=sys.stderr)
        return
    code = f" [{error.code}]" if error.code else ""
    print(f"error{code}: {error.message}", file=sys.stderr)


def table(rows: list[list[str]], headers: list[str]) -> list[str]:
    """Rows aligned under ``headers``."""
    widths = [max(len(str(c)) for c in column) for column in zip(headers, *rows, strict=False)]

    def render(cells: list[str]) -> str:
        return "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=False)).rstrip()

    return [render(headers), *(render(r) for r in rows)]


def json_option() -> argparse.ArgumentParser:
    """A parent parser giving a subcommand ``--json`` (left unset unless given, so the global one holds)."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="print one JSON document"
    )
    return parent
