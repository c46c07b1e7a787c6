"""Real processes on loopback: moto server, the sandbox upstream, and the gateway under uvicorn.

Each test gets its own brand, agent and vault keys (random key material), so faults scripted on
the shared sandbox (matched by key) never leak between tests.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from spidergate.local.stack import LocalStack, free_port, moto_client, start_local_stack, wait_until_ready
from spidergate.vault import KeyVault, Records
from spidergate.vault.records import IssuedCredential

GATE = "/api/gate/v1"


@dataclass
class Gateway:
    url: str  # base URL of the OpenAI-compatible surface
    root: str
    log_path: Path
    process: subprocess.Popen[bytes]

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    demo = tmp_path_factory.mktemp("demo") / "demo.json"
    with start_local_stack(demo_file=demo, sandbox_process=True) as running:
        yield running


def _start_gateway(stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    port = free_port()
    log_path = tmp_path_factory.mktemp("gateway") / "gateway.log"
    env = {
        **os.environ,
        **stack.env,
        "SPIDERGATE_EMIT_METRICS": "false",
        "SPIDERGATE_AUTH_CACHE_TTL": "1",
        "SPIDERGATE_KEYS_CACHE_TTL": "1",
        "SPIDERGATE_LOG_LEVEL": "DEBUG",
        "SPIDERGATE_ROUTE_DEADLINE_SECONDS": "8",
        "SPIDERGATE_UPSTREAM_READ_TIMEOUT": "3",
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "spidergate.web.app:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    root = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(root + GATE + "/health", timeout=30)
        yield Gateway(root + GATE, root, log_path, process)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def gateway(stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    yield from _start_gateway(stack, tmp_path_factory)


@dataclass
class Admin:
    """Operator access to the embedded AWS: what the CLI does, for test setup."""

    stack: LocalStack
    records: Records = field(init=False)
    vault: KeyVault = field(init=False)

    def __post_init__(self) -> None:
        s = self.stack.settings
        ddb = moto_client("dynamodb", self.stack.moto.url, s.region)
        self.ddb = ddb
        self.records = Records(ddb, s.vault_table)
        self.vault = KeyVault(
            ddb,
            moto_client("secretsmanager", self.stack.moto.url, s.region),
            s.vault_table,
            secrets_prefix=s.secrets_prefix,
            allow_private_base_urls=True,
        )

    def scan(self, table: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"TableName": table}
        while True:
            page = self.ddb.scan(**kwargs)
            items.extend(page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


@pytest.fixture(scope="session")
def admin(stack: LocalStack) -> Admin:
    return Admin(stack)


@dataclass
class Tenant:
    """A fresh brand with one agent and sandbox-backed keys: ``keys`` maps label -> key material."""

    brand_id: str
    agent_id: str
    credential: IssuedCredential
    keys: dict[str, str]
    key_ids: dict[str, str]
    gateway: Gateway

    @property
    def token(self) -> str:
        return self.credential.bearer

    def client(self, **kw: Any) -> openai.OpenAI:
        return openai.OpenAI(base_url=self.gateway.url, api_key=self.token, max_retries=0, **kw)

    def async_client(self, **kw: Any) -> openai.AsyncOpenAI:
        return openai.AsyncOpenAI(base_url=self.gateway.url, api_key=self.token, max_retries=0, **kw)


class Sandbox:
    def __init__(self, url: str) -> None:
        self.url = url
        self.http = httpx.Client(base_url=url, timeout=10)

    def fault(self, fault: dict[str, Any], *, times: int = 1, **match: str) -> None:
        response = self.http.post("/_control/faults", json={"match": match, "times": times, "fault": fault})
        response.raise_for_status()

    def requests(self) -> list[dict[str, Any]]:
        data = self.http.get("/_control/requests").json()
        return list(data["requests"] if isinstance(data, dict) else data)


@pytest.fixture(scope="session")
def sandbox(stack: LocalStack) -> Sandbox:
    return Sandbox(stack.sandbox.url)


DEFAULT_KEYS = (
    ("openai-1", "openai", "/v1"),
    ("openai-2", "openai", "/v1"),
    ("anthropic-1", "anthropic", ""),
    ("groq-1", "groq", "/v1"),
)


@pytest.fixture
def make_tenant(admin: Admin, gateway: Gateway, stack: LocalStack) -> Any:
    def make(keys: tuple[tuple[str, str, str], ...] = DEFAULT_KEYS, **agent: Any) -> Tenant:
        brand = admin.records.create_brand(f"test-{secrets.token_hex(3)}")
        created, cred = admin.records.create_agent(brand.brand_id, "agent", **agent)
        materials: dict[str, str] = {}
        ids: dict[str, str] = {}
        for priority, (label, provider, suffix) in enumerate(keys):
            material = f"sk-test-{label}-{secrets.token_hex(8)}"
            key = admin.vault.add(
                brand.brand_id,
                provider,
                material,
                label=label,
                base_url=stack.sandbox.url + suffix,
                priority=100 + priority // 10,
            )
            materials[label] = material
            ids[label] = key.key_id
        return Tenant(brand.brand_id, created.agent_id, cred, materials, ids, gateway)

    return make


def key_hash_of(material: str) -> str:
    """How the sandbox records a key (it never stores the key itself)."""
    from spidergate.local.sandbox.state import key_hash

    return key_hash(material)


def records_of(admin: Admin, brand_id: str) -> list[Any]:
    """The brand's usage records, newest first (what the dashboard's traces show)."""
    import asyncio

    from spidergate.usage.reports import UsageReports

    reports = UsageReports(admin.ddb, admin.stack.settings.usage_table)
    return asyncio.run(reports.traces(brand_id, limit=200)).records


def wait_for_records(admin: Admin, brand_id: str, count: int, timeout: float = 5.0) -> list[Any]:
    import time

    deadline = time.monotonic() + timeout
    while True:
        found = records_of(admin, brand_id)
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


@pytest.fixture(scope="session")
def gateway2(stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """A second gateway process on the same moto server: another "Lambda container"."""
    yield from _start_gateway(stack, tmp_path_factory)
