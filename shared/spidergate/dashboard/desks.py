"""The dashboard's services wired from a container's Runtime (built once per container, after auth)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from spidergate.dashboard.agents import AgentDesk
from spidergate.dashboard.aliases import AliasDesk
from spidergate.dashboard.audit import AuditDesk
from spidergate.dashboard.pats import PatDesk
from spidergate.dashboard.reports import ReportDesk
from spidergate.dashboard.vault import VaultDesk

if TYPE_CHECKING:
    from spidergate.runtime import Runtime


@dataclass(frozen=True)
class Dashboard:
    agents: AgentDesk
    vault: VaultDesk
    reports: ReportDesk
    audit: AuditDesk
    aliases: AliasDesk
    pats: PatDesk

    @classmethod
    def from_runtime(cls, rt: Runtime) -> Dashboard:
        settings = rt.settings
        usage = rt.reports
        catalog = rt.catalog
        enabled = settings.enabled_providers(frozenset(catalog.providers))
        providers = {name: p for name, p in catalog.providers.items() if name in enabled}
        return cls(
            agents=AgentDesk(rt.records, rt.keyvault, rt.auth),
            vault=VaultDesk(rt.keyvault, rt.records, rt.pool, usage, providers),
            reports=ReportDesk(usage, max_range_days=settings.dashboard_max_range_days),
            audit=AuditDesk(rt.keyvault),
            aliases=AliasDesk(
                catalog, rt.aliases, rt.alias_overrides, rt.forget_alias_overrides, usage, rt.keyvault
            ),
            pats=PatDesk(rt.records, rt.keyvault, rt.auth),
        )
