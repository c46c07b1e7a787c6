"""Azure OpenAI adapter: the OpenAI wire format behind Azure's URLs and ``api-key`` header.

A vault key for Azure names its deployment through the catalog model id: ``azure/gpt-4o`` is sent
to deployment ``gpt-4o`` (``target.model.model``). The URL form:

- by default the v1 API (GA since August 2025): ``{resource}/openai/v1/{operation}`` with
  ``model`` = the deployment name and no api-version. Dated versions such as 2024-10-21 refuse
  what current clients send (``max_completion_tokens``, ``reasoning_effort``, ``store``,
  ``metadata``, the ``developer`` role), so they are opt-in;
- a key whose base URL carries ``?api-version=...`` (a per-key override), or a deployment whose
  ``providers.json`` entry sets ``api_version``, gets classic deployment URLs,
  ``/openai/deployments/{deployment}/{operation}?api-version={version}``; on an explicit
  ``.../openai/v1`` base the query stays a v1 query (``?api-version=preview`` enables previews).

Requests, responses and streams are OpenAI-shaped, so everything but the URL and the auth header
is the generic adapter's (chat, streaming chat, embeddings and the other operations it implements).
"""

from __future__ import annotations

from urllib.parse import parse_qs, quote, urlsplit, urlunsplit

from spidergate.providers.base import Target
from spidergate.providers.openai_compat import OpenAICompatAdapter


def azure_url(target: Target, path: str) -> str:
    """The URL of ``path`` (``/chat/completions``, ...) for ``target``'s resource and deployment."""
    parts = urlsplit(target.base_url)
    versions = parse_qs(parts.query).get("api-version")
    version = versions[0] if versions else target.provider.api_version
    resource = urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))
    root = resource.removesuffix("/v1").removesuffix("/openai")
    if resource.endswith("/openai/v1"):
        # An explicit v1 base; ``?api-version=preview`` there turns on preview features.
        return f"{root}/openai/v1{path}" + (f"?api-version={quote(versions[0], safe='')}" if versions else "")
    if not version:
        return f"{root}/openai/v1{path}"
    deployment = quote(target.model.model, safe="")
    return f"{root}/openai/deployments/{deployment}{path}?api-version={quote(version, safe='')}"


class AzureOpenAIAdapter(OpenAICompatAdapter):
    """The generic OpenAI adapter with Azure's URL layout and key header."""

    def _url(self, target: Target, path: str) -> str:
        return azure_url(target, path)

    def _headers(self, target: Target) -> dict[str, str]:
        if target.provider.auth == "bearer":  # a Microsoft Entra token kept as the key material
            return {"authorization": f"Bearer {target.api_key}"}
        return {"api-key": target.api_key}
