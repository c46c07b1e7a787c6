"""Per-brand overrides of a task alias's fallback chain (stored in the vault table)."""

from __future__ import annotations

from typing import Any

from spidergate.dynamo import from_item, to_item, values
from spidergate.vault.records import now_iso


class AliasOverrides:
    def __init__(self, ddb: Any, table: str) -> None:
        self.ddb = ddb
        self.table = table

    def all(self, brand_id: str) -> dict[str, tuple[str, ...]]:
        """Every overridden alias of a brand -> its chain."""
        page = self.ddb.query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :p)",
            ExpressionAttributeValues=values({":pk": f"BRAND#{brand_id}", ":p": "ALIAS#"}),
        )
        found: dict[str, tuple[str, ...]] = {}
        for raw in page.get("Items", []):
            item = from_item(raw)
            found[item["sk"].removeprefix("ALIAS#")] = tuple(item.get("chain", ()))
        return found

    def put(self, brand_id: str, alias: str, chain: list[str]) -> None:
        item = {"pk": f"BRAND#{brand_id}", "sk": f"ALIAS#{alias}", "chain": chain, "updated_at": now_iso()}
        self.ddb.put_item(TableName=self.table, Item=to_item(item))

    def delete(self, brand_id: str, alias: str) -> None:
        self.ddb.delete_item(
            TableName=self.table, Key=to_item({"pk": f"BRAND#{brand_id}", "sk": f"ALIAS#{alias}"})
        )
