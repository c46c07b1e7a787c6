"""The FastAPI application factory: one app per endpoint group (or all of them locally)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager

from fastapi import FastAPI

from spidergate import __version__
from spidergate.runtime import Runtime
from spidergate.settings import get_settings
from spidergate.telemetry import configure_logging
from spidergate.web import errors
from spidergate.web.body_limit import BodyLimit
from spidergate.web.compression import GzipLarge
from spidergate.web.cors import Cors, parse_origins
from spidergate.web.methods import HeadAsGet
from spidergate.web.middleware import RequestId

GATE = "/api/gate/v1"
ANTHROPIC = "/api/gate/anthropic"
DASHBOARD = "/api/v1/brands/{brand_id}/gate"
GROUPS = ("chat", "embeddings", "media", "catalog", "dashboard")


def create_app(groups: Collection[str] = GROUPS, runtime: Runtime | None = None) -> FastAPI:
    """An app serving ``groups`` under the deployed paths; ``runtime`` is built lazily if not given."""
    unknown = set(groups) - set(GROUPS)
    if unknown:
        raise ValueError(f"unknown endpoint groups: {sorted(unknown)}")
    settings = runtime.settings if runtime else get_settings()
    configure_logging(settings)
    rt = runtime or Runtime.build(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await rt.aclose()

    app = FastAPI(
        title="SpiderGate",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.runtime = rt
    errors.install(app)
    if "chat" in groups:
        from spidergate.web.routes import chat

        app.include_router(chat.router, prefix=GATE)
        from spidergate.web.routes import anthropic

        app.include_router(anthropic.router, prefix=ANTHROPIC)
    if "catalog" in groups:
        from spidergate.web.routes import catalog, health

        app.include_router(health.router, prefix=GATE)
        app.include_router(catalog.router, prefix=GATE)
    elif "chat" in groups or "media" in groups:
        # The Web Adapter's readiness check (chat and media functions) hits /health.
        from spidergate.web.routes import health

        app.include_router(health.router, prefix=GATE)
    if "embeddings" in groups:
        from spidergate.web.routes import embeddings

        app.include_router(embeddings.router, prefix=GATE)
    if "media" in groups:
        from spidergate.web.routes import media

        app.include_router(media.router, prefix=GATE)
    if "dashboard" in groups:
        from spidergate.web import console
        from spidergate.web.routes import dashboard

        app.include_router(dashboard.router, prefix=DASHBOARD)
        app.include_router(console.router)
    # Outermost last: RequestId, CORS, the body limit, HEAD, then compression next to the routes.
    if settings.compress_min_bytes > 0:
        app.add_middleware(GzipLarge, minimum=settings.compress_min_bytes)
    app.add_middleware(HeadAsGet)
    app.add_middleware(BodyLimit)
    origins = parse_origins(settings.cors_allowed_origins)
    if origins:
        app.add_middleware(Cors, origins=origins)
    app.add_middleware(RequestId)
    return app
