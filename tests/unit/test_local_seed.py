"""Demo seeding (moto ``mock_aws``): idempotent, stable token across restarts, keys on the sandbox."""

from __future__ import annotations

import asyncio
import json
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from spidergate.auth import Authenticator
from spidergate.local.seed import DEMO_KEYS, load_or_create_credential, seed_demo
from spidergate.local.tables import create_tables
from spidergate.settings import Settings
from spidergate.vault import KeyVault, Records

SETTINGS = Settings(vault_table="s-vault", usage_table="s-usage", region="us-east-1")
SANDBOX = "http://127.0.0.1:8090"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield


def vault_services() -> tuple[Records, KeyVault]:
    """Fresh tables in the current mock, and the vault objects over them."""
    ddb: Any = boto3.client("dynamodb", region_name="us-east-1")
    create_tables(ddb, SETTINGS)
    secrets = boto3.client("secretsmanager", region_name="us-east-1")
    vault = KeyVault(ddb, secrets, SETTINGS.vault_table, secrets_prefix="sg", allow_private_base_urls=True)
    return Records(ddb, SETTINGS.vault_table), vault


def authenticate(records: Records, bearer: str) -> Any:
    return asyncio.run(Authenticator(records, ttl=0).authenticate(f"Bearer {bearer}"))


def test_credential_file_is_created_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / ".local" / "demo.json"
    first = load_or_create_credential(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text())["bearer"] == first.bearer
    assert first.client_id == "cli_demo"
    assert load_or_create_credential(path) == first


def test_seed_creates_brand_agent_and_five_sandbox_keys(aws: None, tmp_path: Path) -> None:
    records, vault = vault_services()
    seeded = seed_demo(records, vault, SANDBOX, load_or_create_credential(tmp_path / "demo.json"))
    brand = records.get_brand("brd_demo")
    assert brand is not None
    assert brand.name == "Demo brand"
    agent = records.require_agent("brd_demo", "cli_demo")
    assert not agent.limits.any
    assert not agent.budgets.any
    by_label = {k.label: k for k in seeded.keys}
    assert sorted(by_label) == sorted(spec.label for spec in DEMO_KEYS)
    assert [k.provider for k in seeded.keys].count("openai") == 2
    assert by_label["sandbox-openai-1"].base_url == f"{SANDBOX}/v1"
    assert by_label["sandbox-anthropic"].base_url == SANDBOX
    assert {by_label["sandbox-groq"].base_url, by_label["sandbox-mistral"].base_url} == {f"{SANDBOX}/v1"}
    assert vault.material(by_label["sandbox-openai-2"]) == "sk-sandbox-openai-2"
    principal = authenticate(records, seeded.bearer)
    assert (principal.brand_id, principal.agent_id) == ("brd_demo", "cli_demo")


def test_seeding_twice_changes_nothing(aws: None, tmp_path: Path) -> None:
    records, vault = vault_services()
    cred = load_or_create_credential(tmp_path / "demo.json")
    first = seed_demo(records, vault, SANDBOX, cred)
    second = seed_demo(records, vault, SANDBOX, cred)
    assert [k.key_id for k in second.keys] == [k.key_id for k in first.keys]
    assert len(records.list_credentials("cli_demo")) == 1
    agents, _ = records.list_agents("brd_demo")
    assert [a.agent_id for a in agents] == ["cli_demo"]


def test_a_restart_on_fresh_tables_keeps_the_same_token(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    demo = tmp_path / "demo.json"
    with mock_aws():
        records, vault = vault_services()
        before = seed_demo(records, vault, SANDBOX, load_or_create_credential(demo))
    with mock_aws():  # a new, empty moto: as after restarting the local run
        records, vault = vault_services()
        assert records.get_brand("brd_demo") is None
        after = seed_demo(records, vault, SANDBOX, load_or_create_credential(demo))
        assert after.bearer == before.bearer
        assert authenticate(records, after.bearer).agent_id == "cli_demo"


def test_reseeding_with_another_sandbox_url_repoints_the_keys(aws: None, tmp_path: Path) -> None:
    records, vault = vault_services()
    cred = load_or_create_credential(tmp_path / "demo.json")
    first = seed_demo(records, vault, SANDBOX, cred)
    moved = seed_demo(records, vault, "http://127.0.0.1:9999/", cred)
    assert [k.key_id for k in moved.keys] == [k.key_id for k in first.keys]
    assert {k.base_url for k in moved.keys} == {"http://127.0.0.1:9999/v1", "http://127.0.0.1:9999"}
