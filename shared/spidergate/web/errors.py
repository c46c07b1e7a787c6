"""Every error leaves as the OpenAI error body: gateway errors, validation errors, unknown routes."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse

from spidergate.errors import GatewayError, InvalidRequest
from spidergate.web.methods import allow_header
from spidergate.web.not_found import unknown_path_message

log = logging.getLogger("spidergate.web")


def error_response(error: GatewayError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status, headers=error.headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(GatewayError)
    async def gateway_error(_: Request, exc: GatewayError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if not errors:
            return error_response(InvalidRequest("Invalid request."))
        first = errors[0]
        loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path", "header")]
        param = ".".join(loc) or None
        return error_response(
            InvalidRequest(f"Invalid request: {param or 'body'}: {first.get('msg')}", param=param)
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        kinds = {
            404: ("not_found", unknown_path_message(request.url.path)),
            405: ("method_not_allowed", "Method not allowed."),
        }
        code, message = kinds.get(exc.status_code, ("http_error", str(exc.detail)))
        headers = dict(exc.headers or {})
        if "Allow" in headers:
            headers["Allow"] = allow_header(headers["Allow"])
        error = GatewayError(message, code=code, status=exc.status_code, headers=headers)
        error.type = "invalid_request_error"
        return error_response(error)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return error_response(GatewayError("The gateway hit an internal error.", code="internal_error"))
