"""Shared by the sandbox OpenAI tests: one request to the sandbox app in-process."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from spidergate.local.sandbox import SandboxApp

AUTH = {"authorization": "Bearer sk-test-1"}


def send(app: SandboxApp, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """One request through an ASGI transport, run to completion."""

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox.test") as client:
            return await client.request(method, path, **kwargs)

    return asyncio.run(go())
