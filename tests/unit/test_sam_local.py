"""``python -m spidergate.local.sam_local``: events rendered with the local run's data, and an
``--env-vars`` file sam local can apply (tested without Docker)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from spidergate.local.sam_local import (
    PLACEHOLDER,
    RenderError,
    env_vars,
    find_event,
    main,
    placeholder_values,
    render_event,
)
from spidergate.local.stack import stack_env
from tests.template.cfn import EVENTS, load_template

TOKEN = "cli_demo:key_abc:sgs_def"
SESSION = {
    "id_token": "eyJ.header.sig",
    "pool_id": "us-east-1_Local",
    "client_id": "client123",
    "issuer": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Local",
    "jwks_url": "http://127.0.0.1:5005/us-east-1_Local/.well-known/jwks.json",
    "username": "dev@spidergate.local",
    "password": "secret",
    "access_token": "eyJ.access.sig",
}


@pytest.fixture
def local_files(tmp_path: Path) -> tuple[Path, Path]:
    demo, session = tmp_path / "demo.json", tmp_path / "session.json"
    demo.write_text(json.dumps({"client_id": "cli_demo", "bearer": TOKEN}))
    session.write_text(json.dumps(SESSION))
    return demo, session


@pytest.mark.parametrize("path", sorted(EVENTS.glob("*.json")), ids=lambda p: p.stem)
def test_every_event_renders_to_json_without_placeholders(path: Path, local_files: tuple[Path, Path]) -> None:
    rendered = json.loads(render_event(path.read_text(), placeholder_values(*local_files)))
    assert not PLACEHOLDER.search(json.dumps(rendered))
    auth = rendered["headers"].get("Authorization")
    if auth is not None:
        assert auth in (f"Bearer {TOKEN}", f"Bearer {SESSION['id_token']}")
    if rendered["resource"].startswith("/api/v1/brands/"):
        assert rendered["pathParameters"]["brand_id"] == "brd_demo"
        assert rendered["requestContext"]["authorizer"]["claims"]["aud"] == "client123"


def test_without_a_local_run_the_missing_values_are_named(tmp_path: Path) -> None:
    values = placeholder_values(tmp_path / "none.json", tmp_path / "none.json")
    with pytest.raises(RenderError, match=r"DEMO_TOKEN.*make run"):
        render_event((EVENTS / "embeddings.json").read_text(), values)
    # Public events need nothing from the run.
    assert json.loads(render_event((EVENTS / "health.json").read_text(), values))["httpMethod"] == "GET"


def test_events_are_found_by_name_or_path() -> None:
    assert find_event("embeddings", EVENTS) == EVENTS / "embeddings.json"
    assert find_event(str(EVENTS / "health.json"), EVENTS) == EVENTS / "health.json"
    with pytest.raises(RenderError, match=r"known events: .*embeddings"):
        find_event("nothing", EVENTS)


def _declared(template: dict[str, Any], function: str) -> set[str]:
    names = set(template["Globals"]["Function"]["Environment"]["Variables"])
    props = template["Resources"][function]["Properties"]
    return names | set(props.get("Environment", {}).get("Variables", {}))


def test_env_file_overrides_only_declared_variables_and_matches_the_local_stack(
    local_files: tuple[Path, Path],
) -> None:
    template = load_template()
    doc = env_vars(local_files[1], moto_port=5005)
    functions = [k for k, v in template["Resources"].items() if v["Type"] == "AWS::Serverless::Function"]
    # sam local applies a variable only when the template declares it for that function.
    for function in functions:
        assert set(doc["Parameters"]) <= _declared(template, function), function
    assert set(doc["DashboardFunction"]) <= _declared(template, "DashboardFunction")
    local = stack_env("http://127.0.0.1:5005")
    params = doc["Parameters"]
    assert params["AWS_ENDPOINT_URL"] == "http://host.docker.internal:5005"
    for name in ("SPIDERGATE_VAULT_TABLE", "SPIDERGATE_USAGE_TABLE", "SPIDERGATE_UPLOAD_BUCKET"):
        assert params[name] == local[name]
    dashboard = doc["DashboardFunction"]
    assert dashboard["SPIDERGATE_COGNITO_JWKS_URL"] == (
        "http://host.docker.internal:5005/us-east-1_Local/.well-known/jwks.json"
    )
    assert dashboard["SPIDERGATE_COGNITO_ISSUER"] == SESSION["issuer"]
    assert "password" not in json.dumps(doc) and SESSION["id_token"] not in json.dumps(doc)


def test_the_deployed_endpoint_variable_is_empty() -> None:
    # Declared only so sam local can override it; empty means the AWS default when deployed.
    assert load_template()["Globals"]["Function"]["Environment"]["Variables"]["AWS_ENDPOINT_URL"] == ""


def test_command_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, local_files: tuple[Path, Path]
) -> None:
    demo, session = local_files
    monkeypatch.setattr("spidergate.local.paths.demo_file", lambda: demo)
    monkeypatch.setattr("spidergate.local.paths.session_file", lambda: session)
    assert main(["event", "embeddings"]) == 0
    assert json.loads(capsys.readouterr().out)["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert main(["env", "--host", "172.17.0.1"]) == 0
    assert json.loads(capsys.readouterr().out)["Parameters"]["AWS_ENDPOINT_URL"].startswith(
        "http://172.17.0.1:"
    )
    assert main(["event", "nothing"]) == 1
    assert capsys.readouterr().err.startswith("error: No event")
