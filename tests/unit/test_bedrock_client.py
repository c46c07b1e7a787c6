"""Default Bedrock client factory: region from the key, bearer vs SigV4 auth, one client per key."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse

from spidergate.catalog import get_catalog
from spidergate.catalog.model import ModelInfo
from spidergate.domain import ProviderKey
from spidergate.providers.base import Target
from spidergate.providers.bedrock_client import BedrockClientFactory, endpoint_for
from spidergate.settings import Settings

BEDROCK = get_catalog().providers["bedrock"]  # the real parameter rules
CONVERSE_OK = {
    "output": {"message": {"role": "assistant", "content": [{"text": "hi"}]}},
    "stopReason": "end_turn",
    "usage": {"inputTokens": 1, "outputTokens": 1, "totalTokens": 2},
    "metrics": {"latencyMs": 1},
}


def target(material: str, base_url: str | None = None, key_id: str = "pk_b") -> Target:
    info = ModelInfo(id="bedrock/m", provider="bedrock", model="amazon.nova-lite-v1:0", mode="chat")
    key = ProviderKey(
        brand_id="b",
        key_id=key_id,
        provider="bedrock",
        label="b",
        masked="…",
        secret_name="s",
        base_url=base_url,
    )
    return Target(model=info, provider=BEDROCK, key=key, api_key=material)


@pytest.fixture(autouse=True)
def isolated_aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """Static test credentials; no user config, no process-wide bearer token."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDTESTING")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing-secret")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    for name in (
        "AWS_BEARER_TOKEN_BEDROCK",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
    ):
        monkeypatch.delenv(name, raising=False)


def capture_converse(client: Any) -> list[Any]:
    """Answer ConverseStream/Converse locally and keep the signed request for inspection."""
    sent: list[Any] = []

    def respond(request: Any, **kwargs: Any) -> AWSResponse:
        sent.append(request)
        return AWSResponse(
            request.url, 200, {"content-type": "application/json"}, _Raw(json.dumps(CONVERSE_OK))
        )

    client.meta.events.register("before-send.bedrock-runtime.Converse", respond)
    return sent


class _Raw:
    def __init__(self, text: str) -> None:
        self.data = text.encode()

    def stream(self, amt: int = 1024, decode_content: bool | None = None) -> Any:
        yield self.data

    def read(self, amt: int | None = None) -> bytes:
        return self.data


@pytest.mark.parametrize(
    ("base_url", "region", "url"),
    [
        (None, "eu-central-1", None),
        (
            "https://bedrock-runtime.us-west-2.amazonaws.com",
            "us-west-2",
            "https://bedrock-runtime.us-west-2.amazonaws.com",
        ),
        (
            "https://bedrock-runtime-fips.us-gov-west-1.amazonaws.com/",
            "us-gov-west-1",
            "https://bedrock-runtime-fips.us-gov-west-1.amazonaws.com",
        ),
        (
            "https://vpce-0abc.bedrock-runtime.ap-southeast-2.vpce.amazonaws.com",
            "ap-southeast-2",
            "https://vpce-0abc.bedrock-runtime.ap-southeast-2.vpce.amazonaws.com",
        ),
        ("https://proxy.example.com/aws?region=eu-west-3", "eu-west-3", "https://proxy.example.com"),
        ("https://proxy.example.com", "eu-central-1", "https://proxy.example.com"),
    ],
)
def test_endpoint_comes_from_the_key_base_url(base_url: str | None, region: str, url: str | None) -> None:
    endpoint = endpoint_for(target("iam", base_url), "eu-central-1")
    assert (endpoint.region, endpoint.url) == (region, url)


def test_api_key_material_is_sent_as_a_bearer_token_without_sigv4() -> None:
    factory = BedrockClientFactory(Settings(region="us-east-1"))
    client = factory(target("ABSKbedrock-api-key-123", "https://bedrock-runtime.eu-west-1.amazonaws.com"))
    assert client.meta.region_name == "eu-west-1"
    sent = capture_converse(client)
    client.converse(modelId="amazon.nova-lite-v1:0", messages=[{"role": "user", "content": [{"text": "hi"}]}])
    headers = sent[0].headers
    assert headers["Authorization"] == "Bearer ABSKbedrock-api-key-123"
    assert "X-Amz-Date" not in headers
    assert sent[0].url.startswith("https://bedrock-runtime.eu-west-1.amazonaws.com/model/")


def test_iam_material_signs_with_the_default_credential_chain() -> None:
    factory = BedrockClientFactory(Settings(region="ap-northeast-1"))
    client = factory(target("iam"))
    assert client.meta.region_name == "ap-northeast-1"
    sent = capture_converse(client)
    client.converse(modelId="amazon.nova-lite-v1:0", messages=[{"role": "user", "content": [{"text": "hi"}]}])
    authorization = sent[0].headers["Authorization"].decode()
    assert authorization.startswith("AWS4-HMAC-SHA256 Credential=AKIDTESTING/")
    assert "/ap-northeast-1/bedrock/aws4_request" in authorization


def test_clients_are_cached_per_key_and_replaced_when_the_material_changes() -> None:
    factory = BedrockClientFactory(Settings())
    first = factory(target("key-one"))
    assert factory(target("key-one")) is first
    assert factory(target("key-one", key_id="pk_other")) is not first
    rotated = factory(target("key-two"))
    assert rotated is not first
    assert factory(target("key-two")) is rotated


def test_clients_do_not_retry_on_their_own() -> None:
    client = BedrockClientFactory(Settings(upstream_read_timeout=42.0))(target("iam"))
    assert client.meta.config.retries["total_max_attempts"] == 1
    assert client.meta.config.read_timeout == 42.0


def test_bearer_token_stays_out_of_botocore_debug_logs(caplog: pytest.LogCaptureFixture) -> None:
    client = BedrockClientFactory(Settings())(target("very-secret-token"))
    sent = capture_converse(client)
    with caplog.at_level(logging.DEBUG, logger="botocore"):
        client.converse(
            modelId="amazon.nova-lite-v1:0", messages=[{"role": "user", "content": [{"text": "hi"}]}]
        )
    assert sent[0].headers["Authorization"] == "Bearer very-secret-token"
    assert "calling handler" in caplog.text  # handlers are logged by repr at DEBUG
    assert "very-secret-token" not in caplog.text
