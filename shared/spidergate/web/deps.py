"""Typed dependencies: the container's Runtime and the authenticated Principal."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from spidergate.domain import Principal
from spidergate.runtime import Runtime


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_principal(request: Request, rt: RuntimeDep) -> Principal:
    return await rt.auth.authenticate(request.headers.get("authorization"))


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def request_id(request: Request) -> str:
    rid: str = request.scope.get("state", {}).get("request_id") or "req_unknown"
    return rid


RequestIdDep = Annotated[str, Depends(request_id)]
