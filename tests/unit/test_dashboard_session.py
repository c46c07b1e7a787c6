"""Dashboard session verification against a JWKS of our own (no network): what is accepted, what is 401."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from spidergate.dashboard.jwks import IdentityProviderUnavailable, JwksCache
from spidergate.dashboard.session import DashboardNotConfigured, SessionRejected, SessionVerifier
from spidergate.settings import Settings

ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool"
CLIENT = "dashclient123"
JWKS_URL = ISSUER + "/.well-known/jwks.json"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    public: dict[str, Any] = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {**public, "kid": kid, "alg": "RS256", "use": "sig"}


class Pool:
    """A fake user pool: signs tokens, serves its JWKS through an httpx MockTransport, counts fetches."""

    def __init__(self) -> None:
        self.keys = {"k1": new_key()}
        self.fetches = 0
        self.down = False

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.fetches += 1
        if self.down:
            return httpx.Response(503)
        assert str(request.url) == JWKS_URL
        return httpx.Response(200, json={"keys": [jwk(k, kid) for kid, k in self.keys.items()]})

    def token(
        self, *, kid: str = "k1", key: rsa.RSAPrivateKey | None = None, use: str = "id", **claims: Any
    ) -> str:
        now = int(time.time())
        body: dict[str, Any] = {
            "iss": ISSUER, "sub": "u-123", "token_use": use, "iat": now, "exp": now + 3600,
            "cognito:groups": ["brand:brd_a:admin"],
        }  # fmt: skip
        body.update(
            {"aud": CLIENT, "cognito:username": "alice"}
            if use == "id"
            else {"client_id": CLIENT, "username": "alice"}
        )
        body.update(claims)
        body = {k: v for k, v in body.items() if v is not None}
        return jwt.encode(body, key or self.keys[kid], algorithm="RS256", headers={"kid": kid})


@pytest.fixture
def pool() -> Pool:
    return Pool()


@pytest.fixture
def verifier(pool: Pool) -> SessionVerifier:
    http = httpx.AsyncClient(transport=httpx.MockTransport(pool.handler))
    return SessionVerifier(
        JwksCache(http, JWKS_URL, refetch_interval=30.0), issuer=ISSUER, client_ids=[CLIENT]
    )


async def rejected(verifier: SessionVerifier, header: str | None) -> SessionRejected:
    with pytest.raises(SessionRejected) as info:
        await verifier.verify(header)
    assert info.value.status == 401
    assert info.value.body()["error"]["type"] == "invalid_request_error"
    return info.value


async def test_id_token_gives_username_and_roles(pool: Pool, verifier: SessionVerifier) -> None:
    token = pool.token(**{"cognito:groups": ["brand:brd_a:admin", "other"], "custom:brands": "brd_b:viewer"})
    session = await verifier.verify(f"Bearer {token}")
    assert (session.subject, session.username, session.token_use) == ("u-123", "alice", "id")
    assert dict(session.roles) == {"brd_a": "admin", "brd_b": "viewer"}
    assert session.actor == "user:alice"


async def test_access_token_is_refused_as_by_the_api_authorizer(
    pool: Pool, verifier: SessionVerifier
) -> None:
    # One rule for both fronts: API Gateway's Cognito authorizer (no OAuth scopes) takes ID tokens only.
    error = await rejected(verifier, f"Bearer {pool.token(use='access')}")
    assert error.code == "invalid_session"
    assert "not a Cognito ID token" in error.message


async def test_bare_token_without_scheme_is_accepted(pool: Pool, verifier: SessionVerifier) -> None:
    # API Gateway's Cognito authorizer takes the raw token in the Authorization header.
    assert (await verifier.verify(pool.token())).username == "alice"


@pytest.mark.parametrize("header", [None, "", "Bearer ", "Bearer abc", "Basic dXNlcjpwYXNz", "Bearer a.b.c"])
async def test_missing_or_malformed_token_is_401(verifier: SessionVerifier, header: str | None) -> None:
    error = await rejected(verifier, header)
    assert error.code == "invalid_session"


async def test_expired_token_is_401_session_expired(pool: Pool, verifier: SessionVerifier) -> None:
    now = int(time.time())
    error = await rejected(verifier, f"Bearer {pool.token(iat=now - 7200, exp=now - 10)}")
    assert error.code == "session_expired"


@pytest.mark.parametrize(
    ("claims", "why"),
    [
        ({"aud": "another-client"}, "app client"),
        ({"iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other"}, "another user pool"),
        ({"token_use": "refresh"}, "not a Cognito ID token"),
        ({"token_use": None}, "not valid"),
        ({"exp": None}, "not valid"),
        ({"sub": None}, "not valid"),
        ({"iat": int(time.time()) + 600}, "not valid"),
    ],
)
async def test_wrong_claims_are_401(
    pool: Pool, verifier: SessionVerifier, claims: dict[str, Any], why: str
) -> None:
    error = await rejected(verifier, f"Bearer {pool.token(**claims)}")
    assert why in error.message


async def test_signature_by_another_key_is_401(pool: Pool, verifier: SessionVerifier) -> None:
    forged = pool.token(key=new_key())  # right kid, wrong private key
    error = await rejected(verifier, f"Bearer {forged}")
    assert "signature" in error.message


async def test_tampered_payload_is_401(pool: Pool, verifier: SessionVerifier) -> None:
    head, _, sig = pool.token().split(".")
    claims = jwt.decode(pool.token(), options={"verify_signature": False})
    claims["cognito:groups"] = ["brand:brd_victim:admin"]
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    await rejected(verifier, f"Bearer {head}.{body}.{sig}")


@pytest.mark.parametrize("alg", ["none", "HS256"])
async def test_other_algorithms_are_401(pool: Pool, verifier: SessionVerifier, alg: str) -> None:
    claims = jwt.decode(pool.token(), options={"verify_signature": False})
    secret = "x" * 32 if alg == "HS256" else None
    token = jwt.encode(claims, secret, algorithm=alg, headers={"kid": "k1"})
    await rejected(verifier, f"Bearer {token}")
    assert pool.fetches == 0  # refused before any key lookup


async def test_unknown_kid_refetches_once_then_waits(pool: Pool, verifier: SessionVerifier) -> None:
    await verifier.verify(f"Bearer {pool.token()}")
    assert pool.fetches == 1
    stranger = new_key()
    await rejected(verifier, f"Bearer {pool.token(kid='nope', key=stranger)}")
    await rejected(verifier, f"Bearer {pool.token(kid='nope2', key=stranger)}")
    assert pool.fetches == 1  # the first fetch is still within refetch_interval


async def test_rotated_pool_key_is_picked_up(pool: Pool) -> None:
    clock = [1000.0]
    http = httpx.AsyncClient(transport=httpx.MockTransport(pool.handler))
    jwks = JwksCache(http, JWKS_URL, ttl=3600, refetch_interval=30, clock=lambda: clock[0])
    verifier = SessionVerifier(jwks, issuer=ISSUER, client_ids=[CLIENT])
    await verifier.verify(f"Bearer {pool.token()}")
    pool.keys["k2"] = new_key()
    clock[0] += 31
    session = await verifier.verify(f"Bearer {pool.token(kid='k2')}")
    assert session.username == "alice"
    assert pool.fetches == 2


async def test_jwks_kept_when_refresh_fails(pool: Pool) -> None:
    clock = [1000.0]
    http = httpx.AsyncClient(transport=httpx.MockTransport(pool.handler))
    jwks = JwksCache(http, JWKS_URL, ttl=60, refetch_interval=10, clock=lambda: clock[0])
    verifier = SessionVerifier(jwks, issuer=ISSUER, client_ids=[CLIENT])
    await verifier.verify(f"Bearer {pool.token()}")
    pool.down = True
    clock[0] += 61
    assert (await verifier.verify(f"Bearer {pool.token()}")).username == "alice"
    assert pool.fetches == 2


async def test_unreachable_pool_is_503(pool: Pool, verifier: SessionVerifier) -> None:
    pool.down = True
    with pytest.raises(IdentityProviderUnavailable) as info:
        await verifier.verify(f"Bearer {pool.token()}")
    assert info.value.status == 503


async def test_unconfigured_deployment_refuses_every_token(pool: Pool) -> None:
    http = httpx.AsyncClient(transport=httpx.MockTransport(pool.handler))
    verifier = SessionVerifier.from_settings(Settings(cognito_issuer="", cognito_audience=""), http)
    with pytest.raises(DashboardNotConfigured):
        await verifier.verify(f"Bearer {pool.token()}")
    assert pool.fetches == 0


async def test_settings_wire_issuer_clients_and_default_jwks_url(pool: Pool) -> None:
    http = httpx.AsyncClient(transport=httpx.MockTransport(pool.handler))
    settings = Settings(cognito_issuer=ISSUER + "/", cognito_audience=f"other, {CLIENT}")
    verifier = SessionVerifier.from_settings(settings, http)
    assert verifier.jwks.url == JWKS_URL
    assert (await verifier.verify(f"Bearer {pool.token()}")).username == "alice"
