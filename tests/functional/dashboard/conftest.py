"""Fixtures of the dashboard API tests: AWS under mock_aws, a stack with a Cognito pool and the app."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws

from tests.functional.dashboard.harness import Stack, build_stack, use_aws_env


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    use_aws_env(monkeypatch)


@pytest.fixture
def stack(aws_env: None) -> Iterator[Stack]:
    with mock_aws():
        yield build_stack()
