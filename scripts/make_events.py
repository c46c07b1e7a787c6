"""Write events/*.json: one API Gateway REST (v1 proxy) event per deployed route.

    .venv/bin/python scripts/make_events.py [OUT_DIR]   # default: events/

The events are what API Gateway hands Lambda for this template: a body whose Content-Type is one
of the stage's binary media types (multipart/form-data, audio/*, application/octet-stream) arrives
base64-encoded (isBase64Encoded true); JSON arrives as text. Placeholders (``{{DEMO_TOKEN}}``,
``{{BRAND_ID}}``, ...) stand outside bodies only; events/README.md lists them, and
``python -m spidergate.local.sam_local event NAME`` fills them from the local run. Output is
deterministic: re-running rewrites identical files.
"""

from __future__ import annotations

import base64
import io
import json
import math
import struct
import sys
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

EVENTS = Path(__file__).resolve().parent.parent / "events"
# The stage's binary media types (template.yaml, GatewayApi.BinaryMediaTypes; a test keeps them equal).
BINARY_MEDIA_TYPES = ("multipart/form-data", "audio/*", "application/octet-stream")
API_ID = "a1b2c3d4e5"
STAGE = "dev"
HOST = f"{API_ID}.execute-api.us-east-1.amazonaws.com"
EPOCH_MS = 1795625695000  # 2026-11-25T16:54:55Z
SDK_UA = "OpenAI/Python 3.57.0"
BOUNDARY = "9a4f1c2e7b3d45e8a0c6f1b2d3e4f5a6"
CLAIMS = {
    "sub": "6f1c2e7b-3d45-4e8a-8c6f-1b2d3e4f5a60",
    "email": "owner@example.com",
    "email_verified": "true",
    "cognito:username": "6f1c2e7b-3d45-4e8a-8c6f-1b2d3e4f5a60",
    "cognito:groups": "brand:{{BRAND_ID}}:admin",
    "iss": "https://cognito-idp.us-east-1.amazonaws.com/{{USER_POOL_ID}}",
    "aud": "{{COGNITO_CLIENT_ID}}",
    "token_use": "id",
    "auth_time": "1795624800",
    "iat": "Wed Nov 25 16:40:00 UTC 2026",
    "exp": "Wed Nov 25 17:40:00 UTC 2026",
}


def tone_wav(seconds: float = 0.5, rate: int = 16_000, hz: float = 440.0) -> bytes:
    """A real PCM WAV (mono, 16-bit): a short tone with a fade, small enough for an event file."""
    frames = int(seconds * rate)
    samples = (
        int(12_000 * math.sin(2 * math.pi * hz * i / rate) * min(1.0, i / 800, (frames - i) / 800))
        for i in range(frames)
    )
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(b"".join(struct.pack("<h", s) for s in samples))
    return out.getvalue()


def multipart(fields: dict[str, str], filename: str, content_type: str, data: bytes) -> bytes:
    """A multipart/form-data body laid out the way httpx (the openai SDK) sends it."""
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def event(
    method: str,
    resource: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    query: dict[str, list[str]] | None = None,
    path_params: dict[str, str] | None = None,
    body: bytes | None = None,
    claims: dict[str, str] | None = None,
    request_id: str,
) -> dict[str, Any]:
    """An API Gateway REST proxy event as the Regional endpoint sends it (stage not in `path`)."""
    sent = {
        "Host": HOST,
        "X-Amzn-Trace-Id": f"Root=1-6925de5f-{request_id.replace('-', '')[:24]}",
        "X-Forwarded-For": "203.0.113.7",
        "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https",
        **(headers or {}),
    }
    binary = is_binary(sent.get("Content-Type", ""))
    if body is not None:
        sent["Content-Length"] = str(len(body))
    context: dict[str, Any] = {
        "resourceId": "r3s0ur",
        "resourcePath": resource,
        "httpMethod": method,
        "extendedRequestId": "Vm5kZXNpZ25lZD0=",
        "requestTime": "25/Nov/2026:16:54:55 +0000",
        "path": f"/{STAGE}{path}",
        "accountId": "123456789012",
        "protocol": "HTTP/1.1",
        "stage": STAGE,
        "domainPrefix": API_ID,
        "requestTimeEpoch": EPOCH_MS,
        "requestId": request_id,
        "identity": {
            "cognitoIdentityPoolId": None,
            "accountId": None,
            "cognitoIdentityId": None,
            "caller": None,
            "sourceIp": "203.0.113.7",
            "principalOrgId": None,
            "accessKey": None,
            "cognitoAuthenticationType": None,
            "cognitoAuthenticationProvider": None,
            "userArn": None,
            "userAgent": sent.get("User-Agent", ""),
            "user": None,
        },
        "domainName": HOST,
        "deploymentId": "d3pl0y",
        "apiId": API_ID,
    }
    if claims is not None:
        context["authorizer"] = {"claims": claims}
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": sent,
        "multiValueHeaders": {k: [v] for k, v in sent.items()},
        "queryStringParameters": {k: v[-1] for k, v in query.items()} if query else None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": path_params,
        "stageVariables": {"loggingRole": "preexisting"},
        "requestContext": context,
        "body": _encoded(body, binary) if body is not None else None,
        "isBase64Encoded": body is not None and binary,
    }


