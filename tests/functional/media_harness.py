"""The embeddings and media endpoints in-process: moto for DynamoDB, Secrets Manager and S3 (tables
from template.yaml), the sandbox upstream behind the gateway's HTTP client, one brand with two
pooled OpenAI keys and a second brand with none."""

from __future__ import annotations

import base64
import io
import json
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from moto import mock_aws
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

from spidergate.aws import AwsClients
from spidergate.catalog.model import ModelInfo
from spidergate.local import moto_fixes
from spidergate.local.sandbox import SandboxApp, create_sandbox_app
from spidergate.local.tables import create_tables
from spidergate.runtime import Runtime
from spidergate.settings import Settings
from spidergate.usage import keys
from spidergate.usage.record import RequestRecord
from spidergate.usage.record_items import record_from_item
from spidergate.web.app import GATE, create_app

REGION = "us-east-1"
SANDBOX = "http://sandbox.test/v1"
AWS_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION}
DIRECT_LIMIT = 200_000  # small caps keep the oversized cases cheap
UPLOAD_LIMIT = 600_000


def wav(seconds: float, rate: int = 16_000) -> bytes:
    """Silent 16-bit mono WAV audio of exactly ``seconds``."""
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(bytes(int(seconds * rate) * 2))
    return out.getvalue()


@dataclass
class MediaStack:
    rt: Runtime
    app: Any  # the gateway's ASGI app
    client: httpx.AsyncClient  # the gateway
    sandbox: httpx.AsyncClient  # the sandbox's control API
    bearer: str  # brand A's agent (two OpenAI keys)
    keyless_bearer: str  # brand B's agent (no keys)
    key_ids: tuple[str, str]

    def auth(self, bearer: str | None = None) -> dict[str, str]:
        return {"authorization": f"Bearer {bearer or self.bearer}"}

    async def post(
        self, path: str, bearer: str | None = None, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        return await self.client.post(GATE + path, headers={**self.auth(bearer), **(headers or {})}, **kwargs)

    async def fault(self, path: str, status: int = 429, times: int = 1, **fault: Any) -> None:
        doc = {"match": {"path": path}, "times": times, "fault": {"status": status, **fault}}
        r = await self.sandbox.post("/_control/faults", json=doc)
        assert r.status_code == 201, r.text

    async def upstream_requests(self, path: str) -> list[dict[str, Any]]:
        r = await self.sandbox.get("/_control/requests", params={"path": path})
        found: list[dict[str, Any]] = r.json()["requests"]
        return found

    def records(self, brand_id: str = "brd_a") -> list[RequestRecord]:
        found = []
        for pk in keys.record_pks(brand_id):  # a brand's records are sharded
            got = self.rt.aws.dynamodb.query(
                TableName=self.rt.settings.usage_table, KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": {"S": pk}},
            )  # fmt: skip
            found += [record_from_item(item) for item in got["Items"]]
        return found

    def only_record(self) -> RequestRecord:
        found = self.records()
        assert len(found) == 1, found
        return found[0]

    def model(self, model_id: str) -> ModelInfo:
        found = self.rt.catalog.get(model_id)
        assert found is not None, model_id
        return found

    def s3_keys(self) -> list[str]:
        listed = self.rt.aws.s3.list_objects_v2(Bucket=self.rt.settings.upload_bucket)
        return [o["Key"] for o in listed.get("Contents", [])]


def build_stack() -> MediaStack:
    settings = Settings(
        region=REGION, emit_metrics=False, allow_private_base_urls=True, ledger_http=False,  # mock_aws: boto3 only
        max_direct_upload_bytes=DIRECT_LIMIT, max_upload_bytes=UPLOAD_LIMIT,
    )  # fmt: skip
    aws = AwsClients(settings)
    create_tables(aws.dynamodb, settings)
    aws.s3.create_bucket(Bucket=settings.upload_bucket)
    sandbox_app: SandboxApp = create_sandbox_app()
    http = httpx.AsyncClient(transport=httpx.ASGITransport(sandbox_app))
    rt = Runtime(settings=settings, aws=aws, http_client=http)
    rt.records.create_brand("Brand A", brand_id="brd_a")
    rt.records.create_brand("Brand B", brand_id="brd_b")
    _, cred = rt.records.create_agent("brd_a", "media-bot")
    _, keyless = rt.records.create_agent("brd_b", "keyless-bot")
    first = rt.keyvault.add("brd_a", "openai", "sk-media-one", label="one", base_url=SANDBOX)
    second = rt.keyvault.add("brd_a", "openai", "sk-media-two", label="two", base_url=SANDBOX)
    app = create_app(["embeddings", "media"], runtime=rt)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://gateway.test")
    control = httpx.AsyncClient(transport=httpx.ASGITransport(sandbox_app), base_url="http://sandbox.test")
    return MediaStack(rt, app, client, control, cred.bearer, keyless.bearer, (first.key_id, second.key_id))


@contextmanager
def media_stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[MediaStack]:
    """A fresh stack inside ``mock_aws`` (use from a fixture)."""
    for name, value in AWS_ENV.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SECRETS_MANAGER",
                 "AWS_ENDPOINT_URL_S3", "AWS_PROFILE"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    moto_fixes.apply()  # DynamoDB's number handling: embedding costs are tiny (4E-8) and exponent-noted
    with mock_aws():
        yield build_stack()


def s3_form_post(
    url: str, fields: dict[str, str], filename: str, content: bytes, content_type: str
) -> httpx.Response:
    """POST a file to a presigned S3 form, served by moto's S3 app in-process (mock_aws state)."""
    app = DomainDispatcherApplication(create_backend_app)
    with httpx.Client(transport=httpx.WSGITransport(app=app)) as s3:
        return s3.post(url, data=fields, files={"file": (filename, content, content_type)})


def policy_of(fields: dict[str, str]) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(base64.b64decode(fields["policy"]))
    return decoded


def error_of(r: httpx.Response) -> dict[str, Any]:
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {"message", "type", "param", "code"}, body
    error: dict[str, Any] = body["error"]
    return error
