"""What third-party clients hit at the HTTP level: CORS, HEAD, Allow, gzip, the 404 hints."""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fastapi import FastAPI

from spidergate.runtime import Runtime
from spidergate.settings import Settings
from spidergate.web.app import create_app

GATE = "http://gw/api/gate/v1"
ORIGIN = "https://app.example.com"
PREFLIGHT = {
    "origin": ORIGIN,
    "access-control-request-method": "POST",
    "access-control-request-headers": "authorization, content-type, x-stainless-os",
}

MakeClient = Callable[..., httpx.AsyncClient]


@pytest.fixture
async def make_client() -> AsyncIterator[MakeClient]:
    apps: list[FastAPI] = []

    def make(**settings: object) -> httpx.AsyncClient:
        fields: dict[str, object] = {"emit_metrics": False, **settings}
        app = create_app(runtime=Runtime.build(Settings(**fields)))  # type: ignore[arg-type]
        apps.append(app)
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=app))

    yield make
    for app in apps:
        await app.state.runtime.aclose()


async def test_cors_is_off_by_default(make_client: MakeClient) -> None:
    async with make_client() as client:
        preflight = await client.options(f"{GATE}/chat/completions", headers=PREFLIGHT)
        assert preflight.status_code == 405
        assert preflight.headers["allow"] == "POST"
        assert "access-control-allow-origin" not in preflight.headers
        listed = await client.get(f"{GATE}/health", headers={"origin": ORIGIN})
        assert listed.status_code == 200
        assert "access-control-allow-origin" not in listed.headers


async def test_allowed_origin_gets_its_preflight_and_marked_responses(make_client: MakeClient) -> None:
    async with make_client(cors_allowed_origins=f"{ORIGIN}, https://admin.example.com/") as client:
        preflight = await client.options(f"{GATE}/chat/completions", headers=PREFLIGHT)
        assert preflight.status_code == 204
        assert preflight.headers["access-control-allow-origin"] == ORIGIN
        assert "POST" in preflight.headers["access-control-allow-methods"]
        assert (
            preflight.headers["access-control-allow-headers"] == PREFLIGHT["access-control-request-headers"]
        )
        assert "access-control-allow-credentials" not in preflight.headers
        for response in (
            await client.get(f"{GATE}/health", headers={"origin": "https://admin.example.com"}),
            await client.post(f"{GATE}/chat/completions", json={}, headers={"origin": ORIGIN}),  # 401
        ):
            assert response.headers["access-control-allow-origin"] == response.request.headers["origin"]
            assert "Origin" in response.headers["vary"]
            exposed = response.headers["access-control-expose-headers"]
            assert "x-request-id" in exposed and "retry-after" in exposed
        assert response.status_code == 401


async def test_other_origins_are_refused_with_an_openai_error(make_client: MakeClient) -> None:
    async with make_client(cors_allowed_origins=ORIGIN) as client:
        refused = await client.options(
            f"{GATE}/chat/completions", headers={**PREFLIGHT, "origin": "https://evil.example"}
        )
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "origin_not_allowed"
        assert "access-control-allow-origin" not in refused.headers
        plain = await client.get(f"{GATE}/health", headers={"origin": "https://evil.example"})
        assert plain.status_code == 200
        assert "access-control-allow-origin" not in plain.headers


async def test_wildcard_allows_any_origin(make_client: MakeClient) -> None:
    async with make_client(cors_allowed_origins="*") as client:
        preflight = await client.options(
            f"{GATE}/embeddings", headers={**PREFLIGHT, "origin": "http://localhost:3000"}
        )
        assert preflight.status_code == 204
        assert preflight.headers["access-control-allow-origin"] == "*"


async def test_head_answers_like_get_without_a_body(make_client: MakeClient) -> None:
    async with make_client() as client:
        for path in ("/health", "/models?provider=groq", "/providers"):
            got = await client.get(GATE + path, headers={"accept-encoding": "identity"})
            head = await client.head(GATE + path, headers={"accept-encoding": "identity"})
            assert head.status_code == got.status_code == 200, path
            assert head.content == b""
            assert head.headers["content-length"] == str(len(got.content))
            assert head.headers["content-type"] == got.headers["content-type"]


async def test_405_names_the_allowed_methods(make_client: MakeClient) -> None:
    async with make_client() as client:
        wrong = await client.get(f"{GATE}/chat/completions")
        assert (wrong.status_code, wrong.headers["allow"]) == (405, "POST")
        assert wrong.json()["error"]["code"] == "method_not_allowed"
        posted = await client.post(f"{GATE}/models")
        assert (posted.status_code, posted.headers["allow"]) == (405, "GET, HEAD")


@pytest.mark.parametrize("path", ["/responses", "/completions", "/responses/resp_123"])
async def test_unserved_openai_endpoints_say_what_to_use(make_client: MakeClient, path: str) -> None:
    async with make_client() as client:
        response = await client.post(GATE + path, json={"model": "fast", "input": "hi"})
        assert response.status_code == 404
        error = response.json()["error"]
        assert error["code"] == "not_found"
        assert "/api/gate/v1/chat/completions" in error["message"]
        other = await client.post(f"{GATE}/nothing")
        assert other.json()["error"]["message"] == "Unknown path."


async def test_large_bodies_are_gzipped_for_clients_that_accept_it(make_client: MakeClient) -> None:
    async with make_client() as client:
        plain = await client.get(
            f"{GATE}/models", params={"limit": 2000}, headers={"accept-encoding": "identity"}
        )
        assert "content-encoding" not in plain.headers
        async with client.stream(
            "GET", f"{GATE}/models", params={"limit": 2000}, headers={"accept-encoding": "gzip"}
        ) as packed:
            raw = b"".join([chunk async for chunk in packed.aiter_raw()])
        assert packed.headers["content-encoding"] == "gzip"
        assert "Accept-Encoding" in packed.headers["vary"]
        assert int(packed.headers["content-length"]) == len(raw) < len(plain.content) // 5
        assert gzip.decompress(raw) == plain.content
        small = await client.get(f"{GATE}/health", headers={"accept-encoding": "gzip"})
        assert "content-encoding" not in small.headers


async def test_compression_can_be_turned_off(make_client: MakeClient) -> None:
    async with make_client(compress_min_bytes=0) as client:
        response = await client.get(f"{GATE}/models", headers={"accept-encoding": "gzip"})
        assert "content-encoding" not in response.headers
