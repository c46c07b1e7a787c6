"""events/*.json: one realistic API Gateway REST event per deployed route, readable by Mangum."""

from __future__ import annotations

import ast
import base64
import email.parser
import io
import json
import re
import subprocess
import sys
import wave
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from mangum.handlers import ALB, APIGateway, HTTPGateway

from tests.template.cfn import EVENTS, ROOT, Route

FILES = sorted(EVENTS.glob("*.json"))
PLACEHOLDER = re.compile(r"\{\{([A-Z_]+)\}\}")
MANGUM_CONFIG = {"api_gateway_base_path": "/", "text_mime_types": [], "exclude_headers": []}


def _load(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def _body(event: dict[str, Any]) -> bytes:
    return base64.b64decode(event["body"]) if event["isBase64Encoded"] else (event["body"] or "").encode()


def _matches(resource: str, path: str) -> bool:
    pattern = re.sub(r"\\\{\w+\\\+\\\}", ".+", re.escape(resource))
    pattern = re.sub(r"\\\{\w+\\\}", "[^/]+", pattern)
    return re.fullmatch(pattern, path) is not None


def test_there_is_one_event_file_per_route_and_no_stray_one(routes: list[Route]) -> None:
    covered = {(e["httpMethod"], e["resource"]) for e in map(_load, FILES)}
    # OPTIONS (CORS preflights) and HEAD (catalog) ride on their path's function; no file each.
    deployed = {(r.method, r.path) for r in routes if r.method not in ("OPTIONS", "HEAD")}
    # The dashboard's {proxy+} takes four methods; one event per method actually used is enough.
    dashboard = {(m, p) for m, p in deployed if p.startswith("/api/v1/brands/")}
    assert deployed - dashboard <= covered
    assert covered & dashboard
    assert covered <= {(r.method, r.path) for r in routes}  # a HEAD probe may have its own event


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_event_is_a_rest_proxy_event_mangum_routes(path: Path, routes: list[Route]) -> None:
    event = _load(path)
    assert APIGateway.infer(event, {}, MANGUM_CONFIG)  # type: ignore[arg-type]
    assert not HTTPGateway.infer(event, {}, MANGUM_CONFIG)  # type: ignore[arg-type]
    assert not ALB.infer(event, {}, MANGUM_CONFIG)  # type: ignore[arg-type]
    context = event["requestContext"]
    assert context["resourcePath"] == event["resource"]
    assert context["httpMethod"] == event["httpMethod"]
    assert context["path"] == f"/{context['stage']}{event['path']}"
    assert context["identity"]["sourceIp"]
    assert _matches(event["resource"], event["path"])
    for name, value in (event["pathParameters"] or {}).items():
        assert value in event["path"], name
    assert event["multiValueHeaders"] == {k: [v] for k, v in event["headers"].items()}
    if event["queryStringParameters"] is not None:
        assert event["queryStringParameters"] == {
            k: v[-1] for k, v in event["multiValueQueryStringParameters"].items()
        }
    scope = APIGateway(event, {}, MANGUM_CONFIG).scope  # type: ignore[arg-type]
    assert scope["path"] == event["path"]
    assert scope["method"] == event["httpMethod"]
    assert parse_qs(scope["query_string"].decode()) == (event["multiValueQueryStringParameters"] or {})
    (route,) = [r for r in routes if (r.method, r.path) == (event["httpMethod"], event["resource"])]
    assert ("authorizer" in context) == bool(route.operation.get("security"))


def _binary_types(translated: dict[str, Any]) -> list[str]:
    body: dict[str, Any] = translated["Resources"]["GatewayApi"]["Properties"]["Body"]
    types: list[str] = body["x-amazon-apigateway-binary-media-types"]
    return types


def _is_binary(content_type: str, types: list[str]) -> bool:
    media = content_type.split(";")[0].strip().lower()
    return any(media == t or (t.endswith("/*") and media.startswith(t[:-1])) for t in types)


def test_the_event_generator_knows_the_stage_binary_media_types(translated: dict[str, Any]) -> None:
    tree = ast.parse((ROOT / "scripts" / "make_events.py").read_text())
    (value,) = [
        node.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and [getattr(t, "id", "") for t in node.targets] == ["BINARY_MEDIA_TYPES"]
    ]
    assert set(ast.literal_eval(value)) == set(_binary_types(translated))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_bodies_arrive_encoded_as_api_gateway_does_with_their_declared_length(
    path: Path, translated: dict[str, Any]
) -> None:
    event = _load(path)
    if event["httpMethod"] in ("GET", "HEAD"):
        assert event["body"] is None
        return
    # Only bodies of a binary media type (multipart, audio) are base64-encoded; JSON stays text.
    binary = _is_binary(event["headers"]["Content-Type"], _binary_types(translated))
    assert event["isBase64Encoded"] is binary
    body = _body(event)
    assert int(event["headers"]["Content-Length"]) == len(body)
    assert APIGateway(event, {}, MANGUM_CONFIG).body == body  # type: ignore[arg-type]
    if event["headers"]["Content-Type"] == "application/json":
        assert isinstance(json.loads(body), dict)
    assert not PLACEHOLDER.search(body.decode("latin-1")), (
        "bodies carry no placeholders (their length is declared)"
    )


def test_transcription_carries_a_real_wav_in_a_real_multipart_body() -> None:
    event = _load(EVENTS / "audio-transcriptions.json")
    content_type = event["headers"]["Content-Type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    message = email.parser.BytesParser().parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + _body(event)
    )
    parts = {part.get_param("name", header="content-disposition"): part for part in message.get_payload()}
    assert parts["model"].get_payload() == "whisper-1"
    audio = parts["file"]
    assert audio.get_filename() == "hello.wav"
    assert audio.get_content_type() == "audio/wav"
    with wave.open(io.BytesIO(audio.get_payload(decode=True))) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 16_000)
        assert wav.getnframes() / wav.getframerate() == pytest.approx(0.5)


def test_chat_event_asks_for_a_stream_with_usage() -> None:
    event = _load(EVENTS / "chat-completions-stream.json")
    body = json.loads(_body(event))
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert event["headers"]["Accept"] == "text/event-stream"


def test_model_id_with_a_slash_rides_the_greedy_parameter() -> None:
    event = _load(EVENTS / "model-get.json")
    assert event["resource"] == "/api/gate/v1/models/{model_id+}"
    assert "/" in event["pathParameters"]["model_id"]
    assert event["path"].endswith("/" + event["pathParameters"]["model_id"])


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_credentials_are_placeholders_and_documented(path: Path) -> None:
    event = _load(path)
    documented = set(PLACEHOLDER.findall((EVENTS / "README.md").read_text()))
    assert set(PLACEHOLDER.findall(path.read_text())) <= documented
    authorization = event["headers"].get("Authorization")
    if event["resource"].startswith("/api/v1/brands/"):
        assert authorization == "Bearer {{COGNITO_ID_TOKEN}}"
        claims = event["requestContext"]["authorizer"]["claims"]
        assert claims["token_use"] == "id"
        assert all(isinstance(v, str) for v in claims.values())
    elif event["httpMethod"] == "POST":
        assert authorization == "Bearer {{DEMO_TOKEN}}"
    else:
        assert authorization is None  # the catalog is public


def test_event_files_are_what_the_generator_writes(tmp_path: Path) -> None:
    script = EVENTS.parent / "scripts" / "make_events.py"
    subprocess.run([sys.executable, str(script), str(tmp_path)], check=True, capture_output=True)
    generated = {p.name: p.read_text() for p in tmp_path.glob("*.json")}
    assert generated == {p.name: p.read_text() for p in FILES}
