"""The container's wiring: every client and service built once, on first use, then reused.

Tests build a Runtime with their own settings/clients; the web layer asks ``Runtime.build()``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from spidergate.aws import AwsClients
from spidergate.settings import Settings
from spidergate.ttlcache import TTLCache

if TYPE_CHECKING:
    import httpx

    from spidergate.auth import Authenticator
    from spidergate.catalog import Catalog
    from spidergate.providers.base import Adapter
    from spidergate.routing.keypool import KeyPool
    from spidergate.routing.router import Router
    from spidergate.telemetry import Telemetry
    from spidergate.usage.key_spend import KeySpend
    from spidergate.usage.ledger import Ledger
    from spidergate.usage.reports import UsageReports
    from spidergate.vault import KeyVault, Records
    from spidergate.vault.aliases import AliasOverrides


@dataclass
class Runtime:
    settings: Settings
    aws: AwsClients
    http_client: httpx.AsyncClient | None = None
    _overrides: TTLCache[str, dict[str, tuple[str, ...]]] = field(init=False)
    _dynamo_http: httpx.AsyncClient | None = field(init=False, default=None)  # the ledger's own pool

    def __post_init__(self) -> None:
        self._overrides = TTLCache(self.settings.keys_cache_ttl)

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        return cls(settings=settings, aws=AwsClients(settings))

    @cached_property
    def http(self) -> httpx.AsyncClient:
        if self.http_client is None:
            import httpx

            from spidergate.vault.connect_guard import GuardedTransport

            s = self.settings
            limits = httpx.Limits(max_connections=512, max_keepalive_connections=128, keepalive_expiry=60)
            self.http_client = httpx.AsyncClient(
                timeout=httpx.Timeout(s.upstream_read_timeout, connect=s.upstream_connect_timeout),
                limits=limits,
                follow_redirects=False,
                # Deployed: every upstream connection is checked against the address it reaches.
                transport=None if s.allow_private_base_urls else GuardedTransport(limits=limits),
                trust_env=s.allow_private_base_urls,
            )
        return self.http_client

    @cached_property
    def catalog(self) -> Catalog:
        from spidergate.catalog import get_catalog

        return get_catalog()

    @cached_property
    def records(self) -> Records:
        from spidergate.vault import Records

        return Records(self.aws.dynamodb, self.settings.vault_table)

    @cached_property
    def keyvault(self) -> KeyVault:
        from spidergate.vault import KeyVault

        return KeyVault(
            self.aws.dynamodb,
            self.aws.secrets,
            self.settings.vault_table,
            secrets_prefix=self.settings.secrets_prefix,
            allow_private_base_urls=self.settings.allow_private_base_urls,
        )

    @cached_property
    def aliases(self) -> AliasOverrides:
        from spidergate.vault.aliases import AliasOverrides

        return AliasOverrides(self.aws.dynamodb, self.settings.vault_table)

    @cached_property
    def auth(self) -> Authenticator:
        from spidergate.auth import Authenticator

        return Authenticator(self.records, self.settings.auth_cache_ttl)

    @cached_property
    def pool(self) -> KeyPool:
        from spidergate.routing.keypool import KeyPool

        return KeyPool(
            self.keyvault, keys_ttl=self.settings.keys_cache_ttl, secret_ttl=self.settings.secret_cache_ttl
        )

    @cached_property
    def ledger(self) -> Ledger:
        from spidergate.usage.ledger import Ledger

        spill = None
        if self.settings.record_spill_queue_url:
            from spidergate.usage.spill import RecordSpill

            spill = RecordSpill(
                self.settings.record_spill_queue_url,
                lambda: self.aws.client("sqs"),
                metrics=self.settings.emit_metrics,
                stage=self.settings.stage,
            )
        if not self.settings.ledger_http:
            return Ledger(self.aws.dynamodb, self.settings.usage_table, self.settings, spill=spill)
        from spidergate.dynamo_http import AsyncDynamoDB, new_http_client

        # Its own pool, not ``self.http``: tests inject upstream clients with mock transports, the
        # ledger wants boto3's short timeouts, and a settle must never queue behind upstream streams.
        self._dynamo_http = new_http_client()
        ddb = AsyncDynamoDB.for_settings(self.settings, self._dynamo_http)
        return Ledger(ddb, self.settings.usage_table, self.settings, spill=spill)

    @cached_property
    def reports(self) -> UsageReports:
        from spidergate.usage.reports import UsageReports

        return UsageReports(self.aws.dynamodb, self.settings.usage_table)

    @cached_property
    def adapters(self) -> dict[str, Adapter]:
        from spidergate.providers.registry import build_adapters

        return build_adapters(self.http, self.settings)

    @cached_property
    def router(self) -> Router:
        from spidergate.routing.router import Router

        return Router(
            pool=self.pool,
            adapters=self.adapters,
            providers=self.catalog.providers,
            metering=self.ledger,
            deadline_seconds=self.settings.route_deadline_seconds,
            max_attempts=self.settings.route_max_attempts,
            strategy=self.settings.key_order,
            spend=self.key_spend if self.settings.key_order != "round_robin" else None,
        )

    @cached_property
    def key_spend(self) -> KeySpend:
        from spidergate.usage.key_spend import KeySpend

        return KeySpend(self.aws.dynamodb, self.settings.usage_table, self.settings.keys_cache_ttl)

    @cached_property
    def telemetry(self) -> Telemetry:
        from spidergate.telemetry import Telemetry

        return Telemetry(self.settings)

    async def alias_overrides(self, brand_id: str) -> dict[str, tuple[str, ...]]:
        """A brand's alias chain overrides, cached briefly per container."""
        found = self._overrides.get(brand_id)
        if found is None:
            found = await asyncio.to_thread(self.aliases.all, brand_id)
            self._overrides.put(brand_id, found)
        return found

    def forget_alias_overrides(self, brand_id: str) -> None:
        """Drop this container's cached overrides of a brand (after the dashboard changed them)."""
        self._overrides.pop(brand_id)

    async def aclose(self) -> None:
        if self.http_client is not None:
            await self.http_client.aclose()
        if self._dynamo_http is not None:
            await self._dynamo_http.aclose()
