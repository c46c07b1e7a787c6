"""The brand dashboard API in-process (moto, real Cognito tokens): sessions and roles over every route."""

from __future__ import annotations

from collections.abc import Iterator

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from moto import mock_aws

from tests.functional.dashboard.harness import (
    AWS_ENV,
    READS,
    ROUTES,
    WRITES,
    Stack,
    build_stack,
    error_of,
)


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


async def test_access_tokens_are_refused_like_the_api_authorizer_does(stack: Stack) -> None:
    # API Gateway's Cognito authorizer (no OAuth scopes) admits ID tokens only; so does the function.
    r = await stack.call("alice_access", "GET", "brd_a", "/agents")
    assert r.status_code == 401, r.text
    assert "ID token" in r.json()["error"]["message"]
