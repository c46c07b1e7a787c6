"""Shared by the brand dashboard API tests: moto for DynamoDB, Secrets Manager and Cognito (real
user-pool tokens and JWKS), the sandbox upstream behind the gateway's HTTP client, chat and dashboard in
one app."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import boto3
import httpx
import pytest
import requests

from spidergate.aws import AwsClients
from spidergate.dashboard.local_pool import add_member, create_app_client, create_local_sign_in, sign_in
from spidergate.local.sandbox import create_sandbox_app
from spidergate.local.stream_poller import StreamPoller
from spidergate.local.tables import create_tables
from spidergate.runtime import Runtime
from spidergate.settings import Settings
from spidergate.web.app import DASHBOARD, create_app

REGION = "us-east-1"
SANDBOX = "http://sandbox.test/v1"
CHAT = "/api/gate/v1/chat/completions"
MODEL = "gpt-4o-mini"
PLACEHOLDERS = {
    "agent_id": "cli_0000000000000000",
    "key_id": "pk_0000000000000000",
    "alias": "fast",
    "pat_id": "pat_0000000000000000",
}


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

    def fold_usage(self) -> int:
        """Fold the usage stream into the aggregates (the aggregate function's work once deployed)."""
        region = self.rt.settings.region
        streams = boto3.client(
            "dynamodbstreams",
            region_name=region,
            endpoint_url=f"https://streams.dynamodb.{region}.amazonaws.com",
        )
        return StreamPoller(self.rt.aws.dynamodb, streams, self.rt.settings.usage_table).drain()

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


def use_aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and region for moto; no endpoint override or profile from the environment."""
    for name, value in AWS_ENV.items():
        monkeypatch.setenv(name, value)
    for name in (
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_DYNAMODB",
        "AWS_ENDPOINT_URL_SECRETS_MANAGER",
        "AWS_PROFILE",
    ):
        monkeypatch.delenv(name, raising=False)


def error_of(r: httpx.Response) -> dict[str, Any]:
    body = r.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"message", "type", "param", "code"}
    error: dict[str, Any] = body["error"]
    return error
