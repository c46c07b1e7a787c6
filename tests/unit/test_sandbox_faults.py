"""Sandbox fault injection and request recording through its control API.

Status, timeout and error-event faults run in-process; connection resets and cut streams need a
real server (uvicorn on a free loopback port) and are marked ``integration``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from spidergate.local.sandbox import SandboxApp, create_sandbox_app
from spidergate.local.stack import Running, start_sandbox

KEY = "sk-fault-test-key"
AUTH = {"authorization": f"Bearer {KEY}"}
ANTHROPIC = {"x-api-key": KEY, "anthropic-version": "2023-06-01"}
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hello there"}]}
MESSAGES = {
    "model": "claude-haiku-4-5",
    "max_tokens": 50,
    "messages": [{"role": "user", "content": "hello there"}],
}


def exchange(app: SandboxApp, *requests: tuple[str, str, dict[str, Any]]) -> list[httpx.Response]:
    """Send requests in order through one in-process client."""

    async def go() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox.test") as client:
            return [await client.request(method, path, **kw) for method, path, kw in requests]

    return asyncio.run(go())


def fault(doc: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    return ("POST", "/_control/faults", {"json": doc})


def chat(**extra: Any) -> tuple[str, str, dict[str, Any]]:
    headers = extra.pop("headers", AUTH)
    return ("POST", "/v1/chat/completions", {"headers": headers, "json": {**CHAT, **extra}})


def messages(**extra: Any) -> tuple[str, str, dict[str, Any]]:
    return ("POST", "/v1/messages", {"headers": ANTHROPIC, "json": {**MESSAGES, **extra}})


@pytest.fixture
def app() -> SandboxApp:
    return create_sandbox_app()


# -- status faults ------------------------------------------------------------------------------
def test_status_fault_defaults_to_the_openai_error_body_and_fires_once(app: SandboxApp) -> None:
    added, failed, ok = exchange(
        app, fault({"fault": {"status": 429, "headers": {"Retry-After": "2"}}}), chat(), chat()
    )
    assert added.status_code == 201
    assert failed.status_code == 429
    assert failed.headers["retry-after"] == "2"
    assert failed.json()["error"]["type"] == "requests"
    assert failed.json()["error"]["code"] == "rate_limit_exceeded"
    assert ok.status_code == 200


def test_status_fault_on_the_anthropic_path_uses_the_anthropic_error_body(app: SandboxApp) -> None:
    _, failed = exchange(app, fault({"fault": {"status": 529}}), messages())
    assert failed.status_code == 529
    body = failed.json()
    assert body["type"] == "error"
    assert body["error"]["type"] == "overloaded_error"
    assert body["request_id"] == failed.headers["request-id"]


def test_status_fault_sends_a_custom_body_verbatim(app: SandboxApp) -> None:
    custom = [{"error": {"code": 429, "message": "Resource exhausted", "status": "RESOURCE_EXHAUSTED"}}]
    _, failed = exchange(app, fault({"fault": {"status": 429, "body": custom}}), chat())
    assert failed.json() == custom
    _, text = exchange(app, fault({"fault": {"status": 502, "body": "<html>bad gateway</html>"}}), chat())
    assert text.status_code == 502
    assert text.text == "<html>bad gateway</html>"


def test_fault_times_counts_down_and_minus_one_never_runs_out(app: SandboxApp) -> None:
    results = exchange(app, fault({"times": 2, "fault": {"status": 500}}), chat(), chat(), chat())
    assert [r.status_code for r in results[1:]] == [500, 500, 200]
    always = exchange(app, fault({"times": -1, "fault": {"status": 503}}), *[chat() for _ in range(5)])
    assert {r.status_code for r in always[1:]} == {503}
    listed, cleared, after = exchange(
        app, ("GET", "/_control/faults", {}), ("DELETE", "/_control/faults", {}), chat()
    )
    assert listed.json()["faults"][0]["times"] == -1
    assert cleared.json() == {"cleared": 1}
    assert after.status_code == 200


@pytest.mark.parametrize(
    ("match", "hit", "miss"),
    [
        ({"api_key": KEY}, chat(), chat(headers={"authorization": "Bearer another-key"})),
        ({"model": "gpt-4o"}, chat(model="gpt-4o"), chat()),
        ({"path": "/v1/messages"}, messages(), chat()),
    ],
)
def test_fault_matches_only_requests_with_its_fields(
    app: SandboxApp,
    match: dict[str, str],
    hit: tuple[str, str, dict[str, Any]],
    miss: tuple[str, str, dict[str, Any]],
) -> None:
    _, missed, hit_response = exchange(app, fault({"match": match, "fault": {"status": 401}}), miss, hit)
    assert missed.status_code == 200
    assert hit_response.status_code == 401


def test_first_matching_rule_wins(app: SandboxApp) -> None:
    results = exchange(
        app,
        fault({"match": {"model": "gpt-4o-mini"}, "fault": {"status": 500}}),
        fault({"fault": {"status": 503}}),
        chat(),
        chat(),
    )
    assert [r.status_code for r in results[2:]] == [500, 503]


@pytest.mark.parametrize(
    "doc",
    [
        {"fault": {"status": 99}},
        {"fault": {"kind": "explode"}},
        {"fault": {"kind": "timeout", "seconds": -1}},
        {"fault": {"status": 500}, "times": 0},
        {"fault": {"status": 500}, "match": {"user": "x"}},
        {"match": {"model": "m"}},
        ["not", "an", "object"],
    ],
)
def test_control_api_refuses_invalid_fault_documents(app: SandboxApp, doc: Any) -> None:
    (r,) = exchange(app, fault(doc))
    assert r.status_code == 400
    assert r.json()["error"]["message"]


# -- timeout and mid-stream error events --------------------------------------------------------
def test_timeout_fault_delays_the_answer(app: SandboxApp) -> None:
    started = time.monotonic()
    _, slow = exchange(app, fault({"fault": {"kind": "timeout", "seconds": 0.3}}), chat())
    assert time.monotonic() - started >= 0.3
    assert slow.status_code == 200


def test_error_event_after_first_token_in_an_openai_stream(app: SandboxApp) -> None:
    _, streamed = exchange(
        app, fault({"fault": {"kind": "error_event_after_first_token"}}), chat(stream=True)
    )
    payloads = [json.loads(b[len("data: ") :]) for b in streamed.text.strip().split("\n\n")]
    assert payloads[0]["choices"][0]["delta"]["role"] == "assistant"
    assert payloads[1]["choices"][0]["delta"]["content"] == "Sandbox"
    assert set(payloads[2]) == {"error"}
    assert payloads[2]["error"]["type"] == "server_error"
    assert len(payloads) == 3
    assert "[DONE]" not in streamed.text


def test_error_event_after_first_token_in_an_anthropic_stream(app: SandboxApp) -> None:
    _, streamed = exchange(
        app, fault({"fault": {"kind": "error_event_after_first_token"}}), messages(stream=True)
    )
    blocks = streamed.text.strip().split("\n\n")
    names = [b.split("\n")[0].removeprefix("event: ") for b in blocks]
    assert names == ["message_start", "content_block_start", "ping", "content_block_delta", "error"]
    error = json.loads(blocks[-1].split("\n")[1].removeprefix("data: "))
    assert error["type"] == "error"
    assert error["error"]["type"] == "overloaded_error"


# OpenRouter's documented mid-stream error: a chunk with a top-level ``error`` and finish_reason
# "error", sent with HTTP 200 after the stream started (openrouter.ai/docs/api/errors).
OPENROUTER_STREAM_ERROR = {
    "id": "cmpl-abc123",
    "object": "chat.completion.chunk",
    "created": 1234567890,
    "model": "gpt-3.5-turbo",
    "provider": "openai",
    "error": {"code": "server_error", "message": "Provider disconnected unexpectedly"},
    "choices": [{"index": 0, "delta": {"content": ""}, "finish_reason": "error"}],
}


def test_error_event_can_carry_the_providers_own_body(app: SandboxApp) -> None:
    doc = {"fault": {"kind": "error_event_after_first_token", "body": OPENROUTER_STREAM_ERROR}}
    _, streamed = exchange(app, fault(doc), chat(stream=True))
    payloads = [json.loads(b[len("data: ") :]) for b in streamed.text.strip().split("\n\n")]
    assert payloads[-1] == OPENROUTER_STREAM_ERROR
    assert "[DONE]" not in streamed.text


def test_stream_faults_wait_for_a_streaming_request(app: SandboxApp) -> None:
    _, plain, streamed = exchange(
        app, fault({"fault": {"kind": "error_event_after_first_token"}}), chat(), chat(stream=True)
    )
    assert plain.status_code == 200
    assert plain.json()["object"] == "chat.completion"
    assert '"error"' in streamed.text


def test_in_process_reset_surfaces_as_a_connection_error(app: SandboxApp) -> None:
    with pytest.raises(ConnectionAbortedError):
        exchange(app, fault({"fault": {"kind": "reset"}}), chat())


# -- recordings ---------------------------------------------------------------------------------
def test_requests_are_recorded_with_a_key_hash_never_the_key(app: SandboxApp) -> None:
    files = {"file": ("a.wav", b"RIFF0000", "audio/wav")}
    upload = (
        "POST",
        "/v1/audio/transcriptions",
        {"headers": AUTH, "data": {"model": "whisper-1"}, "files": files},
    )
    results = exchange(
        app,
        fault({"fault": {"status": 500}, "match": {"path": "/v1/embeddings"}}),
        chat(stream=True),
        messages(),
        upload,
        ("POST", "/v1/embeddings", {"headers": AUTH, "json": {"model": "e", "input": "x"}}),
        ("POST", "/v1/chat/completions", {"json": CHAT}),
        ("GET", "/_control/requests", {}),
    )
    recorded = results[-1].json()["requests"]
    assert KEY not in json.dumps(recorded)
    first, anthropic, transcription, embeddings, anonymous = recorded
    expected_hash = hashlib.sha256(KEY.encode()).hexdigest()[:12]
    assert first["key_hash"] == expected_hash == anthropic["key_hash"]
    assert (first["method"], first["path"], first["model"], first["stream"]) == (
        "POST", "/v1/chat/completions", "gpt-4o-mini", True,
    )  # fmt: skip
    assert first["body"]["messages"] == CHAT["messages"]
    assert "authorization" not in first["headers"]
    assert "x-api-key" not in anthropic["headers"]
    assert anthropic["headers"]["anthropic-version"] == "2023-06-01"
    assert transcription["fields"] == ["file", "model"]
    assert transcription["model"] == "whisper-1"
    assert "body" not in transcription
    assert embeddings["fault"] == "status:500"
    assert anonymous["key_hash"] is None


def test_recordings_filter_by_path_and_clear(app: SandboxApp) -> None:
    results = exchange(
        app,
        chat(),
        messages(),
        ("GET", "/_control/requests", {"params": {"path": "/v1/messages"}}),
        ("DELETE", "/_control/requests", {}),
        ("GET", "/_control/requests", {}),
    )
    assert [r["path"] for r in results[2].json()["requests"]] == ["/v1/messages"]
    assert results[3].json() == {"cleared": 2}
    assert results[4].json() == {"requests": []}


# -- connection-level faults on a real server ---------------------------------------------------
@pytest.fixture
def server() -> Iterator[Running]:
    with start_sandbox() as running:
        yield running


def script(server: Running, doc: dict[str, Any]) -> None:
    httpx.post(f"{server.url}/_control/faults", json=doc).raise_for_status()


@pytest.mark.integration
def test_reset_drops_the_connection_without_a_response(server: Running) -> None:
    script(server, {"fault": {"kind": "reset"}})
    with httpx.Client(base_url=server.url) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            client.post("/v1/chat/completions", headers=AUTH, json=CHAT)
        assert client.post("/v1/chat/completions", headers=AUTH, json=CHAT).status_code == 200


@pytest.mark.integration
def test_reset_is_a_connection_error_for_the_openai_sdk(server: Running) -> None:
    script(server, {"fault": {"kind": "reset"}})
    client = openai.OpenAI(base_url=f"{server.url}/v1", api_key=KEY, max_retries=0)
    with pytest.raises(openai.APIConnectionError):
        client.chat.completions.create(**CHAT)
    client.close()


def lines_until_cut(server: Running, path: str, headers: dict[str, str], body: dict[str, Any]) -> list[str]:
    """The non-empty SSE lines received before the connection broke (it must break)."""
    received: list[str] = []
    with (
        httpx.Client(base_url=server.url) as client,
        client.stream("POST", path, headers=headers, json=body) as r,
    ):
        assert r.status_code == 200
        with pytest.raises(httpx.RemoteProtocolError):
            received.extend(line for line in r.iter_lines() if line)
    return received


@pytest.mark.integration
def test_cut_after_first_token_ends_an_openai_stream_abruptly(server: Running) -> None:
    script(server, {"fault": {"kind": "cut_after_first_token"}})
    received = lines_until_cut(server, "/v1/chat/completions", AUTH, {**CHAT, "stream": True})
    chunks = [json.loads(line.removeprefix("data: ")) for line in received]
    assert [c["choices"][0]["delta"] for c in chunks] == [
        {"role": "assistant", "content": ""},
        {"content": "Sandbox"},
    ]


@pytest.mark.integration
def test_cut_after_first_token_ends_an_anthropic_stream_after_the_first_delta(server: Running) -> None:
    script(server, {"match": {"path": "/v1/messages"}, "fault": {"kind": "cut_after_first_token"}})
    received = lines_until_cut(server, "/v1/messages", ANTHROPIC, {**MESSAGES, "stream": True})
    names = [line for line in received if line.startswith("event: ")]
    assert names == [
        "event: message_start",
        "event: content_block_start",
        "event: ping",
        "event: content_block_delta",
    ]
    assert json.loads(received[-1].removeprefix("data: "))["delta"]["text"] == "Sandbox"
