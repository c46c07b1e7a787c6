"""The local run's dashboard sign-in: a moto server's user pool, its tokens verified over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer

from spidergate.dashboard.local_pool import create_local_sign_in, sign_in
from spidergate.dashboard.session import SessionRejected, SessionVerifier
from spidergate.settings import Settings

REGION = "us-east-1"


@pytest.fixture
def moto_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


async def test_local_sign_in_tokens_verify_against_the_moto_server(moto_url: str) -> None:
    cognito = boto3.client("cognito-idp", region_name=REGION, endpoint_url=moto_url)
    sign = create_local_sign_in(cognito, region=REGION, brands={"brd_demo": "admin"}, endpoint_url=moto_url)
    assert sign.jwks_url.startswith(moto_url)
    env = sign.settings_env()
    settings = Settings(
        stage="local",  # the only stage that may trust moto's signing key
        cognito_issuer=env["SPIDERGATE_COGNITO_ISSUER"],
        cognito_audience=env["SPIDERGATE_COGNITO_AUDIENCE"],
        cognito_jwks_url=env["SPIDERGATE_COGNITO_JWKS_URL"],
    )
    async with httpx.AsyncClient() as http:
        verifier = SessionVerifier.from_settings(settings, http)
        session = await verifier.verify(f"Bearer {sign.id_token}")
        assert session.username == sign.username
        assert dict(session.roles) == {"brd_demo": "admin"}
        with pytest.raises(SessionRejected):  # ID tokens only, as API Gateway's authorizer
            await verifier.verify(f"Bearer {sign.access_token}")
        fresh = sign_in(cognito, sign.client_id, sign.username, sign.password)["IdToken"]
        assert (await verifier.verify(f"Bearer {fresh}")).require("brd_demo", write=True) == "admin"
        other = Settings(**{**settings.model_dump(), "cognito_audience": "another-client"})
        with pytest.raises(SessionRejected):
            await SessionVerifier.from_settings(other, http).verify(f"Bearer {sign.id_token}")
