"""Direct-upload caps (413 before the body is read) and the presigned S3 upload flow for transcriptions."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from typing import Any

import pytest

from tests.functional.media_harness import (
    DIRECT_LIMIT,
    UPLOAD_LIMIT,
    MediaStack,
    error_of,
    media_stack,
    policy_of,
    s3_form_post,
    wav,
)


@pytest.fixture
def media(monkeypatch: pytest.MonkeyPatch) -> Iterator[MediaStack]:
    with media_stack(monkeypatch) as stack:
        yield stack


async def grant(
    media: MediaStack, filename: str, size: int, content_type: str = "audio/wav"
) -> dict[str, Any]:
    r = await media.post("/uploads", json={"filename": filename, "content_type": content_type, "bytes": size})
    assert r.status_code == 200, r.text
    granted: dict[str, Any] = r.json()
    return granted


async def upload(media: MediaStack, filename: str, audio: bytes) -> str:
    granted = await grant(media, filename, len(audio))
    stored = s3_form_post(granted["url"], granted["fields"], filename, audio, "audio/wav")
    assert stored.status_code in (200, 201, 204), stored.text
    upload_id: str = granted["upload_id"]
    return upload_id


# -- direct uploads -------------------------------------------------------------------------


async def test_oversized_direct_upload_is_413_pointing_to_uploads(media: MediaStack) -> None:
    big = wav(DIRECT_LIMIT / 32_000 + 1)
    r = await media.post(
        "/audio/transcriptions", data={"model": "whisper-1"}, files={"file": ("big.wav", big, "audio/wav")}
    )
    assert r.status_code == 413, r.text
    error = error_of(r)
    assert error["code"] == "payload_too_large"
    assert "/api/gate/v1/uploads" in error["message"] and "upload_id" in error["message"]
    assert media.records() == []
    assert await media.upstream_requests("/v1/audio/transcriptions") == []


async def test_declared_length_is_refused_before_reading_the_body(media: MediaStack) -> None:
    app = media.app
    reads = 0

    async def receive() -> dict[str, Any]:
        nonlocal reads
        reads += 1
        return {"type": "http.request", "body": b"x" * 65536, "more_body": True}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    headers = [
        (b"host", b"gateway.test"),
        (b"content-type", b"multipart/form-data; boundary=b"),
        (b"content-length", str(DIRECT_LIMIT * 10).encode()),
        (b"authorization", media.auth()["authorization"].encode()),
    ]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/gate/v1/audio/transcriptions",
        "raw_path": b"",
        "query_string": b"",
        "headers": headers,
        "server": ("gateway.test", 80),
        "client": ("127.0.0.1", 1),
        "root_path": "",
    }
    await app(scope, receive, send)
    assert sent[0]["status"] == 413
    assert reads == 0


async def test_streamed_body_without_length_is_cut_at_the_cap(media: MediaStack) -> None:
    chunks = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal chunks
        yield b'--b\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n'
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n\r\n'
        for _ in range(DIRECT_LIMIT // 10_000 * 3):
            chunks += 1
            yield bytes(10_000)

    r = await media.post(
        "/audio/transcriptions", content=body(), headers={"content-type": "multipart/form-data; boundary=b"}
    )
    assert r.status_code == 413, r.text
    assert "content-length" not in r.request.headers
    assert error_of(r)["code"] == "payload_too_large"


# -- presigned uploads ----------------------------------------------------------------------


async def test_grant_is_a_presigned_post_scoped_to_the_brand(media: MediaStack) -> None:
    granted = await grant(media, "../../Team Meeting.wav", 300_000)
    upload_id = granted["upload_id"]
    assert upload_id.startswith("upl_")
    key = granted["fields"]["key"]
    assert key == f"uploads/brd_a/{upload_id}/Team_Meeting.wav"
    conditions = policy_of(granted["fields"])["conditions"]
    assert ["content-length-range", 1, UPLOAD_LIMIT] in conditions
    assert {"Content-Type": "audio/wav"} in conditions
    assert granted["max_bytes"] == UPLOAD_LIMIT
    assert time.time() < granted["expires_at"] <= time.time() + media.rt.settings.upload_url_ttl_seconds + 1
    assert "x-amz-signature" in granted["fields"]  # SigV4


async def test_grant_refuses_files_over_the_cap(media: MediaStack) -> None:
    r = await media.post(
        "/uploads", json={"filename": "a.wav", "content_type": "audio/wav", "bytes": UPLOAD_LIMIT + 1}
    )
    assert r.status_code == 413
    assert error_of(r)["code"] == "payload_too_large"
    bad = await media.post("/uploads", json={"filename": "a.wav", "content_type": "nonsense", "bytes": 5})
    assert bad.status_code == 400 and error_of(bad)["param"] == "content_type"


async def test_large_audio_through_the_upload_flow(media: MediaStack) -> None:
    audio = wav(10.0)  # 320 kB: over the direct cap, under the upload cap
    assert DIRECT_LIMIT < len(audio) < UPLOAD_LIMIT
    upload_id = await upload(media, "meeting.wav", audio)
    # The OpenAI SDK always sends a file: a placeholder one is ignored when upload_id is present.
    r = await media.post(
        "/audio/transcriptions",
        data={"model": "whisper-1", "upload_id": upload_id, "response_format": "text"},
        files={"file": ("ref.txt", b"", "text/plain")},
    )
    assert r.status_code == 200, r.text
    assert f"meeting.wav, {len(audio)} bytes" in r.text
    record = media.only_record()
    assert (record.usage.seconds, record.usage.estimated) == (10.0, False)
    assert record.cost == Decimal("10.0") * media.model("openai/whisper-1").prices.per_second
    assert media.s3_keys() == []  # deleted after use
    again = await media.post("/audio/transcriptions", data={"model": "whisper-1", "upload_id": upload_id})
    assert again.status_code == 404
    assert error_of(again)["code"] == "upload_not_found"


async def test_reference_without_any_file_and_as_json(media: MediaStack) -> None:
    first = await upload(media, "one.wav", wav(1.0))
    r = await media.post("/audio/transcriptions", data={"model": "whisper-1", "upload_id": first})
    assert r.status_code == 200, r.text
    second = await upload(media, "two.wav", wav(1.0))
    j = await media.post(
        "/audio/transcriptions",
        json={
            "model": "whisper-1",
            "upload_id": second,
            "timestamp_granularities": ["segment"],
            "response_format": "verbose_json",
        },
    )
    assert j.status_code == 200, j.text
    assert j.json()["duration"] > 0


async def test_another_brands_upload_is_not_found(media: MediaStack) -> None:
    upload_id = "upl_" + "0" * 32
    media.rt.aws.s3.put_object(
        Bucket=media.rt.settings.upload_bucket, Key=f"uploads/brd_b/{upload_id}/x.wav", Body=wav(1.0)
    )
    r = await media.post("/audio/transcriptions", data={"model": "whisper-1", "upload_id": upload_id})
    assert r.status_code == 404
    assert error_of(r)["code"] == "upload_not_found"
    assert media.s3_keys() == [f"uploads/brd_b/{upload_id}/x.wav"]  # untouched
    assert media.records() == []


async def test_stored_object_over_the_cap_is_413_and_removed(media: MediaStack) -> None:
    upload_id = "upl_" + "1" * 32
    media.rt.aws.s3.put_object(
        Bucket=media.rt.settings.upload_bucket,
        Key=f"uploads/brd_a/{upload_id}/x.wav",
        Body=bytes(UPLOAD_LIMIT + 1),
    )
    r = await media.post("/audio/transcriptions", data={"model": "whisper-1", "upload_id": upload_id})
    assert r.status_code == 413
    assert error_of(r)["code"] == "payload_too_large"
    assert media.s3_keys() == []
    assert media.records() == []


async def test_malformed_upload_id_is_a_400(media: MediaStack) -> None:
    r = await media.post("/audio/transcriptions", data={"model": "whisper-1", "upload_id": "upl_../brd_b"})
    assert r.status_code == 400
    assert error_of(r)["param"] == "upload_id"


async def test_failed_route_keeps_the_upload_for_a_retry(media: MediaStack) -> None:
    upload_id = await upload(media, "keep.wav", wav(1.0))
    await media.fault("/v1/audio/transcriptions", status=500, times=2)
    r = await media.post("/audio/transcriptions", data={"model": "whisper-1", "upload_id": upload_id})
    assert r.status_code == 503, r.text
    assert len(media.s3_keys()) == 1
    record = media.only_record()
    assert record.status == 503 and record.cost == 0
    retry = await media.post("/audio/transcriptions", data={"model": "whisper-1", "upload_id": upload_id})
    assert retry.status_code == 200, retry.text
    assert media.s3_keys() == []
