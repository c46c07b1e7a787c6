"""Messages to Claude on Bedrock through the app in-process (moto for the tables and the vault):
the chat router picks the Bedrock key, InvokeModel gets Anthropic's body, events come back as sent."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from moto import mock_aws

from spidergate.aws import AwsClients
from spidergate.local.tables import create_tables
from spidergate.providers.bedrock import BedrockAdapter
from spidergate.runtime import Runtime
from spidergate.settings import Settings
from spidergate.web.app import create_app

MODEL = "bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0"
BASE = "/api/gate/anthropic/v1/messages"
EVENTS = [
    '{"type":"message_start","message":{"id":"msg_b","type":"message","role":"assistant","model":"claude","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":9,"output_tokens":1}}}',
    '{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}',
    '{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Hmm"}}',
    '{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQB\\u00e9+/=="}}',
    '{"type":"content_block_stop","index":0}',
    '{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":5}}',
    '{"type":"message_stop"}',
]
MESSAGE = {
    "id": "msg_b",
    "type": "message",
    "role": "assistant",
    "model": "claude",
    "content": [{"type": "text", "text": "Hello"}],
    "stop_reason": "end_turn",
    "stop_sequence": None,
    "usage": {"input_tokens": 9, "output_tokens": 2},
}


class Stream:
    def __iter__(self) -> Iterator[Any]:
        return iter([{"chunk": {"bytes": e.encode()}} for e in EVENTS])

    def close(self) -> None:
        pass


class FakeBedrock:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def invoke_model(self, **params: Any) -> Any:
        self.calls.append(("invoke_model", params))
        return {"body": io.BytesIO(json.dumps(MESSAGE).encode())}

    def invoke_model_with_response_stream(self, **params: Any) -> Any:
        self.calls.append(("stream", params))
        return {"body": Stream()}


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[httpx.AsyncClient, FakeBedrock, str]]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "t",
        "AWS_SECRET_ACCESS_KEY": "t",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    with mock_aws():
        settings = Settings(region="us-east-1", emit_metrics=False, ledger_http=False)
        aws = AwsClients(settings)
        create_tables(aws.dynamodb, settings)
        rt = Runtime(settings=settings, aws=aws, http_client=httpx.AsyncClient())
        rt.records.create_brand("Brand", brand_id="brd_m")
        _, cred = rt.records.create_agent("brd_m", "claude-code")
        rt.keyvault.add("brd_m", "bedrock", "iam-role", label="bedrock-1")
        fake = FakeBedrock()
        adapter = rt.adapters["bedrock"]
        assert isinstance(adapter, BedrockAdapter)
        adapter.client_factory = lambda _target: fake
        app = create_app(["chat"], runtime=rt)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://gateway.test")
        yield client, fake, cred.bearer


def test_streamed_events_arrive_as_bedrock_sent_them(
    stack: tuple[httpx.AsyncClient, FakeBedrock, str],
) -> None:
    client, fake, token = stack
    body = {
        "model": MODEL,
        "max_tokens": 100,
        "stream": True,
        "messages": [{"role": "user", "content": "Hi"}],
    }
    headers = {"x-api-key": token, "anthropic-beta": "interleaved-thinking-2025-05-14"}
    response = asyncio.run(client.post(BASE, json=body, headers=headers))
    assert response.status_code == 200, response.text
    data = [line.removeprefix("data: ") for line in response.text.splitlines() if line.startswith("data: ")]
    assert data[:5] == EVENTS[:5]  # thinking and its signature untouched
    delta = json.loads(data[5])
    assert delta["usage"]["output_tokens"] == 5 and delta["usage"]["cost"] > 0
    operation, params = fake.calls[0]
    sent = json.loads(params["body"])
    assert operation == "stream" and params["modelId"] == "anthropic.claude-sonnet-4-5-20250929-v1:0"
    assert sent["anthropic_version"] == "bedrock-2023-05-31"
    assert sent["anthropic_beta"] == ["interleaved-thinking-2025-05-14"]
    assert "model" not in sent and "stream" not in sent


def test_buffered_message_carries_its_cost(stack: tuple[httpx.AsyncClient, FakeBedrock, str]) -> None:
    client, _fake, token = stack
    body = {"model": MODEL, "max_tokens": 100, "messages": [{"role": "user", "content": "Hi"}]}
    response = asyncio.run(client.post(BASE, json=body, headers={"authorization": f"Bearer {token}"}))
    assert response.status_code == 200, response.text
    message = response.json()
    assert message["content"] == MESSAGE["content"]
    assert message["usage"]["cost"] == pytest.approx(float(response.headers["x-spidergate-cost-usd"]))
    assert response.headers["x-spidergate-model"] == MODEL