def is_binary(content_type: str) -> bool:
    """Whether API Gateway treats the body as binary (template.yaml: GatewayApi BinaryMediaTypes)."""
    media = content_type.split(";")[0].strip().lower()
    return media in BINARY_MEDIA_TYPES or any(
        media.startswith(t[:-1]) for t in BINARY_MEDIA_TYPES if t.endswith("*")
    )


def _encoded(body: bytes, binary: bool) -> str:
    return base64.b64encode(body).decode() if binary else body.decode()


@dataclass
class Call:
    """One route's request, described the way a client makes it."""

    name: str
    method: str
    path: str
    resource: str = ""  # the API Gateway resource; the path when it has no parameters
    payload: dict[str, Any] | None = None  # JSON body
    form: bytes | None = None  # multipart body
    accept: str = "application/json"
    auth: str | None = "Bearer {{DEMO_TOKEN}}"
    query: dict[str, list[str]] | None = None
    path_params: dict[str, str] | None = None
    claims: dict[str, str] | None = None

    def build(self, request_id: str) -> dict[str, Any]:
        headers = {"Accept": self.accept, "User-Agent": SDK_UA if self.auth == SDK_AUTH else BROWSER_UA}
        if self.auth is None:
            headers["User-Agent"] = "curl/8.5.0"
        else:
            headers["Authorization"] = self.auth
        if self.auth == SDK_AUTH:
            headers.update({"X-Stainless-Lang": "python", "X-Stainless-Package-Version": "3.57.0"})
        if self.claims is not None:
            headers["Origin"] = "https://spideriq.ai"
        body = None
        if self.payload is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(self.payload, separators=(",", ":")).encode()
        elif self.form is not None:
            headers["Content-Type"] = f"multipart/form-data; boundary={BOUNDARY}"
            body = self.form
        return event(
            self.method,
            self.resource or self.path,
            self.path,
            headers=headers,
            query=self.query,
            path_params=self.path_params,
            body=body,
            claims=self.claims,
            request_id=request_id,
        )


SDK_AUTH = "Bearer {{DEMO_TOKEN}}"
ID_TOKEN = "Bearer {{COGNITO_ID_TOKEN}}"
BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0"
BASE = "/api/gate/v1"
BRAND = "/api/v1/brands/{{BRAND_ID}}/gate"
BRAND_RESOURCE = "/api/v1/brands/{brand_id}/gate/{proxy+}"
CHAT = {
    "model": "fast",
    "stream": True,
    "stream_options": {"include_usage": True},
    "max_tokens": 64,
    "messages": [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Name three primary colours."},
    ],
}
EMBED = {
    "model": "text-embedding-3-small",
    "input": ["The food was delicious.", "The waiter was friendly."],
    "encoding_format": "float",
    "dimensions": 256,
}
IMAGE = {
    "model": "dall-e-3",
    "prompt": "A lighthouse at dawn, watercolour.",
    "n": 1,
    "size": "1024x1024",
    "quality": "standard",
    "response_format": "b64_json",
}
SPEECH = {"model": "tts-1", "input": "Hello from SpiderGate.", "voice": "alloy", "response_format": "mp3"}
UPLOAD = {
    "filename": "meeting.wav",
    "content_type": "audio/wav",
    "bytes": 18_874_368,
}
VAULT_KEY = {
    "provider": "openai",
    "label": "team-a",
    "api_key": "sk-test-spidergate-demo-000000000000",
    "priority": 10,
    "monthly_cap_usd": "50.00",
}
MODEL_ID = "openai/gpt-4o-mini"
ANTHROPIC = "/api/gate/anthropic"
ANTHROPIC_RESOURCE = f"{ANTHROPIC}/{{proxy+}}"
MESSAGES = {
    "model": "coding",
    "max_tokens": 64,
    "stream": True,
    "system": "You are terse.",
    "messages": [{"role": "user", "content": "Name three primary colours."}],
}


