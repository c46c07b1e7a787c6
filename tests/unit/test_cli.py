"""The ``spidergate`` CLI end to end against moto ``mock_aws``: outputs, secrets shown once, errors."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws

from spidergate.auth import Authenticator
from spidergate.aws import make_client
from spidergate.cli.main import main
from spidergate.local.tables import create_tables
from spidergate.settings import get_settings
from spidergate.vault import Records

KEY = "sk-live-abcdefghijklmnopqrstuvwxyz123456"


@pytest.fixture(autouse=True)
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "SPIDERGATE_ALLOW_PRIVATE_BASE_URLS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("SPIDERGATE_VAULT_TABLE", "cli-vault")
    monkeypatch.setenv("SPIDERGATE_USAGE_TABLE", "cli-usage")
    get_settings.cache_clear()
    with mock_aws():
        create_tables(make_client("dynamodb", get_settings()), get_settings())
        yield
    get_settings.cache_clear()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def ok_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    code, out, err = run(capsys, *argv, "--json")
    assert (code, err) == (0, "")
    return json.loads(out)


def error_of(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    code, out, err = run(capsys, *argv, "--json")
    assert code == 1
    assert out == ""
    error: dict[str, Any] = json.loads(err)["error"]
    assert set(error) == {"message", "type", "param", "code"}
    return error


@pytest.fixture
def brand(capsys: pytest.CaptureFixture[str]) -> str:
    return str(ok_json(capsys, "brand", "create", "--name", "Acme", "--id", "brd_acme")["brand_id"])


def records() -> Records:
    return Records(make_client("dynamodb", get_settings()), "cli-vault")


# -- brands and agents --------------------------------------------------------------------------
def test_brand_create_prints_the_brand_and_refuses_a_duplicate_id(capsys: pytest.CaptureFixture[str]) -> None:
    brand = ok_json(capsys, "brand", "create", "--name", "Acme", "--id", "brd_acme")
    assert (brand["brand_id"], brand["name"], brand["status"]) == ("brd_acme", "Acme", "active")
    generated = ok_json(capsys, "brand", "create", "--name", "Other")
    assert generated["brand_id"].startswith("brd_")
    error = error_of(capsys, "brand", "create", "--name", "Again", "--id", "brd_acme")
    assert error["code"] == "conflict"


def test_agent_create_shows_working_credentials_once(capsys: pytest.CaptureFixture[str], brand: str) -> None:
    created = ok_json(
        capsys, "agent", "create", "--brand", brand, "--name", "bot", "--rpm", "60", "--monthly-usd", "12.50"
    )
    creds = created["credentials"]
    assert creds["bearer"] == f"{creds['client_id']}:{creds['api_key']}:{creds['api_secret']}"
    assert created["agent"]["agent_id"] == creds["client_id"]
    assert created["agent"]["limits"]["rpm"] == 60
    assert created["agent"]["budgets"]["monthly_usd"] == "12.50"
    principal = asyncio.run(Authenticator(records(), ttl=0).authenticate(f"Bearer {creds['bearer']}"))
    assert principal.brand_id == brand
    listed = ok_json(capsys, "agent", "list", "--brand", brand)
    assert [a["agent_id"] for a in listed["data"]] == [creds["client_id"]]
    assert creds["api_secret"] not in json.dumps(listed)
    _, text, _ = run(capsys, "agent", "list", "--brand", brand)
    assert creds["api_secret"] not in text
    assert "rpm=60" in text


def test_agent_create_human_output_names_every_credential(
    capsys: pytest.CaptureFixture[str], brand: str
) -> None:
    code, out, _ = run(capsys, "agent", "create", "--brand", brand, "--name", "bot")
    assert code == 0
    for label in ("client_id:", "api_key:", "api_secret:", "Authorization: Bearer cli_"):
        assert label in out
    assert "shown this once" in out


def test_agent_create_refuses_invalid_limits_and_unknown_brands(
    capsys: pytest.CaptureFixture[str], brand: str
) -> None:
    error = error_of(capsys, "agent", "create", "--brand", brand, "--name", "bot", "--rpm", "0")
    assert error["type"] == "invalid_request_error"
    assert "rpm" in error["message"]
    assert (
        error_of(capsys, "agent", "create", "--brand", "brd_nope", "--name", "bot")["code"]
        == "brand_not_found"
    )


def test_agent_revoke_revokes_its_credentials(capsys: pytest.CaptureFixture[str], brand: str) -> None:
    creds = ok_json(capsys, "agent", "create", "--brand", brand, "--name", "bot")["credentials"]
    revoked = ok_json(capsys, "agent", "revoke", "--brand", brand, "--agent", creds["client_id"])
    assert revoked["status"] == "revoked"
    assert {c.status for c in records().list_credentials(creds["client_id"])} == {"revoked"}
    assert (
        error_of(capsys, "agent", "revoke", "--brand", brand, "--agent", "cli_missing")["code"]
        == "agent_not_found"
    )


def test_pat_create_and_revoke(capsys: pytest.CaptureFixture[str], brand: str) -> None:
    agent_id = ok_json(capsys, "agent", "create", "--brand", brand, "--name", "bot")["agent"]["agent_id"]
    pat = ok_json(capsys, "pat", "create", "--brand", brand, "--agent", agent_id, "--name", "laptop")
    assert pat["token"].startswith("spideriq_pat_")
    assert pat["name"] == "laptop"
    principal = asyncio.run(Authenticator(records(), ttl=0).authenticate(f"Bearer {pat['token']}"))
    assert principal.credential_id == pat["pat_id"]
    assert ok_json(capsys, "pat", "revoke", "--brand", brand, "--pat", pat["pat_id"])["status"] == "revoked"
    assert (
        error_of(capsys, "pat", "revoke", "--brand", brand, "--pat", "pat_missing")["code"] == "pat_not_found"
    )


# -- vault --------------------------------------------------------------------------------------
def test_vault_add_and_list_show_only_masked_keys(capsys: pytest.CaptureFixture[str], brand: str) -> None:
    args = ("--label", "main", "--priority", "10", "--monthly-cap-usd", "50", "--free-tier")
    added = ok_json(capsys, "vault", "add", "--brand", brand, "--provider", "openai", "--api-key", KEY, *args)
    assert added["masked"] == "sk-l…3456"
    assert (added["label"], added["priority"], added["free_tier"]) == ("main", 10, True)
    listed = ok_json(capsys, "vault", "list", "--brand", brand)
    assert [k["key_id"] for k in listed["data"]] == [added["key_id"]]
    _, text, _ = run(capsys, "vault", "list", "--brand", brand)
    assert "sk-l…3456" in text
    assert KEY not in json.dumps(added) + json.dumps(listed) + text


def test_vault_add_reads_the_key_from_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, brand: str
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(KEY + "\n"))
    added = ok_json(capsys, "vault", "add", "--brand", brand, "--provider", "anthropic", "--api-key-stdin")
    assert added["masked"] == "sk-l…3456"
    assert added["provider"] == "anthropic"


def test_vault_disable_enable_and_remove(capsys: pytest.CaptureFixture[str], brand: str) -> None:
    key_id = ok_json(capsys, "vault", "add", "--brand", brand, "--provider", "groq", "--api-key", KEY)[
        "key_id"
    ]
    disabled = ok_json(capsys, "vault", "disable", "--brand", brand, "--key", key_id, "--reason", "leaked")
    assert (disabled["status"], disabled["disabled_reason"]) == ("disabled", "leaked")
    enabled = ok_json(capsys, "vault", "enable", "--brand", brand, "--key", key_id)
    assert enabled["status"] == "active"
    assert enabled.get("disabled_reason") is None
    assert ok_json(capsys, "vault", "remove", "--brand", brand, "--key", key_id)["removed"] is True
    assert ok_json(capsys, "vault", "list", "--brand", brand)["data"] == []
    assert error_of(capsys, "vault", "enable", "--brand", brand, "--key", key_id)["code"] == "key_not_found"


def test_vault_add_refuses_unknown_providers_and_brands(
    capsys: pytest.CaptureFixture[str], brand: str
) -> None:
    error = error_of(capsys, "vault", "add", "--brand", brand, "--provider", "openia", "--api-key", KEY)
    assert error["param"] == "provider"
    assert "openai" in error["message"]
    missing = error_of(
        capsys, "vault", "add", "--brand", "brd_nope", "--provider", "openai", "--api-key", KEY
    )
    assert missing["code"] == "brand_not_found"


@pytest.mark.parametrize("url", ["http://127.0.0.1:8090/v1", "http://10.0.0.5/v1", "http://169.254.169.254/"])
def test_vault_add_refuses_private_base_urls_by_default(
    capsys: pytest.CaptureFixture[str], brand: str, url: str
) -> None:
    args = ("vault", "add", "--brand", brand, "--provider", "openai", "--api-key", KEY, "--base-url", url)
    error = error_of(capsys, *args)
    assert error["param"] == "base_url"
    assert ok_json(capsys, "vault", "list", "--brand", brand)["data"] == []


def test_vault_add_allows_private_base_urls_when_the_deployment_does(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, brand: str
) -> None:
    monkeypatch.setenv("SPIDERGATE_ALLOW_PRIVATE_BASE_URLS", "true")
    get_settings.cache_clear()
    args = ("vault", "add", "--brand", brand, "--provider", "ollama", "--api-key", "x" * 12)
    added = ok_json(capsys, *args, "--base-url", "http://127.0.0.1:11434/v1/")
    assert added["base_url"] == "http://127.0.0.1:11434/v1"


# -- usage and AWS errors -----------------------------------------------------------------------
def test_usage_errors_exit_2_with_an_openai_style_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["vault", "add", "--brand", "b", "--provider", "openai", "--json"])
    assert exited.value.code == 2
    error = json.loads(capsys.readouterr().err)["error"]
    assert error["type"] == "invalid_request_error"
    assert "--api-key" in error["message"]


def test_errors_are_one_readable_line_without_json(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["vault", "add", "--brand", "b", "--provider", "openai"])
    err = capsys.readouterr().err
    assert err.startswith("error: spidergate vault add: ") and "--api-key" in err
    code, out, err = run(capsys, "agent", "create", "--brand", "brd_nope", "--name", "x")
    assert (code, out) == (1, "")
    assert err.startswith("error [brand_not_found]: ") and err.count("\n") == 1
    assert "{" not in err


def test_vault_list_on_an_unknown_brand_is_an_error_like_agent_create(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert error_of(capsys, "vault", "list", "--brand", "brd_nope")["code"] == "brand_not_found"


def test_agent_list_shows_budgets(capsys: pytest.CaptureFixture[str], brand: str) -> None:
    run(capsys, "agent", "create", "--brand", brand, "--name", "bot", "--rpm", "60", "--daily-usd", "5")
    code, out, _ = run(capsys, "agent", "list", "--brand", brand)
    assert code == 0
    assert "BUDGETS (USD)" in out and "daily_usd=5" in out and "rpm=60" in out


def test_adding_the_same_key_material_twice_warns(capsys: pytest.CaptureFixture[str], brand: str) -> None:
    first = ok_json(capsys, "vault", "add", "--brand", brand, "--provider", "openai", "--api-key", KEY)
    assert "duplicate_of" not in first
    code, out, _ = run(capsys, "vault", "add", "--brand", brand, "--provider", "openai", "--api-key", KEY)
    assert code == 0
    assert f"same key material is already stored as {first['key_id']}" in out
    assert KEY not in out
    other = ok_json(capsys, "vault", "add", "--brand", brand, "--provider", "openai", "--api-key", KEY + "x")
    assert "duplicate_of" not in other


def test_json_flag_works_before_the_command_too(capsys: pytest.CaptureFixture[str], brand: str) -> None:
    code, out, _ = run(capsys, "--json", "vault", "list", "--brand", brand)
    assert code == 0
    assert json.loads(out) == {"object": "list", "data": []}


def test_missing_table_is_reported_as_an_error_not_a_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPIDERGATE_VAULT_TABLE", "no-such-table")
    get_settings.cache_clear()
    error = error_of(capsys, "brand", "create", "--name", "Acme")
    assert error["code"] == "not_found"
    assert "no-such-table" in error["message"]
