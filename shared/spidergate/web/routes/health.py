"""GET /health: liveness only, no dependency calls."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import JSONResponse

from spidergate import __version__

router = APIRouter()


@router.get("/health")
async def health() -> JSONResponse:
    return JSONResponse(
        {"status": "healthy", "service": "spidergate", "version": __version__},
        headers={"cache-control": "no-store"},
    )
