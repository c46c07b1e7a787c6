"""The console's files through the dashboard app: caching, security headers, config, refusals."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from spidergate.aws import AwsClients
from spidergate.runtime import Runtime
from spidergate.settings import Settings
from spidergate.web import console
from spidergate.web.app import create_app
from spidergate.web.console_files import ConsoleFiles

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Console1"
INDEX = b'<!doctype html><script type="module" src="./assets/index-AbC123.js"></script>'


@pytest.fixture
def built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_bytes(INDEX)
    (tmp_path / "assets" / "index-AbC123.js").write_bytes(b"console.log('hi');" * 100)
    (tmp_path / "assets" / "index-Xy9.css").write_bytes(b"body{margin:0}")
    (tmp_path / "secret.txt").write_bytes(b"not part of the build")
    monkeypatch.setattr(console, "_FILES", ConsoleFiles(tmp_path))
    return tmp_path


def _client(**settings: str) -> httpx.AsyncClient:
    s = Settings(emit_metrics=False, **settings)  # type: ignore[arg-type]
    app = create_app(["dashboard"], runtime=Runtime(settings=s, aws=AwsClients(s)))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://console.test")


def _configured() -> httpx.AsyncClient:
    return _client(cognito_issuer=ISSUER, cognito_audience="app1")


async def test_console_without_slash_redirects_relatively(built: Path) -> None:
    async with _configured() as http:
        response = await http.get("/console")
    assert response.status_code == 308
    assert response.headers["location"] == "console/"


async def test_index_is_never_cached_and_locks_the_page_down(built: Path) -> None:
    async with _configured() as http:
        for path in ("/console/", "/console/index.html"):
            response = await http.get(path)
            assert response.status_code == 200
            assert response.content == INDEX
            assert response.headers["content-type"] == "text/html; charset=utf-8"
            assert response.headers["cache-control"] == "no-cache"
            csp = response.headers["content-security-policy"]
            assert "script-src 'self'" in csp
            assert "connect-src 'self' https://cognito-idp.us-east-1.amazonaws.com;" in csp
            assert "frame-ancestors 'none'" in csp
            assert response.headers["x-frame-options"] == "DENY"


async def test_hashed_assets_are_cached_for_a_year(built: Path) -> None:
    async with _configured() as http:
        js = await http.get("/console/assets/index-AbC123.js")
        css = await http.get("/console/assets/index-Xy9.css")
    assert js.status_code == css.status_code == 200
    assert js.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert js.headers["content-type"] == "application/javascript; charset=utf-8"
    assert css.headers["content-type"] == "text/css; charset=utf-8"
    assert js.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    "path",
    [
        "/console/secret.txt",
        "/console/assets/missing.js",
        "/console/assets/../secret.txt",
        "/console/assets/%2e%2e/secret.txt",
        "/console/vault",
    ],
)
async def test_anything_outside_the_build_is_not_found(built: Path, path: str) -> None:
    async with _configured() as http:
        response = await http.get(path)
    assert response.status_code == 404
    assert b"not part of the build" not in response.content
    assert response.json()["error"]["code"] == "not_found"


async def test_config_names_the_pool_and_is_not_cached(built: Path) -> None:
    async with _configured() as http:
        response = await http.get("/console/config.json")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.json() == {
        "region": "us-east-1",
        "user_pool_id": "us-east-1_Console1",
        "client_id": "app1",
        "endpoint": None,
        "auth_flow": "USER_SRP_AUTH",
    }


async def test_without_a_user_pool_the_page_loads_and_config_says_why(built: Path) -> None:
    async with _client() as http:
        page = await http.get("/console/")
        config = await http.get("/console/config.json")
    assert page.status_code == 200
    assert "connect-src 'self';" in page.headers["content-security-policy"]
    assert config.status_code == 503
    assert config.json()["error"]["code"] == "dashboard_not_configured"


async def test_an_unbuilt_console_answers_503_saying_how_to_build_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(console, "_FILES", ConsoleFiles(tmp_path / "nothing"))
    async with _configured() as http:
        response = await http.get("/console/")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "console_not_built"
    assert "make console" in response.json()["error"]["message"]
