"""The public catalog: GET /models, /models/{id}, /aliases, /providers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from spidergate.domain import Principal
from spidergate.errors import AuthenticationFailed
from spidergate.serve import catalog as service
from spidergate.web.caching import cached_json
from spidergate.web.deps import RuntimeDep

router = APIRouter()


async def optional_principal(request: Request, rt: RuntimeDep) -> Principal | None:
    """The caller when it presents a valid gateway token; anyone else gets the public view.

    SDKs always send their api_key, so an unusable token is not an error on public endpoints.
    """
    header = request.headers.get("authorization")
    if not header:
        return None
    try:
        return await rt.auth.authenticate(header)
    except AuthenticationFailed:
        return None


@router.get("/models")
async def list_models(
    request: Request,
    rt: RuntimeDep,
    provider: str | None = None,
    free_only: bool = False,
    configured_only: bool = False,
    search: str | None = None,
    capability: str | None = None,
    sort_by: str = "id",
    order: str = "asc",
    limit: Annotated[int | None, Query()] = None,
    offset: Annotated[int, Query()] = 0,
    after: str | None = None,
) -> Response:
    principal = await optional_principal(request, rt)
    configured = await service.configured_providers(rt, principal)
    params = {
        "provider": provider,
        "free_only": free_only,
        "configured_only": configured_only,
        "search": search,
        "capability": capability,
        "sort_by": sort_by,
        "order": order,
        "limit": limit,
        "offset": offset,
        "after": after,
    }
    body = service.models_page(rt.catalog, params, configured)
    return cached_json(request, body, max_age=300, private=principal is not None)


@router.get("/models/{model_id:path}")
async def get_model(request: Request, rt: RuntimeDep, model_id: str) -> Response:
    principal = await optional_principal(request, rt)
    configured = await service.configured_providers(rt, principal)
    body = service.one_model(rt.catalog, model_id, configured)
    return cached_json(request, body, max_age=300, private=principal is not None)


@router.get("/providers")
async def list_providers(request: Request, rt: RuntimeDep) -> Response:
    principal = await optional_principal(request, rt)
    body = await service.providers_list(rt, principal)
    return cached_json(request, body, max_age=30 if principal else 300, private=principal is not None)


@router.get("/aliases")
async def list_aliases(request: Request, rt: RuntimeDep) -> Response:
    principal = await optional_principal(request, rt)
    body = await service.aliases_list(rt, principal)
    return cached_json(request, body, max_age=60, private=principal is not None)
