"""Adapters by wire format, built once per container around the shared HTTP client."""

from __future__ import annotations

from typing import TYPE_CHECKING

from spidergate.providers.base import Adapter
from spidergate.settings import Settings

if TYPE_CHECKING:
    import httpx


def build_adapters(http: httpx.AsyncClient, settings: Settings) -> dict[str, Adapter]:
    """One adapter per wire format; provider-specific quirks live in each ProviderDef."""
    from spidergate.providers.anthropic import AnthropicAdapter
    from spidergate.providers.azure import AzureOpenAIAdapter
    from spidergate.providers.bedrock import BedrockAdapter
    from spidergate.providers.bedrock_client import BedrockClientFactory
    from spidergate.providers.openai_compat import OpenAICompatAdapter

    return {
        "openai": OpenAICompatAdapter(http),
        "anthropic": AnthropicAdapter(http),
        "azure": AzureOpenAIAdapter(http),
        "bedrock": BedrockAdapter(
            http, BedrockClientFactory(settings), allow_private_images=settings.allow_private_base_urls
        ),
    }
