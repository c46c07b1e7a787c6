"""``make run``: data kept across restarts (``--fresh`` starts clean), busy ports refused, a CLI hint
that works as printed."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from spidergate.local import run
from spidergate.local.persist import restore_snapshot, save_snapshot
from spidergate.local.stack import moto_client, start_local_stack
from spidergate.settings import get_settings
from spidergate.vault import KeyVault, Records


@pytest.mark.integration
def test_a_restart_keeps_brands_agents_keys_and_usage(tmp_path: Path) -> None:
    demo, state = tmp_path / "demo.json", tmp_path / "state.json"
    with start_local_stack(demo_file=demo, snapshot=state) as first:
        ddb = moto_client("dynamodb", first.moto.url)
        sm = moto_client("secretsmanager", first.moto.url)
        records = Records(ddb, first.settings.vault_table)
        brand = records.create_brand("Acme")
        agent, _ = records.create_agent(brand.brand_id, "bot")
        vault = KeyVault(
            ddb,
            sm,
            first.settings.vault_table,
            secrets_prefix=first.settings.secrets_prefix,
            allow_private_base_urls=True,
        )
        key = vault.add(brand.brand_id, "openai", "sk-kept-across-restarts-123456")
        usage_item = {"pk": {"S": "USAGE#x"}, "sk": {"S": "DAY#1"}, "spent": {"N": "1.5"}}
        ddb.put_item(TableName=first.settings.usage_table, Item=usage_item)
        saved = save_snapshot(ddb, sm, first.settings, state)
        forget(first.moto.url)  # moto's state is per process: emulate the restarted process
    assert saved >= 5
    assert stat.S_IMODE(os.stat(state).st_mode) == 0o600  # may hold real provider keys

    with start_local_stack(demo_file=demo, snapshot=state) as second:
        ddb = moto_client("dynamodb", second.moto.url)
        sm = moto_client("secretsmanager", second.moto.url)
        records = Records(ddb, second.settings.vault_table)
        assert records.get_brand(brand.brand_id) is not None
        assert records.get_agent(agent.agent_id) is not None
        vault = KeyVault(
            ddb,
            sm,
            second.settings.vault_table,
            secrets_prefix=second.settings.secrets_prefix,
            allow_private_base_urls=True,
        )
        (kept,) = [k for k in vault.list(brand.brand_id) if k.key_id == key.key_id]
        assert vault.material(kept) == "sk-kept-across-restarts-123456"
        got = ddb.get_item(
            TableName=second.settings.usage_table, Key={"pk": usage_item["pk"], "sk": usage_item["sk"]}
        )
        assert got["Item"]["spent"] == {"N": "1.5"}
        # The demo's keys are re-pointed at this run's sandbox, whatever port the last one had.
        assert second.demo is not None
        assert {k.base_url for k in second.demo.keys} == {f"{second.sandbox.url}/v1", second.sandbox.url}
        forget(second.moto.url)

    with start_local_stack(demo_file=demo) as clean:  # what --fresh does after deleting the file
        records = Records(moto_client("dynamodb", clean.moto.url), clean.settings.vault_table)
        assert records.get_brand(brand.brand_id) is None


def forget(moto_url: str) -> None:
    """Drop everything moto holds, as a new process would start."""
    httpx.post(f"{moto_url}/moto-api/reset").raise_for_status()


def test_restoring_without_a_snapshot_is_a_no_op(tmp_path: Path) -> None:
    restored = restore_snapshot(None, None, get_settings(), tmp_path / "missing.json")
    assert (restored.items, restored.secrets) == (0, 0)


def test_a_snapshot_of_another_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text('{"version": 99}')
    with pytest.raises(ValueError, match="--fresh"):
        restore_snapshot(None, None, get_settings(), path)


def test_a_busy_moto_or_sandbox_port_is_refused_loudly() -> None:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        message = run.busy_ports(0, port, 0)
        assert message is not None
        assert f"Port {port} (moto) is in use" in message and "SPIDERGATE_LOCAL_MOTO_PORT" in message
        assert "(sandbox)" in (run.busy_ports(0, 0, port) or "")
        assert run.main(["--port", "0", "--moto-port", str(port), "--sandbox-port", "0"]) == 1
    assert run.busy_ports(0, 0, 0) is None


def test_the_printed_cli_hint_runs_as_printed() -> None:
    assert (run.cli_dir() / "spidergate").is_file()
    # The banner's export line puts that directory on PATH; a shell then finds the command.
    shell = subprocess.run(
        ["sh", "-c", f'PATH="{run.cli_dir()}:/usr/bin:/bin" && command -v spidergate'],
        capture_output=True,
        text=True,
        check=True,
    )
    assert shell.stdout.strip() == str(run.cli_dir() / "spidergate")


@pytest.mark.integration
def test_autosave_snapshots_a_running_stack(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    with start_local_stack(demo_file=tmp_path / "demo.json") as stack:
        autosave = run.Autosave(stack, 0.05, path)
        try:
            deadline = time.monotonic() + 20
            while not path.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            autosave.stop()
        assert path.exists()
        forget(stack.moto.url)
    doc = json.loads(path.read_text())
    keys = {(item["pk"]["S"], item["sk"]["S"]) for item in doc["tables"][stack.settings.vault_table]}
    assert ("BRAND#brd_demo", "BRAND") in keys
