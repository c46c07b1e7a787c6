"""What CLI commands act on: the vault's records and keys, built on first use from Settings."""

from __future__ import annotations

from functools import cached_property

from spidergate.aws import AwsClients
from spidergate.errors import InvalidRequest
from spidergate.settings import Settings
from spidergate.vault import KeyVault, Records


class Services:
    """Vault access for one CLI invocation (boto3 clients are built only if a command needs them)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.aws = AwsClients(settings)

    @cached_property
    def records(self) -> Records:
        return Records(self.aws.dynamodb, self.settings.vault_table)

    @cached_property
    def vault(self) -> KeyVault:
        return KeyVault(
            self.aws.dynamodb,
            self.aws.secrets,
            self.settings.vault_table,
            secrets_prefix=self.settings.secrets_prefix,
            allow_private_base_urls=self.settings.allow_private_base_urls,
        )


def check_provider(name: str) -> str:
    """``name`` if the catalog knows that provider, else a 400 listing the known ones."""
    from spidergate.catalog import get_catalog  # loads the packaged catalog; only vault add needs it

    catalog = get_catalog()
    if catalog.provider(name) is None:
        known = ", ".join(sorted(catalog.providers))
        raise InvalidRequest(f"Unknown provider `{name}`; known providers: {known}.", param="provider")
    return name
