"""Shared by the Bedrock adapter tests: a Bedrock target and a real bedrock-runtime client to stub."""

from __future__ import annotations

import functools
from typing import Any

import boto3
import httpx

from spidergate.catalog import get_catalog
from spidergate.catalog.model import ModelInfo
from spidergate.domain import ProviderKey
from spidergate.providers.base import Target
from spidergate.providers.bedrock import BedrockAdapter

BEDROCK = get_catalog().providers["bedrock"]  # the real parameter rules
MODEL_ID = "anthropic.claude-x-v1:0"
REQUEST = {"model": "claude", "messages": [{"role": "user", "content": "Weather?"}]}


def target() -> Target:
    """A Bedrock chat target (IAM auth: the key material is unused)."""
    info = ModelInfo(id="bedrock/claude-x", provider="bedrock", model=MODEL_ID, mode="chat")
    key = ProviderKey(
        brand_id="b", key_id="pk_b", provider="bedrock", label="b", masked="ia…", secret_name="s"
    )
    return Target(model=info, provider=BEDROCK, key=key, api_key="iam")


@functools.cache
def session() -> Any:
    return boto3.session.Session()  # shared: loading the service model once keeps the tests fast


def make_client() -> Any:
    """A real bedrock-runtime client with fake credentials, for Stubber or a before-send hook."""
    return session().client(
        "bedrock-runtime",
        region_name="us-east-1",
        aws_access_key_id="AKIDTEST",
        aws_secret_access_key="secret",
    )


def adapter(client: Any) -> BedrockAdapter:
    """The adapter, always handed ``client``."""
    return BedrockAdapter(httpx.AsyncClient(), client_factory=lambda _target: client)
