"""The console in a real headless Chromium against the real local stack: moto (DynamoDB, Secrets
Manager, Cognito), the sandbox upstream and the gateway under uvicorn with every endpoint group."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from spidergate.dashboard.local_pool import LocalSignIn, add_member, create_local_sign_in
from spidergate.local.stack import (
    LocalStack,
    Running,
    free_port,
    moto_client,
    start_gateway,
    start_local_stack,
)
from spidergate.web.console_files import DIST, INDEX
from tests.browser.driver import browser_available
from tests.integration.conftest import Admin

pytestmark = pytest.mark.integration


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    missing = []
    if not browser_available():
        missing.append("chromium and chromedriver (make browser)")
    if not (DIST / INDEX).is_file():
        missing.append("the built console (make console)")
    if missing:
        # `make test` provides both; a bare pytest run without them says what to do.
        skip = pytest.mark.skip(reason="needs " + " and ".join(missing))
        for item in items:
            if "tests/browser" in str(item.fspath):
                item.add_marker(skip)


@dataclass(frozen=True)
class Member:
    username: str
    password: str


@dataclass(frozen=True)
class ConsoleStack:
    stack: LocalStack
    gateway: Running
    admin: Admin
    sign_in: LocalSignIn
    fresh_brand_id: str  # the owner's empty brand (the end-to-end flow starts from nothing)
    brand_id: str  # the owner's other brand, where the viewer is a viewer
    other_brand_id: str  # a brand the console's users are not members of
    owner: Member  # admin of both
    viewer: Member  # viewer of brand_id

    @property
    def root(self) -> str:
        return self.gateway.url

    @property
    def gate(self) -> str:
        return self.gateway.url + "/api/gate/v1"


@pytest.fixture(scope="session")
def console_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleStack]:
    demo = Path(tmp_path_factory.mktemp("console-demo")) / "demo.json"
    with start_local_stack(demo_file=demo, sandbox_process=True) as stack:
        admin = Admin(stack)
        fresh = admin.records.create_brand(f"fresh-{secrets.token_hex(3)}").brand_id
        brand = admin.records.create_brand(f"console-{secrets.token_hex(3)}").brand_id
        other = admin.records.create_brand(f"other-{secrets.token_hex(3)}").brand_id
        cognito = moto_client("cognito-idp", stack.moto.url, stack.settings.region)
        sign_in = create_local_sign_in(
            cognito,
            region=stack.settings.region,
            brands={fresh: "admin", brand: "admin"},
            username="owner@example.com",
            endpoint_url=stack.moto.url,
        )
        viewer_name = "viewer@example.com"
        viewer = Member(viewer_name, add_member(cognito, sign_in.pool_id, viewer_name, {brand: "viewer"}))
        env = {
            **stack.env,
            **sign_in.settings_env(),
            "SPIDERGATE_AUTH_CACHE_TTL": "1",
            "SPIDERGATE_KEYS_CACHE_TTL": "1",
        }
        with start_gateway(env, port=free_port()) as gateway:
            yield ConsoleStack(
                stack,
                gateway,
                admin,
                sign_in,
                fresh,
                brand,
                other,
                Member(sign_in.username, sign_in.password),
                viewer,
            )
