"""Single-item write entries (``{"Update": params}``, ``{"Put": ...}``, ``{"Delete": ...}``) built
from plain values.

Every attribute name goes through a placeholder: many of the ledger's names (``status``,
``reserved``, ``tokens``...) are or may become DynamoDB reserved words.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from spidergate.dynamo import to_item, to_value
from spidergate.usage.keys import Key

Number = Decimal | int


class Expr:
    """Placeholders for one expression: ``name("tokens")`` -> ``#n0``, ``value(5)`` -> ``:v0``."""

    def __init__(self) -> None:
        self._names: dict[str, str] = {}
        self._by_attr: dict[str, str] = {}
        self._values: dict[str, Any] = {}

    def copy(self) -> Expr:
        """An independent Expr holding the same placeholders (to extend per query)."""
        twin = Expr()
        twin._names, twin._by_attr, twin._values = dict(self._names), dict(self._by_attr), dict(self._values)
        return twin

    def name(self, attr: str) -> str:
        placeholder = self._by_attr.get(attr)
        if placeholder is None:
            placeholder = self._by_attr[attr] = f"#n{len(self._names)}"
            self._names[placeholder] = attr
        return placeholder

    def value(self, value: Any) -> str:
        placeholder = f":v{len(self._values)}"
        self._values[placeholder] = to_value(value)
        return placeholder

    def at_most(self, attr: str, ceiling: Number) -> str:
        """Condition: ``attr`` is absent (nothing counted yet) or ``<= ceiling``."""
        n = self.name(attr)
        return f"(attribute_not_exists({n}) OR {n} <= {self.value(ceiling)})"

    def below(self, attr: str, limit: Number) -> str:
        """Condition: ``attr`` is absent or ``< limit``."""
        n = self.name(attr)
        return f"(attribute_not_exists({n}) OR {n} < {self.value(limit)})"

    def holds(self, attr: str, member: str) -> str:
        """Condition: the string set ``attr`` contains ``member``."""
        return f"contains({self.name(attr)}, {self.value(member)})"

    def params(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self._names:
            out["ExpressionAttributeNames"] = dict(self._names)
        if self._values:
            out["ExpressionAttributeValues"] = dict(self._values)
        return out


def key_item(key: Key) -> dict[str, Any]:
    return to_item({"pk": key[0], "sk": key[1]})


def update(
    table: str,
    key: Key,
    *,
    add: Mapping[str, Number] | None = None,
    set_: dict[str, Any] | None = None,
    set_if_absent: dict[str, Any] | None = None,
    add_members: dict[str, str] | None = None,
    delete_members: dict[str, str] | None = None,
    condition: list[str] | None = None,
    expr: Expr | None = None,
) -> dict[str, Any]:
    """An ``Update`` entry: ADD the non-zero ``add`` deltas, SET ``set_``, SET ``set_if_absent`` once,
    ADD/DELETE one member of a string set (``add_members``/``delete_members``: attr -> member).

    Conditions are built on ``expr`` (pass the same one) and joined with AND.
    """
    e = expr or Expr()
    adds = [f"{e.name(a)} {e.value(v)}" for a, v in (add or {}).items() if v]
    adds += [f"{e.name(a)} {e.value({m})}" for a, m in (add_members or {}).items()]
    deletes = [f"{e.name(a)} {e.value({m})}" for a, m in (delete_members or {}).items()]
    sets = [f"{e.name(a)} = {e.value(v)}" for a, v in (set_ or {}).items() if v is not None]
    sets += [
        f"{e.name(a)} = if_not_exists({e.name(a)}, {e.value(v)})"
        for a, v in (set_if_absent or {}).items()
        if v is not None
    ]
    clauses = []
    if adds:
        clauses.append("ADD " + ", ".join(adds))
    if sets:
        clauses.append("SET " + ", ".join(sets))
    if deletes:
        clauses.append("DELETE " + ", ".join(deletes))
    if not clauses:
        raise ValueError("an update needs at least one ADD or SET")
    op: dict[str, Any] = {"TableName": table, "Key": key_item(key), "UpdateExpression": " ".join(clauses)}
    if condition:
        op["ConditionExpression"] = " AND ".join(condition)
        op["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    op.update(e.params())
    return {"Update": op}


def put_new(table: str, item: dict[str, Any]) -> dict[str, Any]:
    """A ``Put`` that fails if an item with the same key exists (idempotency on the key)."""
    return {
        "Put": {
            "TableName": table,
            "Item": to_item(item),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }


def delete(
    table: str, key: Key, condition: list[str] | None = None, expr: Expr | None = None
) -> dict[str, Any]:
    """A ``Delete`` entry; without a condition it requires the item to exist."""
    e = expr or Expr()
    op: dict[str, Any] = {
        "TableName": table,
        "Key": key_item(key),
        "ConditionExpression": " AND ".join(condition) if condition else "attribute_exists(pk)",
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    op.update(e.params())
    return {"Delete": op}
