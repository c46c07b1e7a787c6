"""Fixtures for the template tests: the SAM template, its translation, its routes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.template.cfn import Route, api_routes, load_template, translate


@pytest.fixture(scope="session")
def template() -> dict[str, Any]:
    return load_template()


@pytest.fixture(scope="session")
def translated(template: dict[str, Any]) -> dict[str, Any]:
    return translate(template)


@pytest.fixture(scope="session")
def routes(translated: dict[str, Any]) -> list[Route]:
    return api_routes(translated)
