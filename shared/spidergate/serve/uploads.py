"""Presigned S3 uploads for audio too large to cross API Gateway (up to ``Settings.max_upload_bytes``).

``POST /uploads`` grants a presigned POST to ``uploads/<brand_id>/<upload_id>/<filename>`` limited
by a ``content-length-range`` condition; a transcription then names the ``upload_id``. Only the
caller's brand prefix is ever read, so another brand's id is simply not found. The object is
deleted once a transcription has used it; leftovers are for the bucket's lifecycle rule.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from spidergate.domain import Principal
from spidergate.errors import GatewayError, InvalidRequest, NotFound, PayloadTooLarge
from spidergate.providers.base import AudioUpload
from spidergate.schemas.audio import UploadRequest
from spidergate.schemas.validation import validate

if TYPE_CHECKING:
    from spidergate.runtime import Runtime

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True, slots=True)
class StoredUpload:
    key: str
    audio: AudioUpload


def upload_prefix(brand_id: str, upload_id: str) -> str:
    """Where one upload's object lives: only ever listed under the caller's own brand."""
    return f"uploads/{brand_id}/{upload_id}/"


def safe_filename(name: str) -> str:
    """A file name fit for an S3 key: its last path part, odd characters replaced, at most 128 long."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _UNSAFE.sub("_", base).lstrip("._")[-128:]
    return cleaned or "audio"


def too_large(size: int, limit: int) -> PayloadTooLarge:
    """The 413 for an audio file over the upload cap."""
    return PayloadTooLarge(
        f"The audio file is {size} bytes; "
        f"transcription takes files up to {limit} bytes ({mebibytes(limit)}).",
        param="file",
    )


def mebibytes(size: int) -> str:
    """``26214400`` as ``25 MB``."""
    return f"{size / 1_048_576:g} MB"


async def grant_upload(rt: Runtime, principal: Principal, payload: dict[str, Any]) -> dict[str, Any]:
    """A presigned S3 POST for one audio file of the declared size and type."""
    req = validate(UploadRequest, payload)
    limit = rt.settings.max_upload_bytes
    if req.bytes > limit:
        raise too_large(req.bytes, limit)
    upload_id = "upl_" + secrets.token_hex(16)
    key = upload_prefix(principal.brand_id, upload_id) + safe_filename(req.filename)
    ttl = rt.settings.upload_url_ttl_seconds
    s3 = rt.aws.s3
    post = await asyncio.to_thread(
        s3.generate_presigned_post,
        Bucket=rt.settings.upload_bucket,
        Key=key,
        Fields={"Content-Type": req.content_type},
        Conditions=[{"Content-Type": req.content_type}, ["content-length-range", 1, limit]],
        ExpiresIn=ttl,
    )
    return {
        "object": "upload",
        "upload_id": upload_id,
        "url": post["url"],
        "fields": post["fields"],
        "expires_at": int(time.time()) + ttl,
        "max_bytes": limit,
    }


async def claim_upload(rt: Runtime, principal: Principal, upload_id: str) -> StoredUpload:
    """The uploaded audio of ``upload_id`` in the caller's brand (404 if absent, 413 if too large)."""
    return await asyncio.to_thread(_claim, rt, principal.brand_id, upload_id)


def _claim(rt: Runtime, brand_id: str, upload_id: str) -> StoredUpload:
    s3, bucket = rt.aws.s3, rt.settings.upload_bucket
    missing = NotFound(
        f"No upload `{upload_id}` for your brand: it was never uploaded, has been used, or expired.",
        param="upload_id",
        code="upload_not_found",
    )
    try:
        listed = s3.list_objects_v2(Bucket=bucket, Prefix=upload_prefix(brand_id, upload_id), MaxKeys=1)
        found = listed.get("Contents") or []
        if not found:
            raise missing
        key, size = found[0]["Key"], int(found[0]["Size"])
        if size > rt.settings.max_upload_bytes:
            s3.delete_object(Bucket=bucket, Key=key)
            raise too_large(size, rt.settings.max_upload_bytes)
        if size == 0:
            raise InvalidRequest("The uploaded audio file is empty.", param="upload_id")
        got = s3.get_object(Bucket=bucket, Key=key)
        content = got["Body"].read()
    except s3.exceptions.NoSuchKey:
        raise missing from None
    except s3.exceptions.ClientError as exc:
        raise GatewayError(
            "The upload store could not be read; try again.", code="upload_store_error", status=503
        ) from exc
    kind = str(got.get("ContentType") or "application/octet-stream")
    return StoredUpload(key, AudioUpload(filename=key.rsplit("/", 1)[-1], content=content, content_type=kind))


async def discard_upload(rt: Runtime, stored: StoredUpload) -> None:
    """Delete a used upload (a failure only leaves it to the bucket's lifecycle rule)."""
    s3 = rt.aws.s3
    with contextlib.suppress(s3.exceptions.ClientError):
        await asyncio.to_thread(s3.delete_object, Bucket=rt.settings.upload_bucket, Key=stored.key)
