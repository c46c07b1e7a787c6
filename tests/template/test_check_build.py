"""scripts/check_build.py on small fake build outputs: what passes, and each problem it must catch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.template.cfn import ROOT

SCRIPT = ROOT / "scripts" / "check_build.py"
TEMPLATE = """
Parameters:
  Architecture: {Type: String, Default: x86_64}
Globals:
  Function:
    Runtime: python3.11
    Architectures: [!Ref Architecture]
    Layers: [!Ref Lib]
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: Fn, Handler: app.handler}
  Lib:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: Lib}
"""


def _elf(machine: int) -> bytes:
    """The first bytes of a 64-bit little-endian ELF shared object for ``machine``."""
    return b"\x7fELF\x02\x01\x01" + bytes(11) + machine.to_bytes(2, "little") + bytes(44)


@pytest.fixture
def build(tmp_path: Path) -> Path:
    """A build output that passes: a handler importing a module from its layer, an x86_64 .so."""
    root = tmp_path / "build"
    (root / "Fn").mkdir(parents=True)
    (root / "Lib" / "python").mkdir(parents=True)
    (root / "template.yaml").write_text(TEMPLATE)
    (root / "Fn" / "app.py").write_text(
        "import helper\n\ndef handler(event, context):\n    return helper.VALUE\n"
    )
    (root / "Lib" / "python" / "helper.py").write_text("VALUE = 1\n")
    (root / "Lib" / "python" / "fast.cpython-311-x86_64-linux-gnu.so").write_bytes(_elf(62))
    return root


def _check(build: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--build-dir", str(build), "--python", sys.executable, *extra],
        cwd=build.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_clean_build_passes_and_reports_import_time_and_sizes(build: Path) -> None:
    done = _check(build)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "import app.handler:" in done.stdout
    assert "Lib" in done.stdout
    assert "of 250 MB" in done.stdout


def test_an_extension_for_another_machine_fails(build: Path) -> None:
    (build / "Lib" / "python" / "fast.cpython-311-x86_64-linux-gnu.so").write_bytes(_elf(183))
    done = _check(build)
    assert done.returncode == 1
    assert "is arm64, the function is x86_64" in done.stdout


def test_arm64_parameters_flag_x86_wheels_and_skip_the_import(build: Path) -> None:
    done = _check(build, "--parameter-overrides", "Architecture=arm64")
    assert done.returncode == 1
    assert "is x86_64, the function is arm64" in done.stdout
    assert "import skipped" in done.stdout


def test_a_wheel_too_new_for_the_runtime_glibc_fails(build: Path) -> None:
    info = build / "Lib" / "python" / "pkg-1.0.dist-info"
    info.mkdir()
    (info / "WHEEL").write_text("Wheel-Version: 1.0\nTag: cp311-cp311-manylinux_2_28_x86_64\n")
    done = _check(build)
    assert done.returncode == 1
    assert "pkg-1.0.dist-info fits no cp311 x86_64 glibc 2.26" in done.stdout


def test_a_failing_import_fails(build: Path) -> None:
    (build / "Fn" / "app.py").write_text("import not_shipped\n")
    done = _check(build)
    assert done.returncode == 1
    assert "importing app.handler failed: ModuleNotFoundError" in done.stdout


def test_tests_caches_and_shadowed_modules_fail(build: Path) -> None:
    (build / "Fn" / "tests").mkdir()
    (build / "Fn" / "helper.py").write_text("VALUE = 2\n")
    done = _check(build)
    assert done.returncode == 1
    assert "Fn: ships tests" in done.stdout
    assert "helper.py is in both function code and Lib" in done.stdout


CORE_LAYER = """
  Core:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: Core}
"""
CORE_TEMPLATE = TEMPLATE.replace("Layers: [!Ref Lib]", "Layers: [!Ref Lib, !Ref Core]") + CORE_LAYER


@pytest.fixture
def core_build(build: Path) -> Path:
    """The passing build plus a core layer: the spidergate package with its data and the console."""
    (build / "template.yaml").write_text(CORE_TEMPLATE)
    package = build / "Core" / "python" / "spidergate"
    (package / "catalog" / "data").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "catalog" / "data" / "models.json").write_text("{}")
    console = package / "web" / "console_dist"
    (console / "assets").mkdir(parents=True)
    (console / "index.html").write_text('<script type="module" src="./assets/index-1.js"></script>')
    (console / "assets" / "index-1.js").write_text("export {};")
    return build


def test_the_core_layer_must_carry_the_built_console_and_its_assets(core_build: Path) -> None:
    console = core_build / "Core" / "python" / "spidergate" / "web" / "console_dist"
    done = _check(core_build)
    assert done.returncode == 0, done.stdout + done.stderr
    (console / "assets" / "index-1.js").unlink()
    done = _check(core_build)
    assert done.returncode == 1
    assert "console_dist/assets/index-1.js, loaded by the console page, is missing" in done.stdout
    (console / "index.html").unlink()
    done = _check(core_build)
    assert done.returncode == 1
    assert "console_dist/index.html is missing (run `make console` before `sam build`)" in done.stdout


def test_an_identical_copy_in_two_places_is_not_shadowing(build: Path) -> None:
    # A dependency shared by two layers (h11: httpx's and uvicorn's) installs the same files twice.
    (build / "Fn" / "helper.py").write_text((build / "Lib" / "python" / "helper.py").read_text())
    done = _check(build)
    assert "is in both" not in done.stdout
    assert done.returncode == 0, done.stdout
