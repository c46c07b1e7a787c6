"""The operators' side: the dashboard charts what the app emits, alarms, outputs, function wiring."""

from __future__ import annotations

import json
import os
import re
from decimal import Decimal
from typing import Any

import pytest

from spidergate.settings import Settings
from spidergate.telemetry import Telemetry
from spidergate.usage.counts import Usage
from spidergate.usage.record import Attempt, RequestRecord
from tests.template.cfn import ROOT

PSEUDO = {"AWS::Region", "AWS::AccountId", "AWS::Partition", "AWS::StackName", "AWS::URLSuffix"}
FUNCTIONS = (
    "ChatFunction",
    "EmbeddingsFunction",
    "MediaFunction",
    "CatalogFunction",
    "DashboardFunction",
    "SweepFunction",
)
SEARCH = re.compile(r"SEARCH\('\{SpiderGate,([\w,]+)\} MetricName=\"(\w+)\" Stage=\"Stage\"'")


def _dashboard(template: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The dashboard body as written (with ${...}) and as CloudFormation renders it."""
    raw: str = template["Resources"]["OpsDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    rendered = re.sub(r"\$\{([^}]+)\}", lambda m: m.group(1).replace(":", "_"), raw)
    return raw, json.loads(rendered)


def _metric_rows(body: dict[str, Any]) -> list[list[Any]]:
    return [row for w in body["widgets"] if w["type"] == "metric" for row in w["properties"]["metrics"]]


def test_dashboard_substitutions_resolve(template: dict[str, Any]) -> None:
    raw, body = _dashboard(template)
    names = set(template["Parameters"]) | set(template["Resources"]) | PSEUDO
    for token in re.findall(r"\$\{([^}]+)\}", raw):
        assert token.split(".")[0] in names, token
    assert body["widgets"]


def test_dashboard_widgets_fit_the_grid_without_overlap(template: dict[str, Any]) -> None:
    _, body = _dashboard(template)
    cells: set[tuple[int, int]] = set()
    for widget in body["widgets"]:
        assert widget["x"] >= 0, widget
        assert widget["x"] + widget["width"] <= 24, widget
        area = {
            (x, y)
            for x in range(widget["x"], widget["x"] + widget["width"])
            for y in range(widget["y"], widget["y"] + widget["height"])
        }
        assert not cells & area, widget
        cells |= area


def test_dashboard_charts_lambda_api_and_tables(template: dict[str, Any]) -> None:
    raw, body = _dashboard(template)
    rows = [r for r in _metric_rows(body) if isinstance(r[0], str)]
    lambda_metrics = {(r[1], r[3]) for r in rows if r[0] == "AWS/Lambda"}
    for function in FUNCTIONS:
        for metric in ("Errors", "Duration", "Throttles", "ConcurrentExecutions"):
            assert (metric, function) in lambda_metrics
    api = {
        r[1]
        for r in rows
        if r[0] == "AWS/ApiGateway" and r[2:6] == ["ApiName", "spidergate-Stage", "Stage", "Stage"]
    }
    assert {"4XXError", "5XXError", "Latency", "Count"} <= api
    tables = {(r[1], r[3]) for r in rows if r[0] == "AWS/DynamoDB"}
    for table in ("VaultTable", "UsageTable"):
        for metric in (
            "ReadThrottleEvents",
            "WriteThrottleEvents",
            "ConsumedReadCapacityUnits",
            "ConsumedWriteCapacityUnits",
        ):
            assert (metric, table) in tables
    api_name = template["Resources"]["GatewayApi"]["Properties"]["Name"]["Fn::Sub"]
    assert api_name == "spidergate-${Stage}"
    assert '"spidergate-${Stage}"' in raw


def _emitted_metrics(capsys: pytest.CaptureFixture[str]) -> dict[str, set[frozenset[str]]]:
    """Run the app's telemetry for one request that exercises every metric; read its EMF lines."""
    record = RequestRecord(
        request_id="req_1",
        brand_id="brd_1",
        agent_id="agt_1",
        endpoint="chat",
        requested_model="fast",
        alias="fast",
        started_at=0.0,
        status=429,
        provider="openai",
        usage=Usage(prompt_tokens=3),
        cost=Decimal("0.001"),
        fallback=True,
        latency_ms=12.5,
        attempts=[
            Attempt(model="gpt-4o-mini", provider="openai", key_id="pk_1", key_label="k", outcome="next_key")
        ],
    )
    Telemetry(Settings(stage="dev", emit_metrics=True)).request(record)
    emitted: dict[str, set[frozenset[str]]] = {}
    for line in capsys.readouterr().out.splitlines():
        blob = json.loads(line)
        for directive in blob["_aws"]["CloudWatchMetrics"]:
            assert directive["Namespace"] == "SpiderGate"
            for metric in directive["Metrics"]:
                for dims in directive["Dimensions"]:
                    emitted.setdefault(metric["Name"], set()).add(frozenset(dims))
    return emitted


@pytest.fixture
def lambda_env(template: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """The chat function's powertools variables, as the template sets them."""
    for scope in (template["Globals"]["Function"], template["Resources"]["ChatFunction"]["Properties"]):
        for name, value in scope["Environment"]["Variables"].items():
            if name.startswith("POWERTOOLS_") and isinstance(value, str):
                monkeypatch.setenv(name, value)
    assert os.environ["POWERTOOLS_SERVICE_NAME"] == "spidergate-chat"


@pytest.mark.usefixtures("lambda_env")
def test_dashboard_searches_every_metric_the_app_emits_under_its_dimensions(
    template: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    _, body = _dashboard(template)
    expressions = [
        e["expression"]
        for row in _metric_rows(body)
        for e in row
        if isinstance(e, dict) and "expression" in e
    ]
    charted = {(name, frozenset(dims.split(","))) for e in expressions for dims, name in SEARCH.findall(e)}
    emitted = _emitted_metrics(capsys)
    assert set(emitted) == {
        "Requests",
        "Latency",
        "Tokens",
        "CostUSD",
        "Fallbacks",
        "Throttles",
        "UpstreamErrors",
    }
    for name, dimension_sets in emitted.items():
        for dims in dimension_sets:
            assert (name, dims) in charted, (name, sorted(dims))


@pytest.mark.usefixtures("lambda_env")
def test_latency_alarm_watches_the_metric_the_app_emits(
    template: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    alarm = template["Resources"]["LatencyP99Alarm"]["Properties"]
    dims = {d["Name"]: d["Value"] for d in alarm["Dimensions"]}
    assert (alarm["Namespace"], alarm["MetricName"], alarm["ExtendedStatistic"]) == (
        "SpiderGate",
        "Latency",
        "p99",
    )
    assert frozenset(dims) in _emitted_metrics(capsys)["Latency"]
    assert dims["Stage"] == {"Ref": "Stage"}
    # The service value the app gives its Metrics object (not the function's POWERTOOLS_SERVICE_NAME).
    assert dims["service"] == Telemetry(Settings(stage="dev"))._emitter().service


def test_alarms_cover_5xx_rate_latency_fallbacks_and_throttling(template: dict[str, Any]) -> None:
    alarms = {
        k: v["Properties"] for k, v in template["Resources"].items() if v["Type"] == "AWS::CloudWatch::Alarm"
    }
    assert {"Api5xxRateAlarm", "LatencyP99Alarm", "FallbackSpikeAlarm", "DynamoThrottleAlarm"} <= set(alarms)
    rate = [m for m in alarms["Api5xxRateAlarm"]["Metrics"] if m.get("ReturnData")]
    assert len(rate) == 1
    assert "errors / requests" in rate[0]["Expression"]
    assert "SUM(Fallbacks)" in alarms["FallbackSpikeAlarm"]["Metrics"][0]["Expression"]["Fn::Sub"]
    throttle_tables = {
        m["MetricStat"]["Metric"]["Dimensions"][0]["Value"]["Ref"]
        for m in alarms["DynamoThrottleAlarm"]["Metrics"]
        if "MetricStat" in m
    }
    assert throttle_tables == {"VaultTable", "UsageTable"}
    for name, alarm in alarms.items():
        assert alarm["AlarmActions"] == {
            "Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]
        }, name


def test_outputs_give_the_cli_everything_it_reads(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]
    base = outputs["ApiBaseUrl"]["Value"]["Fn::Sub"]
    assert base == "https://${GatewayApi}.execute-api.${AWS::Region}.amazonaws.com/${Stage}/api/gate/v1"
    for name in (
        "VaultTableName",
        "UsageTableName",
        "UploadBucketName",
        "SecretsPrefix",
        "Region",
        "UserPoolId",
        "UserPoolClientId",
        "DashboardUrl",
    ):
        assert name in outputs


def test_tables_survive_stack_deletion_and_keep_ttl(template: dict[str, Any]) -> None:
    for table in ("VaultTable", "UsageTable"):
        resource = template["Resources"][table]
        assert resource["DeletionPolicy"] == "RetainExceptOnCreate"
        assert resource["UpdateReplacePolicy"] == "Retain"
    ttl = template["Resources"]["UsageTable"]["Properties"]["TimeToLiveSpecification"]
    assert ttl == {"AttributeName": "expires_at", "Enabled": True}


def test_secrets_prefix_matches_the_iam_scope(template: dict[str, Any]) -> None:
    env = template["Globals"]["Function"]["Environment"]["Variables"]
    assert env["SPIDERGATE_SECRETS_PREFIX"] == {"Fn::Sub": "spidergate/${Stage}"}
    assert env["POWERTOOLS_METRICS_NAMESPACE"] == "SpiderGate"


@pytest.mark.parametrize("name", ["chat", "media"])
def test_chat_and_media_run_uvicorn_behind_the_web_adapter(template: dict[str, Any], name: str) -> None:
    function = template["Resources"][f"{name.title()}Function"]["Properties"]
    env = function["Environment"]["Variables"]
    assert function["Handler"] == "run.sh"
    assert env["AWS_LAMBDA_EXEC_WRAPPER"] == "/opt/bootstrap"
    assert env["AWS_LWA_INVOKE_MODE"] == "response_stream"
    assert env["AWS_LWA_READINESS_CHECK_PATH"] == "/api/gate/v1/health"
    assert "/opt/python" in env["PYTHONPATH"].split(":")
    run = ROOT / "functions" / name / "run.sh"
    assert os.access(run, os.X_OK)
    assert run.read_text() == (ROOT / "functions" / "chat" / "run.sh").read_text()
    assert re.search(r"exec python -m uvicorn app:app", run.read_text())
    for event in function["Events"].values():
        assert function["Timeout"] * 1000 == event["Properties"]["TimeoutInMillis"]


def test_handlers_exist_and_runtimes_agree(template: dict[str, Any]) -> None:
    runtime = template["Globals"]["Function"]["Runtime"]
    for name in FUNCTIONS:
        props = template["Resources"][name]["Properties"]
        module = props["Handler"].split(".")[0] if props["Handler"] != "run.sh" else "app"
        assert (ROOT / props["CodeUri"] / f"{module}.py").is_file(), name
    for layer in ("CoreLayer", "DepsLayer", "ServerLayer"):
        resource = template["Resources"][layer]
        assert resource["Properties"]["CompatibleRuntimes"] == [runtime]
    for layer in ("DepsLayer", "ServerLayer"):
        assert template["Resources"][layer]["Metadata"]["BuildMethod"] == runtime
    # The core layer copies the package itself (shared/Makefile), leaving local/ and cli/ out.
    assert template["Resources"]["CoreLayer"]["Metadata"]["BuildMethod"] == "makefile"
    assert template["Resources"]["CoreLayer"]["Properties"]["ContentUri"] == "shared/"


def test_members_cannot_write_their_own_brand_roles(template: dict[str, Any]) -> None:
    pool = template["Resources"]["UserPool"]["Properties"]
    assert {"Name": "brands", "AttributeDataType": "String", "Mutable": True} in [
        {k: a[k] for k in ("Name", "AttributeDataType", "Mutable")} for a in pool["Schema"]
    ]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    client = template["Resources"]["UserPoolClient"]["Properties"]
    assert "custom:brands" in client["ReadAttributes"]
    assert "custom:brands" not in client["WriteAttributes"]
    assert client["GenerateSecret"] is False


def test_sweep_runs_every_five_minutes(translated: dict[str, Any]) -> None:
    rules = [r["Properties"] for r in translated["Resources"].values() if r["Type"] == "AWS::Events::Rule"]
    (rule,) = rules
    assert rule["ScheduleExpression"] == "rate(5 minutes)"
    assert rule["Targets"][0]["Arn"] == {"Fn::GetAtt": ["SweepFunction", "Arn"]}
    sweep = translated["Resources"]["SweepFunction"]["Properties"]
    assert sweep["Handler"] == "app.handler"
