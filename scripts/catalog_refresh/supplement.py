"""The hand-kept ``supplement.json``: entries the LiteLLM source lacks, merged into the built models."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Mapping
from typing import Any

from spidergate.catalog.capabilities import MODE_CAPABILITY


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
