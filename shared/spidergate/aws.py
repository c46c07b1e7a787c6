"""AWS client factories: built on first use, once per container, and injected from there."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from spidergate.settings import Settings


def make_client(service: str, settings: Settings) -> Any:
    """A low-level boto3 client with short timeouts and few retries (the gateway owns failover)."""
    import boto3  # deferred: importing boto3 costs ~0.2 s of cold start
    from botocore.config import Config

    config = Config(
        region_name=settings.region,
        connect_timeout=2,
        read_timeout=10,
        retries={"mode": "standard", "total_max_attempts": 3},
        max_pool_connections=64,
        tcp_keepalive=True,
        # Presigned S3 uploads must be SigV4: buckets created since mid-2020 refuse SigV2 policies.
        signature_version="s3v4" if service == "s3" else None,
    )
    return boto3.session.Session().client(service, config=config)


@dataclass
class AwsClients:
    """Lazily built clients, one of each per container."""

    settings: Settings
    _clients: dict[str, Any] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        found = self._clients.get(service)
        if found is None:
            found = self._clients[service] = make_client(service, self.settings)
        return found

    @property
    def dynamodb(self) -> Any:
        return self.client("dynamodb")

    @property
    def secrets(self) -> Any:
        return self.client("secretsmanager")

    @property
    def s3(self) -> Any:
        return self.client("s3")
