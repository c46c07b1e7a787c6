"""Fixtures of the ledger tests: one serialised moto server for the package, a fresh usage table a test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.functional.ledger.harness import serial_moto_endpoint, usage_table


@pytest.fixture(scope="package")
def endpoint() -> Iterator[str]:
    with serial_moto_endpoint() as url:
        yield url


@pytest.fixture
def table(endpoint: str) -> tuple[Any, str]:
    return usage_table(endpoint)
