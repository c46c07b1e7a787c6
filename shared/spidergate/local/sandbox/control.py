"""The control API: script faults and read back recorded requests from another process."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from spidergate.local.sandbox.state import FaultSpecError, SandboxState
from spidergate.local.sandbox.wire import json_response


def _state(request: Request) -> SandboxState:
    state: SandboxState = request.app.state.sandbox
    return state


def _invalid(message: str) -> Response:
    return json_response({"error": {"message": message, "type": "invalid_request_error"}}, 400)


async def add_fault(request: Request) -> Response:
    try:
        doc = json.loads(await request.body() or b"null")
        rule = _state(request).add_fault(doc)
    except json.JSONDecodeError:
        return _invalid("body must be JSON")
    except FaultSpecError as exc:
        return _invalid(str(exc))
    return json_response(rule.describe(), 201)


async def list_faults(request: Request) -> Response:
    return json_response({"faults": [rule.describe() for rule in _state(request).faults]})


async def clear_faults(request: Request) -> Response:
    return json_response({"cleared": _state(request).clear_faults()})


async def list_requests(request: Request) -> Response:
    return json_response({"requests": _state(request).requests(request.query_params.get("path"))})


async def clear_requests(request: Request) -> Response:
    return json_response({"cleared": _state(request).clear_requests()})


async def health(request: Request) -> Response:
    return json_response({"status": "ok", "service": "spidergate-sandbox"})


ROUTES = [
    Route("/_control/faults", add_fault, methods=["POST"]),
    Route("/_control/faults", list_faults, methods=["GET"]),
    Route("/_control/faults", clear_faults, methods=["DELETE"]),
    Route("/_control/requests", list_requests, methods=["GET"]),
    Route("/_control/requests", clear_requests, methods=["DELETE"]),
    Route("/_control/health", health, methods=["GET"]),
]
