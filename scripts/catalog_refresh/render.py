"""``models.json`` as text: deterministic, compact, one model a line."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


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
