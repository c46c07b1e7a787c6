"""Two fixes to moto's DynamoDB emulation, applied to the local moto server (and tests).

1. Transactions: moto (5.2) backs a TransactWriteItems up by deep-copying the whole table once
   per item in it, so a 17-item settle on a table of a few thousand usage records takes tens of
   milliseconds and grows with the table; real DynamoDB has no such cost. The replacement keeps
   moto's semantics (all-or-nothing, per-item cancellation reasons) but snapshots only the items
   the transaction touches.
2. Numbers: moto's arithmetic (ADD, SET a = a - :x) stores ``str(Decimal)``, which can be exponent
   notation (``0E-10``) that moto itself then fails to parse; DynamoDB keeps numbers canonical.
"""

from __future__ import annotations

import copy
from typing import Any

_APPLIED = False


def apply() -> None:
    """Install the item-level rollback on moto's DynamoDB backend (idempotent)."""
    global _APPLIED
    if _APPLIED:
        return
    from moto.dynamodb.comparisons import get_filter_expression as filter_expression
    from moto.dynamodb.exceptions import (
        ConditionalCheckFailed,
        MockValidationException,
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )
    from moto.dynamodb.models import DynamoDBBackend

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        if len(transact_items) > 100:
            raise TooManyTransactionsException()
        touched: list[tuple[str, dict[str, Any], dict[str, Any] | None]] = []
        seen: set[tuple[str, str]] = set()
        errors: list[tuple[str | None, str | None, Any]] = []

        def rollback() -> None:
            for table_name, key, before in reversed(touched):
                if before is None:
                    if self.get_item(table_name, key) is not None:
                        self.delete_item(table_name, key)
                else:
                    self.put_item(table_name, before)

        for item in transact_items:
            original: Any = None
            if len(item) > 1:
                raise TransactWriteSingleOpException
            try:
                op_type, op = next(iter(item.items()))
                if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                    raise ValueError("Unsupported transaction operation")
                table_name = op["TableName"]
                if op_type == "Put":
                    table = self.get_table(table_name)
                    attrs = op["Item"]
                    key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                    if table.range_key_attr is not None:
                        key[table.range_key_attr] = attrs[table.range_key_attr]
                else:
                    key = op["Key"]
                marker = (str(table_name), str(dict(sorted(key.items()))))
                if marker in seen:
                    raise MultipleTransactionsException()
                seen.add(marker)
                current = self.get_item(table_name, key)
                condition = op.get("ConditionExpression")
                names = op.get("ExpressionAttributeNames")
                values = op.get("ExpressionAttributeValues")
                if condition is not None and not filter_expression(condition, names, values).expr(current):
                    if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                        original = current.to_json()["Attributes"]
                    raise ConditionalCheckFailed(item=original)
                if op_type != "ConditionCheck":
                    before = copy.deepcopy(current.to_json()["Attributes"]) if current is not None else None
                    touched.append((table_name, key, before))
                if op_type == "Put":
                    self.put_item(
                        table_name,
                        op["Item"],
                        condition_expression=condition,
                        expression_attribute_names=names,
                        expression_attribute_values=values,
                    )
                elif op_type == "Delete":
                    self.delete_item(
                        table_name,
                        key,
                        condition_expression=condition,
                        expression_attribute_names=names,
                        expression_attribute_values=values,
                    )
                elif op_type == "Update":
                    self.update_item(
                        table_name,
                        key,
                        update_expression=op["UpdateExpression"],
                        condition_expression=condition,
                        expression_attribute_names=names,
                        expression_attribute_values=values,
                    )
                errors.append((None, None, None))
            except (MultipleTransactionsException, MockValidationException):
                rollback()
                raise
            except ConditionalCheckFailed as exc:
                errors.append(("ConditionalCheckFailed", str(exc.message), original))
            except Exception as exc:
                errors.append((type(exc).__name__, str(exc), original))
        if any(code is not None for code, _, _ in errors):
            rollback()
            raise TransactionCanceledException(errors)

    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    _canonical_numbers()
    _APPLIED = True


def _canonical_numbers() -> None:
    from decimal import Decimal

    from moto.dynamodb.models.dynamo_type import DynamoType

    original = DynamoType.__init__

    def init(self: Any, type_as_dict: Any) -> None:
        original(self, type_as_dict)
        if self.type == "N" and isinstance(self.value, str) and ("E" in self.value or "e" in self.value):
            self.value = format(Decimal(self.value).normalize(), "f")

    DynamoType.__init__ = init  # type: ignore[method-assign]
