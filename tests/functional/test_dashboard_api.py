"""The brand dashboard API in-process: moto for DynamoDB, Secrets Manager and Cognito (real user-pool
tokens and JWKS), the sandbox upstream behind the gateway's HTTP client, chat and dashboard in one app."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import httpx
import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from moto import mock_aws

from spidergate.aws import AwsClients
from spidergate.dashboard.local_pool import add_member, create_app_client, create_local_sign_in, sign_in
from spidergate.local.sandbox import create_sandbox_app
from spidergate.local.tables import create_tables
from spidergate.runtime import Runtime
from spidergate.settings import Settings
from spidergate.web.app import DASHBOARD, create_app

REGION = "us-east-1"
SANDBOX = "http://sandbox.test/v1"
CHAT = "/api/gate/v1/chat/completions"
MODEL = "gpt-4o-mini"
PLACEHOLDERS = {"agent_id": "cli_0000000000000000", "key_id": "pk_0000000000000000"}


def route_table() -> list[tuple[str, str]]:
    """Every (method, path under the brand prefix) the mounted dashboard app serves."""
    settings = Settings(emit_metrics=False)
    app = create_app(["dashboard"], runtime=Runtime(settings=settings, aws=AwsClients(settings)))
    return sorted(
        (method.upper(), path.removeprefix(DASHBOARD))
        for path, operations in app.openapi()["paths"].items()
        if path.startswith(DASHBOARD)
        for method in operations
    )


ROUTES = route_table()
AWS_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION}
WRITES = [(m, p) for m, p in ROUTES if m != "GET"]
READS = [(m, p) for m, p in ROUTES if m == "GET"]


class JwksThroughMoto(httpx.AsyncBaseTransport):
    """The gateway's HTTP client: Cognito's JWKS from moto (``requests`` is what mock_aws intercepts),
    everything else to the in-process sandbox upstream."""

    def __init__(self, upstream: httpx.AsyncBaseTransport) -> None:
        self.upstream = upstream
        self.jwks_fetches = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host.startswith("cognito-idp."):
            self.jwks_fetches += 1
            got = await asyncio.to_thread(requests.get, str(request.url), timeout=5)
            return httpx.Response(
                got.status_code, content=got.content, headers={"content-type": "application/json"}
            )
        return await self.upstream.handle_async_request(request)


@dataclass
class Stack:
    rt: Runtime
    client: httpx.AsyncClient
    secrets: Any
    tokens: dict[str, str]  # who -> ID token
    other_client_token: str  # right pool, another app client

    def auth(self, who: str) -> dict[str, str]:
        return {"authorization": f"Bearer {self.tokens[who]}"}

    def url(self, brand_id: str, path: str) -> str:
        return DASHBOARD.format(brand_id=brand_id) + path.format(**PLACEHOLDERS)

    async def call(self, who: str, method: str, brand_id: str, path: str, **kwargs: Any) -> httpx.Response:
        return await self.client.request(method, self.url(brand_id, path), headers=self.auth(who), **kwargs)

    async def chat(self, bearer: str) -> httpx.Response:
        body = {"model": MODEL, "messages": [{"role": "user", "content": "hello"}]}
        return await self.client.post(CHAT, headers={"authorization": f"Bearer {bearer}"}, json=body)

    async def new_agent(self, brand_id: str = "brd_a", **body: Any) -> dict[str, Any]:
        r = await self.call("alice", "POST", brand_id, "/agents", json={"name": "bot", **body})
        assert r.status_code == 201, r.text
        created: dict[str, Any] = r.json()
        return created

    async def add_key(self, api_key: str, brand_id: str = "brd_a", **body: Any) -> dict[str, Any]:
        payload = {"provider": "openai", "api_key": api_key, "base_url": SANDBOX, **body}
        r = await self.call("alice", "POST", brand_id, "/vault/keys", json=payload)
        assert r.status_code == 201, r.text
        added: dict[str, Any] = r.json()
        return added


def build_stack() -> Stack:
    cognito = boto3.client("cognito-idp", region_name=REGION)
    sign = create_local_sign_in(cognito, region=REGION, brands={"brd_a": "admin"}, username="alice")
    tokens = {"alice": sign.id_token}
    for who, brands in {
        "victor": {"brd_a": "viewer"},
        "bob": {"brd_b": "admin"},
        "carol": {"brd_ghost": "admin"},
    }.items():
        password = add_member(cognito, sign.pool_id, who, brands)
        tokens[who] = sign_in(cognito, sign.client_id, who, password)["IdToken"]
    tokens["alice_access"] = sign.access_token
    other = create_app_client(cognito, sign.pool_id, "not-the-dashboard")
    settings = Settings(
        region=REGION, emit_metrics=False, allow_private_base_urls=True,
        cognito_issuer=sign.issuer, cognito_audience=sign.client_id, cognito_jwks_url=sign.jwks_url,
        ledger_http=False,  # mock_aws patches boto3 only
    )  # fmt: skip
    aws = AwsClients(settings)
    create_tables(aws.dynamodb, settings)
    http = httpx.AsyncClient(transport=JwksThroughMoto(httpx.ASGITransport(create_sandbox_app())))
    rt = Runtime(settings=settings, aws=aws, http_client=http)
    rt.records.create_brand("Brand A", brand_id="brd_a")
    rt.records.create_brand("Brand B", brand_id="brd_b")
    app = create_app(["chat", "dashboard"], runtime=rt)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://gateway.test")
    return Stack(
        rt=rt, client=client, secrets=aws.secrets, tokens=tokens,
        other_client_token=sign_in(cognito, other, "alice", sign.password)["IdToken"],
    )  # fmt: skip


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in AWS_ENV.items():
        monkeypatch.setenv(name, value)
    for name in (
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_DYNAMODB",
        "AWS_ENDPOINT_URL_SECRETS_MANAGER",
        "AWS_PROFILE",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def stack(aws_env: None) -> Iterator[Stack]:
    with mock_aws():
        yield build_stack()


def error_of(r: httpx.Response) -> dict[str, Any]:
    body = r.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"message", "type", "param", "code"}
    error: dict[str, Any] = body["error"]
    return error


# -- access control, over the whole route table ----------------------------------------------------
def test_route_table_covers_every_resource() -> None:
    paths = {p for _, p in ROUTES}
    assert {"/agents", "/agents/{agent_id}/revoke", "/vault/keys", "/vault/keys/{key_id}/disable", "/usage",
            "/traces", "/audit"} <= paths  # fmt: skip
    assert {("DELETE", "/vault/keys/{key_id}"), ("PATCH", "/agents/{agent_id}")} <= set(ROUTES)


class TestAccessOnEveryRoute:
    """Sessions and roles over the whole route table (one moto stack for the class, torn down after it)."""

    @pytest.fixture(scope="class")
    def shared_stack(self) -> Iterator[Stack]:
        """One stack for the whole table: these calls change nothing (403/401/400/404)."""
        with pytest.MonkeyPatch.context() as mp:
            for name, value in AWS_ENV.items():
                mp.setenv(name, value)
            with mock_aws():
                yield build_stack()

    @pytest.mark.parametrize(("method", "path"), ROUTES)
    async def test_other_brands_member_gets_403_on_every_route(
        self, shared_stack: Stack, method: str, path: str
    ) -> None:
        body = {} if method in ("POST", "PATCH") else None
        r = await shared_stack.call("bob", method, "brd_a", path, json=body)
        assert r.status_code == 403, r.text
        assert error_of(r)["type"] == "permission_error"
        # The same token on its own brand passes the check (the route is live, the check is per brand).
        own = await shared_stack.call("bob", method, "brd_b", path, json=body)
        assert own.status_code not in (401, 403), own.text

    @pytest.mark.parametrize(("method", "path"), WRITES)
    async def test_viewer_cannot_write(self, shared_stack: Stack, method: str, path: str) -> None:
        r = await shared_stack.call("victor", method, "brd_a", path, json={})
        assert r.status_code == 403
        assert error_of(r)["code"] == "admin_required"

    @pytest.mark.parametrize(("method", "path"), [r for r in READS if "{" not in r[1]])
    async def test_viewer_can_read(self, shared_stack: Stack, method: str, path: str) -> None:
        r = await shared_stack.call("victor", method, "brd_a", path)
        assert r.status_code == 200, r.text
        assert r.headers["cache-control"] == "no-store"

    @pytest.mark.parametrize("kind", ["none", "garbage", "wrong_signature", "wrong_audience"])
    @pytest.mark.parametrize(("method", "path"), ROUTES)
    async def test_missing_or_invalid_session_is_401(
        self, shared_stack: Stack, method: str, path: str, kind: str
    ) -> None:
        header = {
            "none": None,
            "garbage": "Bearer not-a-token",
            "wrong_signature": f"Bearer {forged_token(shared_stack)}",
            "wrong_audience": f"Bearer {shared_stack.other_client_token}",
        }[kind]
        headers = {"authorization": header} if header else {}
        r = await shared_stack.client.request(method, shared_stack.url("brd_a", path), headers=headers)
        assert r.status_code == 401, r.text
        assert error_of(r)["code"] == "invalid_session"


def forged_token(stack: Stack) -> str:
    """Alice's real claims, re-signed with a key of our own under moto's kid."""
    claims = jwt.decode(stack.tokens["alice"], options={"verify_signature": False})
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "dummy"})


async def test_gateway_bearer_is_not_a_session(stack: Stack) -> None:
    agent = await stack.new_agent()
    r = await stack.client.get(stack.url("brd_a", "/agents"), headers={
        "authorization": f"Bearer {agent['credentials']['bearer']}"})  # fmt: skip
    assert r.status_code == 401


async def test_access_tokens_work_too(stack: Stack) -> None:
    r = await stack.call("alice_access", "GET", "brd_a", "/agents")
    assert r.status_code == 200, r.text


# -- agents -----------------------------------------------------------------------------------------
async def test_created_agent_works_on_chat_and_revoke_is_immediate(stack: Stack) -> None:
    await stack.add_key("sk-sandbox-key-000001")
    created = await stack.new_agent(limits={"rpm": 100})
    cred = created["credentials"]
    assert cred["bearer"] == f"{cred['client_id']}:{cred['api_key']}:{cred['api_secret']}"
    assert created["agent"]["limits"]["rpm"] == 100
    assert (await stack.chat(cred["bearer"])).status_code == 200  # also caches the principal
    r = await stack.call("alice", "POST", "brd_a", f"/agents/{cred['client_id']}/revoke")
    assert r.status_code == 200
    assert r.json()["status"] == "revoked"
    after = await stack.chat(cred["bearer"])
    assert after.status_code == 401
    assert error_of(after)["code"] == "invalid_api_key"


async def test_rotate_issues_new_credentials_and_revokes_the_old(stack: Stack) -> None:
    await stack.add_key("sk-sandbox-key-000001")
    old = (await stack.new_agent())["credentials"]
    assert (await stack.chat(old["bearer"])).status_code == 200
    r = await stack.call("alice", "POST", "brd_a", f"/agents/{old['client_id']}/rotate")
    assert r.status_code == 200, r.text
    new = r.json()["credentials"]
    assert new["client_id"] == old["client_id"]
    assert new["api_secret"] != old["api_secret"]
    assert (await stack.chat(old["bearer"])).status_code == 401
    assert (await stack.chat(new["bearer"])).status_code == 200


async def test_update_merges_limits_and_budgets_and_is_audited(stack: Stack) -> None:
    agent_id = (await stack.new_agent(limits={"rpm": 10, "tpm": 1000}))["agent"]["agent_id"]
    path = f"/agents/{agent_id}"
    r = await stack.call(
        "alice", "PATCH", "brd_a", path, json={"limits": {"rpm": 5}, "budgets": {"daily_usd": 1.5}}
    )
    assert r.status_code == 200, r.text
    assert r.json()["limits"] == {"rpm": 5, "tpm": 1000, "concurrency": None}
    assert r.json()["budgets"] == {"daily_usd": 1.5, "monthly_usd": None}
    r = await stack.call("alice", "PATCH", "brd_a", path, json={"limits": {"tpm": None}, "name": "renamed"})
    assert (r.json()["limits"]["rpm"], r.json()["limits"]["tpm"], r.json()["name"]) == (5, None, "renamed")
    stored = stack.rt.records.require_agent("brd_a", agent_id)
    assert (stored.limits.rpm, stored.limits.tpm, str(stored.budgets.daily_usd)) == (5, None, "1.5")
    bad = await stack.call("alice", "PATCH", "brd_a", path, json={"limits": {"rpm": 0}})
    assert bad.status_code == 400
    assert error_of(bad)["type"] == "invalid_request_error"
    trail = (await stack.call("alice", "GET", "brd_a", "/audit")).json()["data"]
    assert [(e["action"], e["actor"], e["target"]) for e in trail[:3]] == [
        ("agent.update", "user:alice", agent_id), ("agent.update", "user:alice", agent_id),
        ("agent.create", "user:alice", agent_id),
    ]  # fmt: skip
    assert trail[1]["details"]["limits"] == {"rpm": 5, "tpm": 1000}


async def test_unknown_agent_is_404_and_other_brands_agent_is_invisible(stack: Stack) -> None:
    b_agent = (await stack.call("bob", "POST", "brd_b", "/agents", json={"name": "b"})).json()["agent"][
        "agent_id"
    ]
    r = await stack.call("alice", "POST", "brd_a", f"/agents/{b_agent}/revoke")
    assert r.status_code == 404
    assert stack.rt.records.require_agent("brd_b", b_agent).status == "active"


async def test_brand_missing_from_the_vault_is_404(stack: Stack) -> None:
    body = {"provider": "openai", "api_key": "sk-sandbox-key-000009", "base_url": SANDBOX}
    for path, payload in (("/agents", {"name": "x"}), ("/vault/keys", body)):
        r = await stack.call("carol", "POST", "brd_ghost", path, json=payload)
        assert r.status_code == 404, r.text
        assert error_of(r)["code"] == "brand_not_found"
    assert stack.rt.keyvault.list("brd_ghost") == []


# -- vault ------------------------------------------------------------------------------------------
async def test_added_key_is_used_by_the_router_and_never_shown(stack: Stack) -> None:
    secret = "sk-live-DO-NOT-LEAK-0123456789abcdef"
    bearer = (await stack.new_agent())["credentials"]["bearer"]
    assert (await stack.chat(bearer)).status_code != 200  # no key yet (and the empty view is cached)
    added = await stack.add_key(secret, label="primary")
    assert (added["status"], added["label"], added["provider"]) == ("healthy", "primary", "openai")
    served = await stack.chat(bearer)
    assert served.status_code == 200, served.text
    listing = await stack.call("alice", "GET", "brd_a", "/vault/keys")
    traces = await stack.call("alice", "GET", "brd_a", "/traces")
    audit = await stack.call("alice", "GET", "brd_a", "/audit")
    assert traces.json()["data"][0]["key_id"] == added["key_id"]
    for text in (json.dumps(added), listing.text, traces.text, audit.text):
        assert secret not in text
        assert secret[4:-4] not in text
    assert listing.json()["data"][0]["spend_this_month_usd"] > 0
    stored = stack.rt.keyvault.get("brd_a", added["key_id"])
    assert stack.rt.keyvault.material(stored) == secret  # the material went to Secrets Manager


async def test_disable_enable_update_delete_are_applied_and_audited(stack: Stack) -> None:
    bearer = (await stack.new_agent())["credentials"]["bearer"]
    key_id = (await stack.add_key("sk-sandbox-key-000002"))["key_id"]
    base = f"/vault/keys/{key_id}"
    r = await stack.call("alice", "POST", "brd_a", f"{base}/disable", json={"reason": "leaked in a commit"})
    assert (r.json()["status"], r.json()["disabled_reason"]) == ("disabled", "leaked in a commit")
    assert (await stack.chat(bearer)).status_code != 200
    r = await stack.call("alice", "POST", "brd_a", f"{base}/enable")
    assert r.json()["status"] == "healthy"
    assert (await stack.chat(bearer)).status_code == 200
    r = await stack.call(
        "alice", "PATCH", "brd_a", base, json={"label": "main", "priority": 5, "monthly_cap_usd": 20}
    )
    assert (r.json()["label"], r.json()["priority"], r.json()["monthly_cap_usd"]) == ("main", 5, 20.0)
    r = await stack.call("alice", "PATCH", "brd_a", base, json={"monthly_cap_usd": None})
    assert r.json()["monthly_cap_usd"] is None
    assert (await stack.call("alice", "PATCH", "brd_a", base, json={"label": None})).status_code == 400
    secret_name = stack.rt.keyvault.get("brd_a", key_id).secret_name
    r = await stack.call("alice", "DELETE", "brd_a", base)
    assert r.json() == {"object": "vault_key.deleted", "key_id": key_id, "deleted": True}
    assert (await stack.call("alice", "GET", "brd_a", "/vault/keys")).json()["data"] == []
    assert "DeletedDate" in stack.secrets.describe_secret(SecretId=secret_name)
    assert (await stack.call("alice", "DELETE", "brd_a", base)).status_code == 404
    trail = (await stack.call("alice", "GET", "brd_a", "/audit")).json()["data"]
    vault_actions = [e["action"] for e in trail if e["target"] == key_id]
    assert vault_actions == [
        "vault.remove",
        "vault.update",
        "vault.update",
        "vault.enable",
        "vault.disable",
        "vault.add",
    ]
    assert {e["actor"] for e in trail} == {"user:alice"}


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"provider": "nope", "api_key": "sk-x"}, "provider"),
        ({"provider": "openai", "api_key": ""}, "api_key"),
        ({"provider": "azure", "api_key": "sk-x"}, "base_url"),
        ({"provider": "openai", "api_key": "sk-x", "base_url": "ftp://x"}, "base_url"),
        ({"provider": "openai", "api_key": "sk-x", "priority": -1}, "priority"),
        ({"provider": "openai", "api_key": "sk-x", "secret_name": "x"}, "secret_name"),
    ],
)
async def test_vault_add_validates_input(stack: Stack, body: dict[str, Any], param: str) -> None:
    r = await stack.call("alice", "POST", "brd_a", "/vault/keys", json=body)
    assert r.status_code == 400
    assert error_of(r)["param"] == param
    assert "sk-x" not in r.text


# -- lists, usage, traces ---------------------------------------------------------------------------
async def collect(stack: Stack, path: str, limit: int) -> list[list[Any]]:
    pages: list[list[Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        body = (await stack.call("alice", "GET", "brd_a", path, params=params)).json()
        pages.append(body["data"])
        cursor = body["next_cursor"]
        assert body["has_more"] == (cursor is not None)
        if cursor is None:
            return pages


async def test_lists_paginate_with_opaque_cursors(stack: Stack) -> None:
    agent_ids = sorted([(await stack.new_agent())["agent"]["agent_id"] for _ in range(3)])
    for n in range(3):
        await stack.add_key(f"sk-sandbox-key-00001{n}", priority=n)
    agents = await collect(stack, "/agents", 2)
    assert [len(page) for page in agents] == [2, 1]
    assert [a["agent_id"] for page in agents for a in page] == agent_ids
    keys = await collect(stack, "/vault/keys", 2)
    assert [k["priority"] for page in keys for k in page] == [0, 1, 2]
    audit = await collect(stack, "/audit", 4)
    stamps = [e["at"] for page in audit for e in page]
    assert [len(page) for page in audit] == [4, 2]
    assert stamps == sorted(stamps, reverse=True)
    first = (await stack.call("alice", "GET", "brd_a", "/agents", params={"limit": 1})).json()["next_cursor"]
    for path, cursor in [("/audit", first), ("/agents", "bm90LWEtY3Vyc29y"), ("/vault/keys", first)]:
        r = await stack.call("alice", "GET", "brd_a", path, params={"cursor": cursor})
        assert r.status_code == 400, (path, r.text)
        assert error_of(r)["code"] == "invalid_cursor"


async def test_usage_aggregates_and_traces(stack: Stack) -> None:
    key_id = (await stack.add_key("sk-sandbox-key-000003"))["key_id"]
    first = (await stack.new_agent())["credentials"]
    second = (await stack.new_agent())["credentials"]
    for bearer in (first["bearer"], first["bearer"], second["bearer"]):
        assert (await stack.chat(bearer)).status_code == 200
    by_agent = (await stack.call("alice", "GET", "brd_a", "/usage", params={"by": "agent"})).json()
    requests_by_agent = {row["value"]: row["counts"]["requests"] for row in by_agent["data"]}
    assert requests_by_agent == {first["client_id"]: 2, second["client_id"]: 1}
    assert by_agent["totals"]["requests"] == 3
    assert by_agent["totals"]["cost"] > 0
    by_key = (await stack.call("alice", "GET", "brd_a", "/usage", params={"by": "key"})).json()
    assert [(r["value"], r["counts"]["requests"]) for r in by_key["data"]] == [(key_id, 3)]
    traces = (await stack.call("alice", "GET", "brd_a", "/traces")).json()["data"]
    assert [t["agent_id"] for t in traces] == [second["client_id"], first["client_id"], first["client_id"]]
    assert [(a["outcome"], a["key"]) for a in traces[0]["route"]] == [("success", "openai-" + key_id[-4:])]
    only = await stack.call(
        "alice", "GET", "brd_a", "/traces", params={"agent": first["client_id"], "status": "2xx"}
    )
    assert [t["agent_id"] for t in only.json()["data"]] == [first["client_id"]] * 2
    for params in ({"status": "error"}, {"fallback": "true"}, {"model": "claude-3-haiku"}):
        assert (await stack.call("alice", "GET", "brd_a", "/traces", params=params)).json()["data"] == []
    assert (
        len((await stack.call("alice", "GET", "brd_a", "/traces", params={"model": MODEL})).json()["data"])
        == 3
    )


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"from": "2025-01-01", "to": "2025-04-30"}, "range_too_long"),
        ({"from": "2025-02-01", "to": "2025-01-01"}, None),
        ({"from": "2025-13-01"}, None),
        ({"by": "colour"}, None),
    ],
)
async def test_usage_range_is_validated(stack: Stack, params: dict[str, str], code: str | None) -> None:
    r = await stack.call("alice", "GET", "brd_a", "/usage", params=params)
    assert r.status_code == 400, r.text
    if code:
        assert error_of(r)["code"] == code


async def test_usage_accepts_the_longest_range(stack: Stack) -> None:
    r = await stack.call("alice", "GET", "brd_a", "/usage", params={"from": "2025-01-01", "to": "2025-04-02"})
    assert r.status_code == 200, r.text
    assert (r.json()["start"], r.json()["end"], r.json()["totals"]["requests"]) == (
        "2025-01-01",
        "2025-04-02",
        0,
    )
