"""Keep a local run's data across restarts: a snapshot of moto's tables and secrets in ``.local/``.

moto keeps everything in memory. ``save_snapshot`` writes every item of the vault and usage tables
and every provider-key secret under the stage's prefix to one JSON file (mode 0600: a key added
to the local vault by hand may be real); ``restore_snapshot`` puts them back into a freshly
provisioned moto before the demo is seeded. ``python -m spidergate.local --fresh`` starts clean.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spidergate.settings import Settings

VERSION = 1
BATCH = 25  # BatchWriteItem's limit


@dataclass(frozen=True, slots=True)
class Restored:
    items: int
    secrets: int


def _scan(ddb: Any, table: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": table}
    while True:
        page = ddb.scan(**kwargs)
        items.extend(page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _secrets(sm: Any, prefix: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for page in sm.get_paginator("list_secrets").paginate():
        for entry in page.get("SecretList", []):
            name = entry["Name"]
            if not name.startswith(prefix + "/") or entry.get("DeletedDate"):
                continue
            value = sm.get_secret_value(SecretId=name)["SecretString"]
            found.append({"name": name, "value": value, "tags": entry.get("Tags", [])})
    return found


def save_snapshot(ddb: Any, sm: Any, settings: Settings, path: Path) -> int:
    """Write the tables and secrets to ``path`` (atomically, mode 0600); returns the item count."""
    tables = {name: _scan(ddb, name) for name in (settings.vault_table, settings.usage_table)}
    doc = {"version": VERSION, "tables": tables, "secrets": _secrets(sm, settings.secrets_prefix)}
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(doc, out, separators=(",", ":"))
    partial.replace(path)
    return sum(len(items) for items in tables.values())


def restore_snapshot(ddb: Any, sm: Any, settings: Settings, path: Path) -> Restored:
    """Put a saved snapshot back (tables must exist); a missing file restores nothing."""
    if not path.is_file():
        return Restored(0, 0)
    doc = json.loads(path.read_text(encoding="utf-8"))
    if doc.get("version") != VERSION:
        raise ValueError(f"{path} was written by another version; start with --fresh")
    known = {settings.vault_table, settings.usage_table}
    count = 0
    for table, items in doc.get("tables", {}).items():
        if table not in known:
            continue
        for start in range(0, len(items), BATCH):
            pending: dict[str, Any] = {
                table: [{"PutRequest": {"Item": item}} for item in items[start : start + BATCH]]
            }
            while pending:
                pending = ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
        count += len(items)
    restored_secrets = 0
    for secret in doc.get("secrets", []):
        try:
            sm.create_secret(Name=secret["name"], SecretString=secret["value"], Tags=secret["tags"])
        except sm.exceptions.ResourceExistsException:
            sm.put_secret_value(SecretId=secret["name"], SecretString=secret["value"])
        restored_secrets += 1
    return Restored(count, restored_secrets)
