"""The media routes under Mangum, as API Gateway (REST, binary media types */*) invokes them: the
request body arrives base64-encoded, binary answers leave base64-encoded, usage is settled before
the handler returns."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from mangum import Mangum

from spidergate.web.app import create_app
from tests.functional.media_harness import MediaStack, media_stack, wav

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


@pytest.fixture
def lambda_media(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[MediaStack, Handler]]:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)  # Mangum asks for the current loop when it is built
    try:
        with media_stack(monkeypatch) as stack:
            yield stack, Mangum(create_app(["embeddings", "media"], runtime=stack.rt), lifespan="off")
    finally:
        asyncio.set_event_loop(None)
        loop.close()


def rest_event(path: str, bearer: str, body: bytes, content_type: str) -> dict[str, Any]:
    """An API Gateway REST proxy event with a base64 body (every body is binary under */*)."""
    headers = {
        "Host": "abc.execute-api.us-east-1.amazonaws.com",
        "Authorization": f"Bearer {bearer}",
        "Content-Type": content_type,
        "Content-Length": str(len(body)),
        "X-Forwarded-Proto": "https",
    }
    return {
        "resource": path,
        "path": path,
        "httpMethod": "POST",
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "isBase64Encoded": True,
        "body": base64.b64encode(body).decode(),
        "requestContext": {
            "resourcePath": path,
            "httpMethod": "POST",
            "path": f"/dev{path}",
            "stage": "dev",
            "requestId": "c0ffee",
            "identity": {"sourceIp": "203.0.113.7"},
        },
    }


def test_speech_audio_leaves_base64_encoded(lambda_media: tuple[MediaStack, Handler]) -> None:
    media, handler = lambda_media
    body = json.dumps(
        {"model": "tts-1", "input": "Hello from Lambda.", "voice": "echo", "response_format": "wav"}
    )
    response = handler(
        rest_event("/api/gate/v1/audio/speech", media.bearer, body.encode(), "application/json"), None
    )
    assert response["statusCode"] == 200, response["body"]
    assert response["isBase64Encoded"] is True
    assert response["headers"]["content-type"] == "audio/wav"
    audio = base64.b64decode(response["body"])
    assert audio.startswith(b"RIFF") and audio[8:12] == b"WAVE"
    assert media.only_record().usage.characters == len("Hello from Lambda.")


def test_multipart_transcription_arrives_decoded(lambda_media: tuple[MediaStack, Handler]) -> None:
    media, handler = lambda_media
    request = httpx.Request(
        "POST",
        "https://x/",
        data={"model": "whisper-1", "response_format": "text"},
        files={"file": ("note.wav", wav(1.5), "audio/wav")},
    )
    multipart = request.read()
    response = handler(
        rest_event(
            "/api/gate/v1/audio/transcriptions", media.bearer, multipart, request.headers["content-type"]
        ),
        None,
    )
    assert response["statusCode"] == 200, response["body"]
    assert response["isBase64Encoded"] is False  # text/plain leaves as text
    assert f"note.wav, {len(wav(1.5))} bytes" in response["body"]
    record = media.only_record()
    assert (record.usage.seconds, record.usage.estimated) == (1.5, False)


def test_oversized_direct_upload_is_413_under_lambda(lambda_media: tuple[MediaStack, Handler]) -> None:
    media, handler = lambda_media
    request = httpx.Request(
        "POST",
        "https://x/",
        data={"model": "whisper-1"},
        files={"file": ("big.wav", bytes(media.rt.settings.max_direct_upload_bytes), "audio/wav")},
    )
    response = handler(
        rest_event(
            "/api/gate/v1/audio/transcriptions", media.bearer, request.read(), request.headers["content-type"]
        ),
        None,
    )
    assert response["statusCode"] == 413
    assert json.loads(response["body"])["error"]["code"] == "payload_too_large"


def test_embeddings_json_under_lambda(lambda_media: tuple[MediaStack, Handler]) -> None:
    media, handler = lambda_media
    body = json.dumps({"model": "embed", "input": "hi", "encoding_format": "base64"}).encode()
    response = handler(rest_event("/api/gate/v1/embeddings", media.bearer, body, "application/json"), None)
    assert response["statusCode"] == 200, response["body"]
    assert response["isBase64Encoded"] is False
    assert json.loads(response["body"])["object"] == "list"
    assert media.only_record().endpoint == "embeddings"