def brand_call(name: str, method: str, proxy: str, **kwargs: Any) -> Call:
    """A dashboard call: Cognito ID token, authorizer claims, the brand in the path."""
    path = f"{BRAND}/{quote(proxy)}"
    params = {"brand_id": "{{BRAND_ID}}", "proxy": proxy}
    return Call(
        name, method, path, BRAND_RESOURCE, auth=ID_TOKEN, claims=CLAIMS, path_params=params, **kwargs
    )


def calls() -> list[Call]:
    transcription = multipart(
        {"model": "whisper-1", "response_format": "json", "language": "en"},
        "hello.wav",
        "audio/wav",
        tone_wav(),
    )
    listing = {
        "provider": ["openai"],
        "capability": ["vision"],
        "sort_by": ["context"],
        "limit": ["20"],
        "offset": ["0"],
    }
    return [
        Call(
            "chat-completions-stream",
            "POST",
            f"{BASE}/chat/completions",
            payload=CHAT,
            accept="text/event-stream",
        ),
        Call("embeddings", "POST", f"{BASE}/embeddings", payload=EMBED),
        Call("images-generations", "POST", f"{BASE}/images/generations", payload=IMAGE),
        Call(
            "audio-speech", "POST", f"{BASE}/audio/speech", payload=SPEECH, accept="application/octet-stream"
        ),
        Call("audio-transcriptions", "POST", f"{BASE}/audio/transcriptions", form=transcription),
        Call("uploads", "POST", f"{BASE}/uploads", payload=UPLOAD),
        Call("models-list", "GET", f"{BASE}/models", auth=None, query=listing),
        Call(
            "model-get",
            "GET",
            f"{BASE}/models/{MODEL_ID}",
            f"{BASE}/models/{{model_id+}}",
            auth=None,
            path_params={"model_id": MODEL_ID},
        ),
        Call("aliases", "GET", f"{BASE}/aliases", auth=None),
        Call("providers", "GET", f"{BASE}/providers", auth=None),
        Call("health", "GET", f"{BASE}/health", auth=None),
        brand_call("dashboard-agents-list", "GET", "agents"),
        brand_call("dashboard-vault-add", "POST", "vault/keys", payload=VAULT_KEY),
        brand_call(
            "dashboard-usage",
            "GET",
            "usage",
            query={"from": ["2026-11-01"], "to": ["2026-11-25"], "by": ["model"]},
        ),
        brand_call(
            "dashboard-traces",
            "GET",
            "traces",
            query={"agent": ["{{AGENT_ID}}"], "fallback": ["true"], "limit": ["50"]},
        ),
        brand_call("dashboard-audit", "GET", "audit", query={"limit": ["50"]}),
        Call("console", "GET", "/console", auth=None, accept="text/html"),
        Call(
            "console-config",
            "GET",
            "/console/config.json",
            "/console/{proxy+}",
            auth=None,
            path_params={"proxy": "config.json"},
        ),
        Call(
            "anthropic-messages-stream",
            "POST",
            f"{ANTHROPIC}/v1/messages",
            ANTHROPIC_RESOURCE,
            payload=MESSAGES,
            accept="text/event-stream",
            query={"beta": ["true"]},
            path_params={"proxy": "v1/messages"},
        ),
        Call(
            "anthropic-models",
            "GET",
            f"{ANTHROPIC}/v1/models",
            ANTHROPIC_RESOURCE,
            auth=None,
            path_params={"proxy": "v1/models"},
        ),
        Call("anthropic-probe", "HEAD", ANTHROPIC, auth=None),
        Call("anthropic-base", "GET", ANTHROPIC, auth=None),
    ]


def main(out: Path = EVENTS) -> None:
    out.mkdir(exist_ok=True)
    for number, call in enumerate(calls(), start=1):
        payload = call.build(request_id=f"c0a8e1f2-{number:04d}-4a5b-9c6d-7e8f90a1b2c3")
        (out / f"{call.name}.json").write_text(json.dumps(payload, indent=2) + "\n")
        print(out / f"{call.name}.json")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else EVENTS)
