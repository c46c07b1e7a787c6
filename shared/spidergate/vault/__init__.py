"""The brand vault: brands, agents, credentials, PATs, pooled provider keys, overrides, audit."""

from spidergate.vault.keys import KeyVault
from spidergate.vault.records import Records

__all__ = ["KeyVault", "Records"]
