"""The local run's console: its URL and demo sign-in in the banner, and the pool settings it signs in with."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from spidergate.dashboard.local_pool import LocalSignIn
from spidergate.local.run import dashboard_banner

SIGN_IN = LocalSignIn(
    pool_id="us-east-1_abc",
    client_id="client1",
    issuer="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc",
    jwks_url="http://127.0.0.1:5005/us-east-1_abc/.well-known/jwks.json",
    username="dev@spidergate.local",
    password="Sg-secret-9!",
    id_token="id.token.sig",
    access_token="access.token.sig",
    endpoint_url="http://127.0.0.1:5005",
)


def test_banner_prints_the_console_url_next_to_the_demo_sign_in() -> None:
    stack: Any = SimpleNamespace(
        demo=SimpleNamespace(brand_id="brd_demo"), moto=SimpleNamespace(url="http://127.0.0.1:5005")
    )
    text = dashboard_banner(stack, 8080, SIGN_IN)
    assert "Console: http://127.0.0.1:8080/console/" in text
    assert "sign in as dev@spidergate.local with password Sg-secret-9! (admin of brd_demo)" in text


def test_local_pool_settings_point_the_browser_at_moto_with_the_password_flow() -> None:
    env = SIGN_IN.settings_env()
    assert env["SPIDERGATE_COGNITO_BROWSER_ENDPOINT"] == "http://127.0.0.1:5005"
    assert env["SPIDERGATE_COGNITO_AUTH_FLOW"] == "USER_PASSWORD_AUTH"
    assert env["SPIDERGATE_COGNITO_AUDIENCE"] == "client1"
    without_server = LocalSignIn(**{**SIGN_IN.__dict__, "endpoint_url": None}).settings_env()
    assert "SPIDERGATE_COGNITO_BROWSER_ENDPOINT" not in without_server  # mock_aws: no browser to serve
