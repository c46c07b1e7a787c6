"""The brand console at ``/console``, served by the dashboard function on the API's own origin (no
CORS): ``index.html`` (never cached), hashed ``assets/*`` (cached for a year) and ``config.json`` (how
the browser signs in). Deployed under a stage (``/<stage>/console/``), so every URL stays relative."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, RedirectResponse, Response

from spidergate.dashboard.console_config import console_config
from spidergate.dashboard.session import DashboardNotConfigured
from spidergate.errors import NotFound
from spidergate.settings import Settings
from spidergate.web.console_files import INDEX, ConsoleFiles
from spidergate.web.deps import RuntimeDep

router = APIRouter()
_FILES = ConsoleFiles()


def _csp(settings: Settings) -> str:
    """Scripts and styles from this origin only; API calls here, sign-in calls to the user pool
    (none while sign-in is not configured: the page then shows config.json's error)."""
    try:
        pool = " " + console_config(settings).cognito_origin
    except DashboardNotConfigured:
        pool = ""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self'{pool}; frame-ancestors 'none'; base-uri 'self'; "
        "form-action 'self'; object-src 'none'"
    )


@router.get("/console")
async def console_root() -> Response:
    # Relative, so it lands on /<stage>/console/ behind API Gateway as well as on /console/ locally.
    return RedirectResponse("console/", status_code=308)


@router.get("/console/{path:path}")
async def console_file(path: str, rt: RuntimeDep) -> Response:
    if path == "config.json":
        config = console_config(rt.settings)
        return JSONResponse(config.model_dump(), headers={"cache-control": "no-store"})
    found = _FILES.get(path)
    if found is None:
        raise NotFound(f"No console file at /console/{path}.")
    headers = {"cache-control": found.cache_control, "x-content-type-options": "nosniff"}
    if path in ("", INDEX):
        headers["content-security-policy"] = _csp(rt.settings)
        headers["referrer-policy"] = "no-referrer"
        headers["x-frame-options"] = "DENY"
    return Response(found.body, media_type=found.content_type, headers=headers)
