"""AsyncDynamoDB's signing: botocore's SigV4 exactly, credentials from the chain, refreshed when due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

from spidergate.dynamo_http import AsyncDynamoDB
from spidergate.dynamo_http.signing import Signer
from tests.unit.test_dynamo_http import CREDENTIALS, ENDPOINT, Scripted, reply


def test_the_signature_is_exactly_botocores_add_auth(monkeypatch: pytest.MonkeyPatch) -> None:
    import botocore.auth

    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: at)
    frozen = CREDENTIALS.get_frozen_credentials()
    body = b'{"TableName":"t"}'
    target = "DynamoDB_20120810.Query"
    request = AWSRequest(
        method="POST",
        url=ENDPOINT + "/",
        data=body,
        headers={"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.0"},
    )
    SigV4Auth(frozen, "dynamodb", "eu-west-1").add_auth(request)
    signer = Signer(ENDPOINT + "/", "eu-west-1", session=lambda: None)
    assert signer.headers(frozen, target, body, timestamp="20260102T030405Z") == dict(request.headers.items())


async def test_refreshable_credentials_are_refreshed_when_due() -> None:
    from botocore.credentials import RefreshableCredentials

    refreshed: list[int] = []

    def refresh() -> dict[str, str]:
        refreshed.append(1)
        return {
            "access_key": f"AKIDFRESH{len(refreshed)}",
            "secret_key": "s",
            "token": "t",
            # Inside botocore's 15-minute advisory window, not expired: every call refreshes.
            "expiry_time": (datetime.now(UTC) + timedelta(minutes=12)).isoformat(),
        }

    credentials = RefreshableCredentials.create_from_metadata(refresh(), refresh, "test")
    handler = Scripted(reply(200, {}), reply(200, {}))
    ddb = AsyncDynamoDB(
        httpx.AsyncClient(transport=httpx.MockTransport(handler)),
        region="eu-west-1",
        endpoint=ENDPOINT,
        credentials=credentials,
    )
    await ddb.get_item(TableName="t", Key={})
    await ddb.get_item(TableName="t", Key={})
    keys = [r.headers["authorization"].split("Credential=")[1].split("/")[0] for r in handler.requests]
    assert keys == ["AKIDFRESH2", "AKIDFRESH3"]


async def test_default_credentials_come_from_botocores_chain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDFROMENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    handler = Scripted(reply(200, {}))
    ddb = AsyncDynamoDB(
        httpx.AsyncClient(transport=httpx.MockTransport(handler)), region="eu-west-1", endpoint=ENDPOINT
    )
    await ddb.get_item(TableName="t", Key={})
    assert "Credential=AKIDFROMENV/" in handler.requests[0].headers["authorization"]
    assert "x-amz-security-token" not in handler.requests[0].headers


async def test_no_credentials_anywhere_is_botocores_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    from botocore.exceptions import NoCredentialsError

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                 "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                 "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("BOTO_CONFIG", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    handler = Scripted()
    ddb = AsyncDynamoDB(
        httpx.AsyncClient(transport=httpx.MockTransport(handler)), region="eu-west-1", endpoint=ENDPOINT
    )
    with pytest.raises(NoCredentialsError):
        await ddb.get_item(TableName="t", Key={})
    assert handler.requests == []
