"""events/*.json replayed through the real handler files (functions/<group>/app.py) under moto.

Public catalog events must answer 200 with the catalog; every other event, replayed with its
placeholders left in, must reach the app and be refused with a 401 in the OpenAI error shape
(proving the route, the base64 body and the auth wiring end to end without real credentials).
"""

from __future__ import annotations

import asyncio
import base64
import importlib.util
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from mangum import Mangum
from moto import mock_aws

from spidergate.aws import make_client
from spidergate.local.tables import create_tables
from spidergate.settings import get_settings
from tests.template.cfn import EVENTS, ROOT

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
GROUP_OF = {
    "/api/gate/anthropic": "chat",
    "/api/gate/v1/chat/": "chat",
    "/api/gate/v1/embeddings": "embeddings",
    "/api/gate/v1/images/": "media",
    "/api/gate/v1/audio/": "media",
    "/api/gate/v1/uploads": "media",
    "/api/gate/v1/": "catalog",
    "/api/v1/brands/": "dashboard",
    "/console": "dashboard",
}
PUBLIC = ("health", "models-list", "model-get", "aliases", "providers")
CONSOLE = ("console", "console-config")  # the console's page and sign-in config: public too
PROBES = (
    "anthropic-probe",
    "anthropic-base",
)  # the Anthropic base URL answers a HEAD probe without credentials


def _group(event: dict[str, Any]) -> str:
    return next(group for prefix, group in GROUP_OF.items() if event["resource"].startswith(prefix))


def _load(group: str) -> ModuleType:
    path = ROOT / "functions" / group / "app.py"
    spec = importlib.util.spec_from_file_location(f"function_{group}_app", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def handlers(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], Handler]]:
    """The functions' handlers on moto, with the tables of template.yaml; built on first use."""
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "SPIDERGATE_EMIT_METRICS": "false",
        "SPIDERGATE_VAULT_TABLE": "replay-vault",
        "SPIDERGATE_USAGE_TABLE": "replay-usage",
        # As the template sets them for the dashboard function (a pool that does not exist).
        "SPIDERGATE_COGNITO_ISSUER": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_REPLAY",
        "SPIDERGATE_COGNITO_AUDIENCE": "replayclient",
        "SPIDERGATE_COGNITO_JWKS_URL": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_REPLAY/.well-known/jwks.json",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)  # Mangum asks for the current loop when it is built
    built: dict[str, Handler] = {}

    def handler(group: str) -> Handler:
        if group not in built:
            module = _load(group)
            # Chat and media serve their ASGI app through uvicorn (Web Adapter); replay it buffered.
            web_adapter = group in ("chat", "media")
            built[group] = Mangum(module.app, lifespan="off") if web_adapter else module.handler
        return built[group]

    with mock_aws():
        create_tables(make_client("dynamodb", get_settings()), get_settings())
        yield handler
    asyncio.set_event_loop(None)
    loop.close()
    get_settings.cache_clear()


def _event(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text())
    return loaded


def _json(response: dict[str, Any]) -> Any:
    body = response["body"]
    return json.loads(base64.b64decode(body) if response["isBase64Encoded"] else body)


@pytest.mark.parametrize("name", PUBLIC)
def test_public_catalog_events_answer_200(handlers: Callable[[str], Handler], name: str) -> None:
    event = _event(name)
    response = handlers(_group(event))(event, None)
    assert response["statusCode"] == 200, response["body"]
    assert response["headers"]["content-type"].startswith("application/json")
    body = _json(response)
    if name == "health":
        assert body["status"] == "healthy"
    elif name == "model-get":
        assert body["id"] == event["pathParameters"]["model_id"]
    else:
        assert body["object"] == "list"
        assert body["data"]
    if name == "models-list":
        assert len(body["data"]) <= int(event["queryStringParameters"]["limit"])
        assert {m["spidergate_info"]["provider"] for m in body["data"]} == {"openai"}


@pytest.mark.parametrize(
    "path",
    [p for p in sorted(EVENTS.glob("*.json")) if p.stem not in PUBLIC + CONSOLE + PROBES],
    ids=lambda p: p.stem,
)
def test_protected_events_reach_the_app_and_are_refused_without_credentials(
    handlers: Callable[[str], Handler], path: Path
) -> None:
    event = json.loads(path.read_text())
    response = handlers(_group(event))(event, None)
    assert response["statusCode"] == 401, response["body"]
    body = _json(response)
    error = body["error"]
    if event["resource"].startswith("/api/gate/anthropic"):
        assert body["type"] == "error" and error["type"] == "authentication_error"  # Anthropic's shape
        assert set(error) == {"message", "type"}
    else:
        assert set(error) >= {"message", "type", "code"}
    assert "{{" not in error["message"]  # the token is never echoed back


def test_console_events_redirect_to_the_page_and_serve_the_sign_in_config(
    handlers: Callable[[str], Handler],
) -> None:
    root = handlers("dashboard")(_event("console"), None)
    assert root["statusCode"] == 308
    assert root["headers"]["location"] == "console/"  # relative: stays under the stage
    config = handlers("dashboard")(_event("console-config"), None)
    assert config["statusCode"] == 200, config["body"]
    assert _json(config) == {
        "region": "us-east-1",
        "user_pool_id": "us-east-1_REPLAY",
        "client_id": "replayclient",
        "endpoint": None,
        "auth_flow": "USER_SRP_AUTH",
    }


def test_anthropic_probe_answers_200(handlers: Callable[[str], Handler]) -> None:
    event = _event("anthropic-probe")
    response = handlers(_group(event))(event, None)
    assert response["statusCode"] == 200
