"""Azure OpenAI adapter: the OpenAI wire format behind Azure's deployment URLs and ``api-key`` header.

A vault key for Azure names its deployment through the catalog model id: ``azure/gpt-4o`` is sent
to deployment ``gpt-4o`` (``target.model.model``). The key's base URL selects the URL form:

- ``https://{resource}.openai.azure.com`` (or ``.../openai``): classic deployment URLs,
  ``/openai/deployments/{deployment}/{operation}?api-version={api_version}``;
- ``https://{resource}.openai.azure.com/openai/v1``: the v1 API, ``/openai/v1/{operation}`` with
  ``model`` = the deployment name and no api-version.

Requests, responses and streams are OpenAI-shaped, so everything but the URL and the auth header
is the generic adapter's (chat, streaming chat, embeddings and the other operations it implements).
"""

from __future__ import annotations

from urllib.parse import quote

from spidergate.providers.base import Target
from spidergate.providers.openai_compat import OpenAICompatAdapter

# Latest dated GA of the inference data plane (PROVIDERS.md section 3).
DEFAULT_API_VERSION = "2024-10-21"


class AzureOpenAIAdapter(OpenAICompatAdapter):
    """The generic OpenAI adapter with Azure's URL layout and key header."""

    def _url(self, target: Target, path: str) -> str:
        base = target.base_url
        if base.endswith("/openai/v1"):
            return base + path
        root = base.removesuffix("/openai")
        deployment = quote(target.model.model, safe="")
        version = quote(target.provider.api_version or DEFAULT_API_VERSION, safe="")
        return f"{root}/openai/deployments/{deployment}{path}?api-version={version}"

    def _headers(self, target: Target) -> dict[str, str]:
        if target.provider.auth == "bearer":  # a Microsoft Entra token kept as the key material
            return {"authorization": f"Bearer {target.api_key}"}
        return {"api-key": target.api_key}
