"""Issue 12 #12: trusting moto's Cognito signing key is impossible outside the local stage."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from spidergate.local.run import dashboard_banner
from spidergate.settings import Settings

POOL = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123"
MOTO = "http://127.0.0.1:5005/us-east-1_AbC123"


@pytest.mark.parametrize(
    ("issuer", "jwks_url"),
    [
        (MOTO, ""),  # keys derived from a moto issuer
        (POOL, f"{MOTO}/.well-known/jwks.json"),  # a real issuer, keys from moto
        (POOL, "https://attacker.example/jwks.json"),
        ("https://cognito-idp.us-east-1.amazonaws.com.evil.test/us-east-1_x", ""),
    ],
)
@pytest.mark.parametrize("stage", ["dev", "prod", "test"])
def test_moto_trust_is_refused_outside_the_local_stage(stage: str, issuer: str, jwks_url: str) -> None:
    with pytest.raises(ValidationError, match="local"):
        Settings(stage=stage, cognito_issuer=issuer, cognito_jwks_url=jwks_url)


def test_real_pools_everywhere_and_moto_locally_are_accepted() -> None:
    assert Settings(stage="prod", cognito_issuer=POOL).cognito_issuer == POOL
    assert Settings(stage="prod", cognito_issuer=POOL, cognito_jwks_url=f"{POOL}/.well-known/jwks.json")
    assert Settings(stage="local", cognito_issuer=MOTO, cognito_jwks_url=f"{MOTO}/.well-known/jwks.json")
    assert Settings(stage="prod").cognito_issuer == ""  # dashboard not configured: nothing trusted


def test_the_local_banner_says_so() -> None:
    class Session:
        username, password, client_id, id_token = "admin", "pw", "client", "tok"

    class Stack:
        demo = None

        class moto:
            url = MOTO

    text = dashboard_banner(Stack(), 8080, Session())  # type: ignore[arg-type]
    assert "moto's Cognito signing key" in text and "anyone" in text and "'local' stage" in text
