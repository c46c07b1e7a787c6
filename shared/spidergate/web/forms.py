"""Reading a transcription request's body within the direct-upload cap, without buffering more.

A ``Content-Length`` over the cap is refused before a byte of the body is read; without one (or
with a wrong one) the cap is enforced while the body streams in. Multipart is parsed by Starlette's
``MultiPartParser`` (python-multipart); url-encoded and JSON bodies are accepted too (for a request
that only names an ``upload_id``).
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field

from starlette.datastructures import UploadFile
from starlette.formparsers import FormParser, MultiPartException, MultiPartParser
from starlette.requests import Request

from spidergate.errors import InvalidRequest, PayloadTooLarge
from spidergate.providers.base import AudioUpload
from spidergate.schemas.validation import json_object
from spidergate.serve.uploads import mebibytes

MAX_FIELDS = 64
MAX_FIELD_BYTES = 64 * 1024


@dataclass
class SubmittedForm:
    """Text fields (every value, in order) and the audio file if one was sent."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    file: AudioUpload | None = None


def direct_upload_too_large(
    size: int | None, limit: int, upload_limit: int, uploads_path: str
) -> PayloadTooLarge:
    """The 413 for a direct upload over ``limit``, pointing to the presigned upload flow."""
    seen = f"The request body is {size} bytes" if size is not None else "The request body is too large"
    sdk = 'file=("ref.txt", b""), extra_body={"upload_id": "upl_..."}'
    return PayloadTooLarge(
        f"{seen}; a direct upload is limited to {limit} bytes (API Gateway's request cap). "
        f"Upload larger audio (up to {mebibytes(upload_limit)}) with POST {uploads_path}, "
        "post the file to the returned url with the returned fields, "
        f"then send the transcription with its upload_id (with the OpenAI SDK: {sdk}).",
        param="file",
    )


async def read_form(
    request: Request, limit: int, too_large: Callable[[int | None], PayloadTooLarge]
) -> SubmittedForm:
    """The request's fields and file, or a 413 once it passes ``limit`` bytes (a 400 if malformed)."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise InvalidRequest("Content-Length is not a number.")
        if int(declared) > limit:
            raise too_large(int(declared))
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    stream = _capped(request, limit, too_large)
    if kind == "application/json":
        payload = json_object(b"".join([chunk async for chunk in stream]))
        return SubmittedForm(
            fields={
                (f"{k}[]" if isinstance(v, list) and not k.endswith("[]") else k): _texts(v)
                for k, v in payload.items()
                if k != "file"
            }
        )
    try:
        if kind == "multipart/form-data":
            parser: MultiPartParser | FormParser = MultiPartParser(
                request.headers, stream, max_files=1, max_fields=MAX_FIELDS, max_part_size=MAX_FIELD_BYTES
            )
        elif kind == "application/x-www-form-urlencoded":
            parser = FormParser(request.headers, stream, max_fields=MAX_FIELDS, max_part_size=MAX_FIELD_BYTES)
        else:
            raise InvalidRequest(
                "Send the transcription as multipart/form-data (the audio in the `file` field)."
            )
        form = await parser.parse()
    except MultiPartException as exc:
        raise InvalidRequest(f"Malformed form body: {exc.message}") from None
    submitted = SubmittedForm()
    try:
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                if name != "file":
                    raise InvalidRequest(
                        f"Unexpected file field `{name}`; send the audio as `file`.", param=name
                    )
                content = await value.read()
                submitted.file = AudioUpload(
                    filename=value.filename or "audio",
                    content=content,
                    content_type=value.content_type or "application/octet-stream",
                )
            else:
                submitted.fields.setdefault(name, []).append(value)
    finally:
        await form.close()
    return submitted


async def _capped(
    request: Request, limit: int, too_large: Callable[[int | None], PayloadTooLarge]
) -> AsyncGenerator[bytes, None]:
    """The body as it arrives, raising the 413 as soon as it passes ``limit``."""
    seen = 0
    async for chunk in request.stream():
        seen += len(chunk)
        if seen > limit:
            raise too_large(None)
        yield chunk


def _texts(value: object) -> list[str]:
    """A JSON value as form text values: arrays item by item, booleans as ``true``/``false``."""
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if isinstance(item, bool):
            out.append("true" if item else "false")
        elif isinstance(item, str):
            out.append(item)
        else:
            out.append(json.dumps(item))
    return out
