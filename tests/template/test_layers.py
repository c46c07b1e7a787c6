"""Each function ships only what it runs: the core layer without local/ and cli/, uvicorn only on
the Web Adapter functions, no boto3 import at module load in functions/ or the web layer."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.template.cfn import ROOT

SERVER = {"uvicorn", "uvloop", "httptools"}


def _requirements(layer: str) -> set[str]:
    lines = (ROOT / "layers" / layer / "requirements.txt").read_text().splitlines()
    names = {line.split("#")[0].strip().split("==")[0].split("[")[0] for line in lines}
    return names - {""}


def test_core_layer_build_leaves_workstation_code_out(tmp_path: Path) -> None:
    done = subprocess.run(
        ["make", "-s", "-C", str(ROOT / "shared"), "build-CoreLayer", f"ARTIFACTS_DIR={tmp_path}"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    package = tmp_path / "python" / "spidergate"
    assert (package / "web" / "app.py").is_file()
    assert sorted(p.name for p in (package / "catalog" / "data").glob("*.json"))
    assert not (package / "local").exists() and not (package / "cli").exists()
    assert not list(tmp_path.rglob("__pycache__"))
    assert [p.name for p in (tmp_path / "python").iterdir()] == ["spidergate"]


def test_uvicorn_ships_only_with_the_functions_that_run_it(template: dict[str, Any]) -> None:
    assert _requirements("server") >= SERVER
    assert not SERVER & _requirements("deps")
    holders = {
        name
        for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
        and {"Ref": "ServerLayer"} in resource["Properties"].get("Layers", [])
    }
    assert holders == {"ChatFunction", "MediaFunction"}
    assert {"Ref": "ServerLayer"} not in template["Globals"]["Function"]["Layers"]


def _module_level_imports(path: Path) -> set[str]:
    """Top-level module names imported when ``path`` is loaded (function bodies left out)."""
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize(
    "path",
    [*sorted((ROOT / "functions").glob("*/app.py")), *sorted((ROOT / "shared/spidergate/web").rglob("*.py"))],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_no_boto3_import_at_module_load(path: Path) -> None:
    assert not {"boto3", "botocore"} & _module_level_imports(path)


def test_mangum_functions_do_not_load_the_server_or_workstation_code() -> None:
    probe = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); import app; "
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('uvicorn', 'uvloop', 'httptools') or m.startswith(('spidergate.local', 'spidergate.cli')))))"
    )
    for group in ("catalog", "embeddings", "dashboard", "sweep"):
        done = subprocess.run(
            [sys.executable, "-c", probe, str(ROOT / "functions" / group)],
            capture_output=True,
            text=True,
            timeout=120,
            env={
                "SPIDERGATE_EMIT_METRICS": "false",
                "PATH": "/usr/bin:/bin",
                "AWS_DEFAULT_REGION": "us-east-1",
            },
        )
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout.splitlines()[-1]) == [], group
