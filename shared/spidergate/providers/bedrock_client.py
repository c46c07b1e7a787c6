"""Per-key ``bedrock-runtime`` clients: the default ``client_factory`` of the Bedrock adapter.

Key material is either a Bedrock API key (sent as ``Authorization: Bearer``) or the literal
``iam``, meaning the container's default credential chain (SigV4, e.g. the Lambda role).
botocore has no per-client bearer token, and ``AWS_BEARER_TOKEN_BEDROCK`` is process-wide, so
bearer clients are unsigned and a ``before-send`` handler adds the header (PROVIDERS.md 4, "Auth").

Region: from the key's base URL host (``https://bedrock-runtime.<region>.amazonaws.com``, VPC
endpoint hosts too), else a ``?region=<name>`` hint on the base URL, else the deployment's region.
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from spidergate.providers.base import Target
from spidergate.settings import Settings

IAM = "iam"
_REGIONAL_HOST = re.compile(r"(?:^|\.)bedrock-runtime(?:-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d+)\.")


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where a key's calls go; ``url`` is ``None`` for the region's default endpoint."""

    region: str
    url: str | None


def endpoint_for(target: Target, default_region: str) -> Endpoint:
    """The region and endpoint URL for a target's key."""
    base_url = target.key.base_url
    if not base_url:
        return Endpoint(default_region, None)
    parts = urlsplit(base_url)
    match = _REGIONAL_HOST.search(parts.hostname or "")
    hint = (parse_qs(parts.query).get("region") or [""])[0]
    region = match.group(1) if match else hint or default_region
    return Endpoint(region, f"{parts.scheme}://{parts.netloc}")


class _BearerAuth:
    """``before-send`` handler adding one key's bearer token (kept out of reprs)."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: Any, **kwargs: Any) -> None:
        request.headers["Authorization"] = f"Bearer {self._token}"

    def __repr__(self) -> str:
        return "_BearerAuth(<redacted>)"


class BedrockClientFactory:
    """Builds one client per key and reuses it while the key's material and endpoint stay the same."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._lock = threading.Lock()  # the adapter calls the factory from worker threads
        self._session: Any = None
        self._clients: dict[str, tuple[str, Any]] = {}

    def __call__(self, target: Target) -> Any:
        """The ``bedrock-runtime`` client for ``target``'s key."""
        material = target.api_key.strip()
        endpoint = endpoint_for(target, self._settings.region)
        fingerprint = hashlib.sha256(f"{material}\n{endpoint.region}\n{endpoint.url}".encode()).hexdigest()
        with self._lock:
            cached = self._clients.get(target.key.key_id)
            if cached is not None and cached[0] == fingerprint:
                return cached[1]
            client = self._build(material, endpoint)
            self._clients[target.key.key_id] = (fingerprint, client)  # a rotated key replaces its old client
            return client

    def _build(self, material: str, endpoint: Endpoint) -> Any:
        import boto3  # deferred: cold start
        from botocore import UNSIGNED
        from botocore.config import Config

        if self._session is None:
            self._session = boto3.session.Session()
        bearer = material.lower() != IAM
        options: dict[str, Any] = {
            "region_name": endpoint.region,
            "connect_timeout": self._settings.upstream_connect_timeout,
            "read_timeout": self._settings.upstream_read_timeout,
            "retries": {"total_max_attempts": 1},  # the router owns retries and failover
            "max_pool_connections": 32,
            "tcp_keepalive": True,
        }
        if bearer:
            options["signature_version"] = UNSIGNED
        client = self._session.client(
            "bedrock-runtime",
            region_name=endpoint.region,
            endpoint_url=endpoint.url,
            config=Config(**options),
        )
        if bearer:
            client.meta.events.register("before-send.bedrock-runtime.*", _BearerAuth(material))
        return client
