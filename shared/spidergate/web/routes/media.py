"""POST /images/generations, /audio/speech, /audio/transcriptions and /uploads (presigned S3 POST)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from spidergate.schemas.validation import json_object
from spidergate.serve.images import generate_images
from spidergate.serve.speech import create_speech
from spidergate.serve.transcription import create_transcription
from spidergate.serve.uploads import grant_upload
from spidergate.web.buffered import settled
from spidergate.web.deps import PrincipalDep, RequestIdDep, RuntimeDep
from spidergate.web.forms import direct_upload_too_large, read_form

router = APIRouter()
UPLOADS_PATH = "/api/gate/v1/uploads"


@router.post("/images/generations")
async def images(
    request: Request, principal: PrincipalDep, rt: RuntimeDep, request_id: RequestIdDep
) -> Response:
    payload = json_object(await request.body())
    return settled(await generate_images(rt, principal, request_id, payload))


@router.post("/audio/speech")
async def speech(
    request: Request, principal: PrincipalDep, rt: RuntimeDep, request_id: RequestIdDep
) -> Response:
    payload = json_object(await request.body())
    return settled(await create_speech(rt, principal, request_id, payload))


@router.post("/audio/transcriptions")
async def transcriptions(
    request: Request, principal: PrincipalDep, rt: RuntimeDep, request_id: RequestIdDep
) -> Response:
    s = rt.settings
    form = await read_form(
        request,
        s.max_direct_upload_bytes,
        lambda size: direct_upload_too_large(
            size, s.max_direct_upload_bytes, s.max_upload_bytes, UPLOADS_PATH
        ),
    )
    return settled(await create_transcription(rt, principal, request_id, form.fields, form.file))


@router.post("/uploads")
async def uploads(request: Request, principal: PrincipalDep, rt: RuntimeDep) -> Response:
    payload = json_object(await request.body())
    return JSONResponse(await grant_upload(rt, principal, payload))
