"""Every route the app serves has its API Gateway route to the right function, and vice versa."""

from __future__ import annotations

import re
from typing import Any

import pytest

from spidergate.runtime import Runtime
from spidergate.settings import Settings
from spidergate.web.app import GROUPS, create_app
from tests.template.cfn import Route

FUNCTION_OF = {group: f"{group.capitalize()}Function" for group in GROUPS}
# The Lambda Web Adapter's readiness check: the chat and media apps serve it, API Gateway sends it
# to catalog.
READINESS = {(group, "GET", "/api/gate/v1/health") for group in ("chat", "media")}


def _served(group: str) -> set[tuple[str, str]]:
    """(METHOD, path template) of every route the group's app serves, from its OpenAPI document."""
    app = create_app([group], runtime=Runtime.build(Settings(emit_metrics=False)))
    paths = app.openapi()["paths"]
    assert paths, group
    return {(method.upper(), path) for path, methods in paths.items() for method in methods}


def _sample(app_path: str) -> str:
    """A concrete path the app route answers (the model-get replay covers ids with slashes)."""
    return re.sub(r"\{\w+\}", "seg", app_path)


def _gateway_pattern(resource: str) -> re.Pattern[str]:
    pattern = re.sub(r"\\\{\w+\\\+\\\}", ".+", re.escape(resource))
    return re.compile(re.sub(r"\\\{\w+\\\}", "[^/]+", pattern))


@pytest.mark.parametrize("group", GROUPS)
def test_each_app_route_is_deployed_to_its_group_function(group: str, routes: list[Route]) -> None:
    for method, path in _served(group):
        if (group, method, path) in READINESS:
            continue
        targets = {
            r.function
            for r in routes
            if r.method == method and _gateway_pattern(r.path).fullmatch(_sample(path))
        }
        assert targets == {FUNCTION_OF[group]}, (method, path, targets)


@pytest.mark.parametrize("group", GROUPS)
def test_each_deployed_route_reaches_an_app_route(group: str, routes: list[Route]) -> None:
    served = _served(group)
    for route in (r for r in routes if r.function == FUNCTION_OF[group]):
        pattern = _gateway_pattern(route.path)
        # HEAD is served by the GET route; OPTIONS by the CORS middleware on any served path.
        methods = {"HEAD": {"GET"}, "OPTIONS": {m for m, _ in served}}.get(route.method, {route.method})
        hits: list[Any] = [p for m, p in served if m in methods and pattern.fullmatch(_sample(p))]
        assert hits, f"{route.method} {route.path} reaches {group}, which serves no such route"
