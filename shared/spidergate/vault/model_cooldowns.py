"""Per-(key, model) cooldowns on the key's own vault item, for providers whose limits are per model.

Each pair is one top-level attribute of the key item, ``mcool#<model id>`` = ``{until, reason}``,
so setting one is a single conditional ``UpdateItem`` (no read, no transaction) that never loses to
an earlier cooldown written by another container, and needs no migration of existing items.
"""

from __future__ import annotations

import contextlib
from decimal import Decimal
from typing import Any

from spidergate.domain import ModelCooldown, ProviderKey
from spidergate.dynamo import to_item, values

PREFIX = "mcool#"


def cool_model(ddb: Any, table: str, key: ProviderKey, model_id: str, until: float, reason: str) -> None:
    """Bench ``model_id`` on ``key`` until ``until`` (epoch) unless a later bench is already set."""
    with contextlib.suppress(ddb.exceptions.ConditionalCheckFailedException):
        ddb.update_item(
            TableName=table,
            Key=to_item({"pk": f"BRAND#{key.brand_id}", "sk": f"PKEY#{key.provider}#{key.key_id}"}),
            UpdateExpression="SET #m = :v",
            ConditionExpression="attribute_exists(pk) AND (attribute_not_exists(#m) OR #m.#u < :u)",
            ExpressionAttributeNames={"#m": PREFIX + model_id, "#u": "until"},
            ExpressionAttributeValues=values(
                {
                    ":v": {"until": Decimal(str(round(until, 3))), "reason": reason},
                    ":u": Decimal(str(round(until, 3))),
                }
            ),
        )


def gather(item: dict[str, Any]) -> dict[str, Any]:
    """A key item (plain values) with its ``mcool#`` attributes folded into ``model_cooldowns``."""
    benches = {k[len(PREFIX) :]: item.pop(k) for k in [k for k in item if k.startswith(PREFIX)]}
    item["model_cooldowns"] = {
        model: ModelCooldown(until=float(v.get("until", 0)), reason=str(v.get("reason", "")))
        for model, v in benches.items()
        if isinstance(v, dict)
    }
    return item


def clear_all(key: ProviderKey) -> dict[str, None]:
    """The attribute removals that lift every per-model bench of ``key`` (for an operator's enable)."""
    return {PREFIX + model: None for model in key.model_cooldowns}
