"""A brand's pooled provider keys: metadata in DynamoDB, key material in Secrets Manager."""

from __future__ import annotations

import builtins
import contextlib
import json
from decimal import Decimal
from typing import Any

from spidergate import tokens
from spidergate.domain import ProviderKey
from spidergate.dynamo import from_item, to_item, values
from spidergate.errors import InvalidRequest, NotFound
from spidergate.vault import model_cooldowns
from spidergate.vault.records import now_iso
from spidergate.vault.urls import check_base_url

_EDITABLE = {"label", "priority", "monthly_cap_usd", "monthly_token_cap", "free_tier", "base_url"}


class KeyVault:
    """Provider keys of every brand. ``ddb`` and ``secrets`` are low-level boto3 clients."""

    def __init__(
        self, ddb: Any, secrets: Any, table: str, *, secrets_prefix: str, allow_private_base_urls: bool
    ) -> None:
        self.ddb = ddb
        self.secrets = secrets
        self.table = table
        self.secrets_prefix = secrets_prefix
        self.allow_private = allow_private_base_urls

    def add(
        self,
        brand_id: str,
        provider: str,
        api_key: str,
        *,
        label: str = "",
        base_url: str | None = None,
        priority: int = 100,
        monthly_cap_usd: Decimal | None = None,
        monthly_token_cap: int | None = None,
        free_tier: bool = False,
        actor: str = "cli",
    ) -> ProviderKey:
        """Store ``api_key`` in Secrets Manager and its metadata in the vault table."""
        if not api_key.strip():
            raise InvalidRequest("api_key must not be empty", param="api_key")
        if base_url:
            base_url = check_base_url(base_url, allow_private=self.allow_private)
        key_id = tokens.new_id("pk")
        secret_name = f"{self.secrets_prefix}/{brand_id}/{key_id}"
        self.secrets.create_secret(
            Name=secret_name,
            SecretString=json.dumps({"api_key": api_key}),
            Tags=[
                {"Key": "spidergate:brand", "Value": brand_id},
                {"Key": "spidergate:provider", "Value": provider},
            ],
        )
        key = ProviderKey(
            brand_id=brand_id,
            key_id=key_id,
            provider=provider,
            label=label or f"{provider}-{key_id[-4:]}",
            masked=tokens.mask(api_key),
            secret_name=secret_name,
            priority=priority,
            base_url=base_url,
            monthly_cap_usd=monthly_cap_usd,
            monthly_token_cap=monthly_token_cap,
            free_tier=free_tier,
            created_at=now_iso(),
        )
        item = {"pk": f"BRAND#{brand_id}", "sk": f"PKEY#{provider}#{key_id}", **key.model_dump(mode="json")}
        self.ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": self.table, "Item": to_item(item)}},
                {
                    "Put": {
                        "TableName": self.table,
                        "Item": to_item(
                            self._audit(
                                brand_id,
                                actor,
                                "vault.add",
                                key_id,
                                {"provider": provider, "label": key.label},
                            )
                        ),
                    }
                },
            ]
        )
        return key

    def list(self, brand_id: str, provider: str | None = None) -> builtins.list[ProviderKey]:
        """The brand's keys (all providers, or one), lowest priority value first."""
        prefix = f"PKEY#{provider}#" if provider else "PKEY#"
        items: builtins.list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :p)",
            "ExpressionAttributeValues": values({":pk": f"BRAND#{brand_id}", ":p": prefix}),
        }
        while True:
            page = self.ddb.query(**kwargs)
            items.extend(page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        keys = [ProviderKey.model_validate(model_cooldowns.gather(from_item(i))) for i in items]
        return sorted(keys, key=lambda k: (k.priority, k.created_at, k.key_id))

    def get(self, brand_id: str, key_id: str) -> ProviderKey:
        for key in self.list(brand_id):
            if key.key_id == key_id:
                return key
        raise NotFound(f"vault key {key_id} not found", code="key_not_found")

    def material(self, key: ProviderKey) -> str:
        """The key's secret material (callers cache it; see ``SecretCache``)."""
        raw = self.secrets.get_secret_value(SecretId=key.secret_name)["SecretString"]
        return str(json.loads(raw)["api_key"])

    def update(self, brand_id: str, key_id: str, changes: dict[str, Any], actor: str = "cli") -> ProviderKey:
        unknown = set(changes) - _EDITABLE
        if unknown:
            raise InvalidRequest(f"cannot change {', '.join(sorted(unknown))}")
        key = self.get(brand_id, key_id)
        if changes.get("base_url"):
            changes["base_url"] = check_base_url(changes["base_url"], allow_private=self.allow_private)
        self._set(key, changes, actor, "vault.update")
        return self.get(brand_id, key_id)

    def disable(self, brand_id: str, key_id: str, reason: str, actor: str = "cli") -> ProviderKey:
        key = self.get(brand_id, key_id)
        self._set(key, {"status": "disabled", "disabled_reason": reason}, actor, "vault.disable")
        return self.get(brand_id, key_id)

    def enable(self, brand_id: str, key_id: str, actor: str = "cli") -> ProviderKey:
        key = self.get(brand_id, key_id)
        self._set(
            key,
            {
                "status": "active",
                "disabled_reason": None,
                "cooldown_until": 0,
                **model_cooldowns.clear_all(key),
            },
            actor,
            "vault.enable",
        )
        return self.get(brand_id, key_id)

    def remove(self, brand_id: str, key_id: str, actor: str = "cli") -> None:
        """Delete the key's record and schedule its secret for deletion (7-day recovery window)."""
        key = self.get(brand_id, key_id)
        self.ddb.transact_write_items(
            TransactItems=[
                {
                    "Delete": {
                        "TableName": self.table,
                        "Key": to_item({"pk": f"BRAND#{brand_id}", "sk": f"PKEY#{key.provider}#{key_id}"}),
                    }
                },
                {
                    "Put": {
                        "TableName": self.table,
                        "Item": to_item(
                            self._audit(brand_id, actor, "vault.remove", key_id, {"label": key.label})
                        ),
                    }
                },
            ]
        )
        self.secrets.delete_secret(SecretId=key.secret_name, RecoveryWindowInDays=7)

    # -- router feedback (conditional, shared across containers) --------------------------
    def cool_down(self, key: ProviderKey, until: float) -> None:
        """Extend the key's cooldown to ``until`` unless another container set a later one."""
        # A failed condition means another container already set a later cooldown.
        with contextlib.suppress(self.ddb.exceptions.ConditionalCheckFailedException):
            self.ddb.update_item(
                TableName=self.table,
                Key=to_item({"pk": f"BRAND#{key.brand_id}", "sk": f"PKEY#{key.provider}#{key.key_id}"}),
                UpdateExpression="SET cooldown_until = :u",
                ConditionExpression="attribute_exists(pk) AND (attribute_not_exists(cooldown_until) OR cooldown_until < :u)",
                ExpressionAttributeValues=values({":u": Decimal(str(round(until, 3)))}),
            )

    def cool_model(self, key: ProviderKey, model_id: str, until: float, reason: str) -> None:
        """Bench one model on the key (per-model limits, a model this key cannot reach)."""
        model_cooldowns.cool_model(self.ddb, self.table, key, model_id, until, reason)

    def mark_disabled(self, key: ProviderKey, reason: str) -> None:
        """Disable a key the provider refused (invalid, out of credit); audited as the router."""
        # Cancelled: already disabled (by another container) or removed.
        with contextlib.suppress(self.ddb.exceptions.TransactionCanceledException):
            self._set(
                key,
                {"status": "disabled", "disabled_reason": reason},
                "router",
                "vault.auto_disable",
                condition_active=True,
            )

    # -- audit ----------------------------------------------------------------------------
    def audit_trail(
        self, brand_id: str, limit: int = 50, cursor: dict[str, Any] | None = None
    ) -> tuple[builtins.list[dict[str, Any]], dict[str, Any] | None]:
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :p)",
            "ExpressionAttributeValues": values({":pk": f"BRAND#{brand_id}", ":p": "AUDIT#"}),
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if cursor:
            kwargs["ExclusiveStartKey"] = cursor
        page = self.ddb.query(**kwargs)
        entries: builtins.list[dict[str, Any]] = []
        for raw in page.get("Items", []):
            item = from_item(raw)
            entries.append({k: item[k] for k in ("at", "actor", "action", "target", "details") if k in item})
        return entries, page.get("LastEvaluatedKey")

    def record_audit(
        self, brand_id: str, actor: str, action: str, target: str, details: dict[str, Any]
    ) -> None:
        self.ddb.put_item(
            TableName=self.table, Item=to_item(self._audit(brand_id, actor, action, target, details))
        )

    @staticmethod
    def _audit(
        brand_id: str, actor: str, action: str, target: str, details: dict[str, Any]
    ) -> dict[str, Any]:
        at = now_iso()
        return {
            "pk": f"BRAND#{brand_id}",
            "sk": f"AUDIT#{at}#{tokens.new_id('ev', 4)}",
            "at": at,
            "actor": actor,
            "action": action,
            "target": target,
            "details": details,
        }

    def _set(
        self,
        key: ProviderKey,
        changes: dict[str, Any],
        actor: str,
        action: str,
        condition_active: bool = False,
    ) -> None:
        sets = {k: v for k, v in changes.items() if v is not None}
        removes = [k for k, v in changes.items() if v is None]
        names = {f"#k{i}": k for i, k in enumerate([*sets, *removes])}
        expr = []
        if sets:
            expr.append("SET " + ", ".join(f"#k{i} = :v{i}" for i in range(len(sets))))
        if removes:
            expr.append("REMOVE " + ", ".join(f"#k{len(sets) + i}" for i in range(len(removes))))
        vals = {f":v{i}": v for i, v in enumerate(sets.values())}
        condition = "attribute_exists(pk)"
        if condition_active:
            names["#st"] = "status"
            vals[":active"] = "active"
            condition += " AND #st = :active"
        update: dict[str, Any] = {
            "TableName": self.table,
            "Key": to_item({"pk": f"BRAND#{key.brand_id}", "sk": f"PKEY#{key.provider}#{key.key_id}"}),
            "UpdateExpression": " ".join(expr),
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
        }
        if vals:
            update["ExpressionAttributeValues"] = values(vals)
        audit = self._audit(
            key.brand_id,
            actor,
            action,
            key.key_id,
            {k: (str(v) if isinstance(v, Decimal) else v) for k, v in changes.items()},
        )
        self.ddb.transact_write_items(
            TransactItems=[{"Update": update}, {"Put": {"TableName": self.table, "Item": to_item(audit)}}]
        )
