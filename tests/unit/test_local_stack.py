"""The local stack helpers: env builder, ports, and real moto/sandbox servers on loopback."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest

from spidergate.local.run import banner
from spidergate.local.stack import (
    free_port,
    moto_client,
    port_or_free,
    stack_env,
    start_gateway,
    start_local_stack,
    start_moto,
    start_sandbox,
)
from spidergate.settings import Settings
from spidergate.vault import Records


def test_stack_env_points_boto3_and_settings_at_the_moto_server(monkeypatch: pytest.MonkeyPatch) -> None:
    env = stack_env("http://127.0.0.1:5005", vault_table="v", usage_table="u")
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:5005"
    assert env["AWS_ACCESS_KEY_ID"] == env["AWS_SECRET_ACCESS_KEY"] == "testing"
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert (settings.vault_table, settings.usage_table) == ("v", "u")
    assert settings.allow_private_base_urls is True
    assert settings.region == env["AWS_DEFAULT_REGION"]


def test_port_or_free_keeps_a_free_port_and_replaces_a_busy_one() -> None:
    port = free_port()
    assert port_or_free(port) == port
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        other = port_or_free(taken)
        assert other != taken


@pytest.mark.integration
def test_sandbox_thread_serves_on_the_port_it_reports_and_stops() -> None:
    sandbox = start_sandbox()
    assert httpx.get(f"{sandbox.url}/_control/health").json()["status"] == "ok"
    sandbox.stop()
    sandbox.stop()  # idempotent
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{sandbox.url}/_control/health")


@pytest.mark.integration
def test_sandbox_process_runs_the_module_entry_point() -> None:
    with start_sandbox(free_port(), process=True) as sandbox:
        r = httpx.post(
            f"{sandbox.url}/v1/chat/completions",
            headers={"authorization": "Bearer k"},
            json={"model": "m", "messages": [{"role": "user", "content": "ping"}]},
        )
        assert r.json()["choices"][0]["message"]["content"] == "Sandbox reply from m: ping"
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{sandbox.url}/_control/health")


@pytest.mark.integration
def test_moto_server_answers_boto3() -> None:
    with start_moto() as moto:
        ddb = moto_client("dynamodb", moto.url)
        assert ddb.list_tables()["TableNames"] == []


@pytest.mark.integration
def test_local_stack_is_provisioned_seeded_and_bannered(tmp_path: Path) -> None:
    with start_local_stack(demo_file=tmp_path / "demo.json") as stack:
        assert stack.demo is not None
        ddb = moto_client("dynamodb", stack.moto.url)
        assert sorted(ddb.list_tables()["TableNames"]) == sorted(
            [stack.settings.vault_table, stack.settings.usage_table]
        )
        s3 = moto_client("s3", stack.moto.url)
        assert stack.settings.upload_bucket in [b["Name"] for b in s3.list_buckets()["Buckets"]]
        records = Records(ddb, stack.settings.vault_table)
        assert records.get_agent("cli_demo") is not None
        assert {k.base_url for k in stack.demo.keys} == {f"{stack.sandbox.url}/v1", stack.sandbox.url}
        text = banner(stack, 8080)
        assert "http://127.0.0.1:8080/api/gate/v1" in text
        assert f"Authorization: Bearer {stack.demo.bearer}" in text
        assert f'api_key="{stack.demo.bearer}"' in text


@pytest.mark.integration
def test_start_gateway_serves_an_app_factory_in_its_own_process() -> None:
    factory = "spidergate.local.sandbox:create_sandbox_app"
    with start_gateway({"SPIDERGATE_STAGE": "test"}, app=factory, ready_path="/_control/health") as served:
        assert httpx.get(f"{served.url}/_control/health").status_code == 200
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{served.url}/_control/health")


@pytest.mark.integration
def test_start_gateway_fails_fast_when_the_app_cannot_load() -> None:
    with pytest.raises(RuntimeError, match="exited before it was ready"):
        start_gateway({}, app="spidergate.no_such_module:create_app", timeout=20)
