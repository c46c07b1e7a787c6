"""The template passes `sam validate --lint` and cfn-lint with no finding."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cfnlint.api import lint_file

from tests.template.cfn import ROOT, TEMPLATE


def _sam() -> str | None:
    bundled = ROOT / ".tools-sam" / "bin" / "sam"
    return str(bundled) if bundled.exists() else shutil.which("sam")


def test_sam_validate_lint_is_clean() -> None:
    sam = _sam()
    if sam is None:
        pytest.skip("the SAM CLI is not installed (make setup installs it into .tools-sam/)")
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0", "AWS_DEFAULT_REGION": "us-east-1"}
    done = subprocess.run(
        [sam, "validate", "--lint", "--template-file", str(TEMPLATE)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "is a valid SAM Template" in done.stdout + done.stderr


def test_cfn_lint_reports_nothing() -> None:
    matches = lint_file(Path(TEMPLATE))
    assert [str(m) for m in matches] == []
