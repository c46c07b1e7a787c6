"""Brands, agents, agent credentials and PATs in the vault table (hashes only, never secrets)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from spidergate import tokens
from spidergate.domain import Agent, Brand, Budgets, Limits
from spidergate.dynamo import from_item, to_item, values
from spidergate.errors import Conflict, InvalidRequest, NoCapacity, NotFound


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


_LOOKUP_ATTEMPTS = 4  # BatchGetItem rounds for keys left unprocessed under throttling


@dataclass(frozen=True)
class IssuedCredential:
    """Agent credentials as shown once at creation; only the secret's hash is stored."""

    client_id: str
    api_key: str
    api_secret: str

    @property
    def bearer(self) -> str:
        return f"{self.client_id}:{self.api_key}:{self.api_secret}"


@dataclass(frozen=True)
class CredentialRecord:
    agent_id: str
    credential_id: str
    secret_hash: str
    status: str


class Records:
    """Vault-table access for identities. ``ddb`` is a low-level DynamoDB client."""

    def __init__(self, ddb: Any, table: str) -> None:
        self.ddb = ddb
        self.table = table

    # -- brands ---------------------------------------------------------------------------
    def create_brand(self, name: str, brand_id: str | None = None) -> Brand:
        brand = Brand(brand_id=brand_id or tokens.new_id("brd"), name=name, created_at=now_iso())
        item = {"pk": f"BRAND#{brand.brand_id}", "sk": "BRAND", **brand.model_dump(mode="json")}
        try:
            self.ddb.put_item(
                TableName=self.table, Item=to_item(item), ConditionExpression="attribute_not_exists(pk)"
            )
        except self.ddb.exceptions.ConditionalCheckFailedException as exc:
            raise Conflict(f"brand {brand.brand_id} already exists") from exc
        return brand

    def get_brand(self, brand_id: str) -> Brand | None:
        got = self.ddb.get_item(TableName=self.table, Key=to_item({"pk": f"BRAND#{brand_id}", "sk": "BRAND"}))
        return Brand.model_validate(from_item(got["Item"])) if "Item" in got else None

    def require_brand(self, brand_id: str) -> Brand:
        brand = self.get_brand(brand_id)
        if brand is None:
            raise NotFound(f"brand {brand_id} not found", code="brand_not_found")
        return brand

    def set_brand_budgets(self, brand_id: str, budgets: Budgets) -> None:
        self._update(f"BRAND#{brand_id}", "BRAND", {"budgets": budgets.model_dump(mode="json")})

    # -- agents ---------------------------------------------------------------------------
    def create_agent(
        self, brand_id: str, name: str, limits: Limits | None = None, budgets: Budgets | None = None
    ) -> tuple[Agent, IssuedCredential]:
        self.require_brand(brand_id)
        agent = Agent(
            agent_id=tokens.new_id("cli"),
            brand_id=brand_id,
            name=name,
            limits=limits or Limits(),
            budgets=budgets or Budgets(),
            created_at=now_iso(),
        )
        item = {
            "pk": f"AGENT#{agent.agent_id}",
            "sk": "AGENT",
            "gsi1pk": f"BRAND#{brand_id}",
            "gsi1sk": f"AGENT#{agent.agent_id}",
            **agent.model_dump(mode="json"),
        }
        cred = self._new_credential(agent.agent_id)
        self.ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": self.table, "Item": to_item(item)}},
                {"Put": {"TableName": self.table, "Item": to_item(self._credential_item(cred))}},
            ]
        )
        return agent, cred

    def put_agent(self, agent: Agent) -> None:
        """Write an agent record as is (fixed ids: seeding, imports)."""
        item = {
            "pk": f"AGENT#{agent.agent_id}",
            "sk": "AGENT",
            "gsi1pk": f"BRAND#{agent.brand_id}",
            "gsi1sk": f"AGENT#{agent.agent_id}",
            **agent.model_dump(mode="json"),
        }
        self.ddb.put_item(TableName=self.table, Item=to_item(item))

    def put_credential(self, cred: IssuedCredential) -> None:
        """Store known credentials (their secret's hash only), e.g. the local demo's stable token."""
        self.ddb.put_item(TableName=self.table, Item=to_item(self._credential_item(cred)))

    def get_agent(self, agent_id: str) -> Agent | None:
        got = self.ddb.get_item(TableName=self.table, Key=to_item({"pk": f"AGENT#{agent_id}", "sk": "AGENT"}))
        return Agent.model_validate(from_item(got["Item"])) if "Item" in got else None

    def require_agent(self, brand_id: str, agent_id: str) -> Agent:
        agent = self.get_agent(agent_id)
        if agent is None or agent.brand_id != brand_id:
            raise NotFound(f"agent {agent_id} not found", code="agent_not_found")
        return agent

    def list_agents(
        self, brand_id: str, limit: int = 100, cursor: dict[str, Any] | None = None
    ) -> tuple[list[Agent], dict[str, Any] | None]:
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": "gsi1",
            "KeyConditionExpression": "gsi1pk = :pk AND begins_with(gsi1sk, :p)",
            "ExpressionAttributeValues": values({":pk": f"BRAND#{brand_id}", ":p": "AGENT#"}),
            "Limit": limit,
        }
        if cursor:
            kwargs["ExclusiveStartKey"] = cursor
        page = self.ddb.query(**kwargs)
        agents = [Agent.model_validate(from_item(i)) for i in page.get("Items", [])]
        return agents, page.get("LastEvaluatedKey")

    def update_agent(
        self,
        brand_id: str,
        agent_id: str,
        *,
        name: str | None = None,
        limits: Limits | None = None,
        budgets: Budgets | None = None,
    ) -> Agent:
        self.require_agent(brand_id, agent_id)
        changes: dict[str, Any] = {}
        if name is not None:
            changes["name"] = name
        if limits is not None:
            changes["limits"] = limits.model_dump(mode="json")
        if budgets is not None:
            changes["budgets"] = budgets.model_dump(mode="json")
        if changes:
            self._update(f"AGENT#{agent_id}", "AGENT", changes)
        return self.require_agent(brand_id, agent_id)

    def revoke_agent(self, brand_id: str, agent_id: str) -> None:
        """Revoke an agent and every credential it holds."""
        self.require_agent(brand_id, agent_id)
        self._update(f"AGENT#{agent_id}", "AGENT", {"status": "revoked"})
        for cred in self.list_credentials(agent_id):
            self._update(f"AGENT#{agent_id}", f"CRED#{cred.credential_id}", {"status": "revoked"})

    def rotate_secret(self, brand_id: str, agent_id: str) -> IssuedCredential:
        """Issue new credentials for an agent and revoke the old ones."""
        agent = self.require_agent(brand_id, agent_id)
        if agent.status != "active":
            raise InvalidRequest(f"agent {agent_id} is revoked")
        old = self.list_credentials(agent_id)
        cred = self._new_credential(agent_id)
        items: list[dict[str, Any]] = [
            {"Put": {"TableName": self.table, "Item": to_item(self._credential_item(cred))}}
        ]
        for c in old:
            items.append(
                {
                    "Update": {
                        "TableName": self.table,
                        "Key": to_item({"pk": f"AGENT#{agent_id}", "sk": f"CRED#{c.credential_id}"}),
                        "UpdateExpression": "SET #s = :r",
                        "ExpressionAttributeNames": {"#s": "status"},
                        "ExpressionAttributeValues": values({":r": "revoked"}),
                    }
                }
            )
        self.ddb.transact_write_items(TransactItems=items)
        return cred

    # -- credentials ----------------------------------------------------------------------
    def list_credentials(self, agent_id: str) -> list[CredentialRecord]:
        page = self.ddb.query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :p)",
            ExpressionAttributeValues=values({":pk": f"AGENT#{agent_id}", ":p": "CRED#"}),
        )
        return [self._cred(from_item(i)) for i in page.get("Items", [])]

    def lookup_credential(self, agent_id: str, api_key: str) -> tuple[CredentialRecord | None, Agent | None]:
        """The credential and its agent in one round trip (more only if DynamoDB leaves keys
        unprocessed under throttling: those are retried, and still-missing ones are a retryable
        503, never a 401 for a valid key)."""
        request: dict[str, Any] = {
            self.table: {
                "Keys": [
                    to_item({"pk": f"AGENT#{agent_id}", "sk": f"CRED#{api_key}"}),
                    to_item({"pk": f"AGENT#{agent_id}", "sk": "AGENT"}),
                ]
            }
        }
        cred: CredentialRecord | None = None
        agent: Agent | None = None
        for attempt in range(_LOOKUP_ATTEMPTS):
            got = self.ddb.batch_get_item(RequestItems=request)
            for raw in got.get("Responses", {}).get(self.table, []):
                item = from_item(raw)
                if item["sk"] == "AGENT":
                    agent = Agent.model_validate(item)
                else:
                    cred = self._cred(item)
            request = got.get("UnprocessedKeys") or {}
            if not request:
                return cred, agent
            time.sleep(min(0.2, 0.01 * 2**attempt))
        raise NoCapacity("Credential lookup throttled; retry the request.", headers={"retry-after": "1"})

    # -- personal access tokens -----------------------------------------------------------
    def create_pat(self, brand_id: str, agent_id: str, name: str = "") -> tuple[str, str]:
        """Create a PAT acting as ``agent_id``; returns ``(pat_id, token)``; only the hash is kept."""
        self.require_agent(brand_id, agent_id)
        token = tokens.new_pat()
        pat_id = tokens.new_id("pat")
        item = {
            "pk": f"PAT#{tokens.sha256_hex(token)}",
            "sk": "PAT",
            "gsi1pk": f"BRAND#{brand_id}",
            "gsi1sk": f"PAT#{pat_id}",
            "pat_id": pat_id,
            "brand_id": brand_id,
            "agent_id": agent_id,
            "name": name,
            "status": "active",
            "created_at": now_iso(),
        }
        self.ddb.put_item(TableName=self.table, Item=to_item(item))
        return pat_id, token

    def lookup_pat(self, token_hash: str) -> dict[str, Any] | None:
        got = self.ddb.get_item(TableName=self.table, Key=to_item({"pk": f"PAT#{token_hash}", "sk": "PAT"}))
        return from_item(got["Item"]) if "Item" in got else None

    def list_pats(self, brand_id: str) -> list[dict[str, Any]]:
        """The brand's PATs (id, agent, name, status, created_at; never a token or its hash)."""
        found: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": "gsi1",
            "KeyConditionExpression": "gsi1pk = :pk AND begins_with(gsi1sk, :p)",
            "ExpressionAttributeValues": values({":pk": f"BRAND#{brand_id}", ":p": "PAT#"}),
        }
        while True:
            page = self.ddb.query(**kwargs)
            for raw in page.get("Items", []):
                item = from_item(raw)
                found.append({k: item.get(k) for k in ("pat_id", "agent_id", "name", "status", "created_at")})
            if "LastEvaluatedKey" not in page:
                return found
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def revoke_pat(self, brand_id: str, pat_id: str) -> None:
        page = self.ddb.query(
            TableName=self.table,
            IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :pk AND gsi1sk = :sk",
            ExpressionAttributeValues=values({":pk": f"BRAND#{brand_id}", ":sk": f"PAT#{pat_id}"}),
        )
        items = page.get("Items", [])
        if not items:
            raise NotFound(f"PAT {pat_id} not found", code="pat_not_found")
        item = from_item(items[0])
        self._update(item["pk"], "PAT", {"status": "revoked"})

    # -- internals ------------------------------------------------------------------------
    def _new_credential(self, agent_id: str) -> IssuedCredential:
        return IssuedCredential(
            client_id=agent_id, api_key=tokens.new_id("key"), api_secret=tokens.new_secret()
        )

    def _credential_item(self, cred: IssuedCredential) -> dict[str, Any]:
        return {
            "pk": f"AGENT#{cred.client_id}",
            "sk": f"CRED#{cred.api_key}",
            "secret_hash": tokens.sha256_hex(cred.api_secret),
            "status": "active",
            "created_at": now_iso(),
            "issued_at": int(time.time()),
        }

    @staticmethod
    def _cred(item: dict[str, Any]) -> CredentialRecord:
        return CredentialRecord(
            agent_id=item["pk"].removeprefix("AGENT#"),
            credential_id=item["sk"].removeprefix("CRED#"),
            secret_hash=item["secret_hash"],
            status=item["status"],
        )

    def _update(self, pk: str, sk: str, changes: dict[str, Any]) -> None:
        names = {f"#k{i}": k for i, k in enumerate(changes)}
        vals = {f":v{i}": v for i, v in enumerate(changes.values())}
        self.ddb.update_item(
            TableName=self.table,
            Key=to_item({"pk": pk, "sk": sk}),
            UpdateExpression="SET " + ", ".join(f"#k{i} = :v{i}" for i in range(len(changes))),
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values(vals),
        )
