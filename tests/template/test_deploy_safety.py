"""What a first production deploy meets: retries after a failed create, log groups, the adapter
layer's publisher per partition, throttling headers, and the alarms on lost spend and throttles."""

from __future__ import annotations

import io
import json
import logging
import re
from typing import Any

import pytest

from tests.template.cfn import ROOT
from tests.template.test_operations import FUNCTIONS

NAMED = ("VaultTable", "UsageTable", "UserPool")
SERVING_LOG_GROUPS = ("ChatLogGroup", "EmbeddingsLogGroup", "MediaLogGroup")


def _resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def test_named_resources_do_not_block_a_retry_after_a_failed_first_create(template: dict[str, Any]) -> None:
    named = {
        k
        for k, v in template["Resources"].items()
        if any(n in v.get("Properties", {}) for n in ("TableName", "UserPoolName"))
    }
    assert named == set(NAMED)
    for name in (*NAMED, "UploadBucket"):
        resource = template["Resources"][name]
        assert resource["DeletionPolicy"] == "RetainExceptOnCreate", name
        assert resource["UpdateReplacePolicy"] == "Retain", name


def test_every_function_logs_to_its_own_declared_group(template: dict[str, Any]) -> None:
    groups = _resources(template, "AWS::Logs::LogGroup")
    for function in FUNCTIONS:
        props = template["Resources"][function]["Properties"]
        group = props["LoggingConfig"]["LogGroup"]["Ref"]
        suffix = props["FunctionName"]["Fn::Sub"]
        assert groups[group]["Properties"]["LogGroupName"]["Fn::Sub"] == f"/aws/lambda/{suffix}", function


def _evaluate(node: Any, conditions: dict[str, bool]) -> Any:
    """Resolve Fn::If / Fn::Sub (with a variable map) the way CloudFormation would, given conditions."""
    if isinstance(node, dict) and "Fn::If" in node:
        name, yes, no = node["Fn::If"]
        return _evaluate(yes if conditions[name] else no, conditions)
    if isinstance(node, dict) and "Fn::Sub" in node:
        text, variables = node["Fn::Sub"]
        values = {k: _evaluate(v, conditions) for k, v in variables.items()}
        return re.sub(r"\$\{([\w:]+)\}", lambda m: str(values.get(m.group(1), m.group(0))), text)
    return node


@pytest.mark.parametrize(
    ("region", "arm", "account", "layer"),
    [
        ("us-east-1", False, "753240598075", "LambdaAdapterLayerX86"),
        ("eu-west-1", True, "753240598075", "LambdaAdapterLayerArm64"),
        ("cn-north-1", False, "041581134020", "LambdaAdapterLayerX86"),
        ("cn-northwest-1", False, "069767869989", "LambdaAdapterLayerX86"),
    ],
)
def test_web_adapter_layer_comes_from_the_publisher_of_the_region(
    template: dict[str, Any], region: str, arm: bool, account: str, layer: str
) -> None:
    conditions = {
        "IsArm64": arm,
        "InCnNorth1": region == "cn-north-1",
        "InCnNorthwest1": region == "cn-northwest-1",
    }
    for function in ("ChatFunction", "MediaFunction"):
        adapter, server = template["Resources"][function]["Properties"]["Layers"]
        assert server == {"Ref": "ServerLayer"}
        arn = _evaluate(adapter, conditions)
        assert arn == (
            "arn:${AWS::Partition}:lambda:${AWS::Region}:"
            + f"{account}:layer:{layer}:"
            + "${LwaLayerVersion}"
        )
    assert template["Conditions"]["InCnNorth1"] == {"Fn::Equals": [{"Ref": "AWS::Region"}, "cn-north-1"]}


def test_throttled_gateway_answer_says_when_to_retry(template: dict[str, Any]) -> None:
    responses = template["Resources"]["GatewayApi"]["Properties"]["GatewayResponses"]
    headers = responses["THROTTLED"]["ResponseParameters"]["Headers"]
    assert headers["Retry-After"] == "'1'"
    assert responses["THROTTLED"]["StatusCode"] == 429


def _alarms(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: v["Properties"] for k, v in _resources(template, "AWS::CloudWatch::Alarm").items()}


def test_dynamodb_throttle_alarm_counts_the_index_too(template: dict[str, Any]) -> None:
    metrics = _alarms(template)["DynamoThrottleAlarm"]["Metrics"]
    indexed = {
        (m["MetricStat"]["Metric"]["MetricName"], m["MetricStat"]["Metric"]["Dimensions"][0]["Value"]["Ref"])
        for m in metrics
        if "MetricStat" in m
        and {"Name": "GlobalSecondaryIndexName", "Value": "gsi1"} in m["MetricStat"]["Metric"]["Dimensions"]
    }
    assert indexed == {
        (metric, table)
        for metric in ("ReadThrottleEvents", "WriteThrottleEvents")
        for table in ("VaultTable", "UsageTable")
    }
    (expression,) = [m["Expression"] for m in metrics if m.get("ReturnData")]
    ids = {m["Id"] for m in metrics if "MetricStat" in m}
    assert set(re.findall(r"FILL\((\w+), 0\)", expression)) == ids


def _json_log_line(message: str) -> dict[str, Any]:
    """A log line exactly as the functions write it (powertools' JSON formatter)."""
    from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(LambdaPowertoolsFormatter(service="spidergate"))
    logger = logging.getLogger("spidergate.test.filter")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.error(message, extra={"request_id": "req_1"})
    finally:
        logger.removeHandler(handler)
    line: dict[str, Any] = json.loads(stream.getvalue())
    return line


def test_settlement_failures_raise_an_alarm(template: dict[str, Any]) -> None:
    filters = _resources(template, "AWS::Logs::MetricFilter")
    assert {f["Properties"]["LogGroupName"]["Ref"] for f in filters.values()} == set(SERVING_LOG_GROUPS)
    line = _json_log_line("usage settlement failed")
    for metric_filter in filters.values():
        props = metric_filter["Properties"]
        pattern = re.fullmatch(r'\{ \$\.(\w+) = "([^"]+)" \}', props["FilterPattern"])
        assert pattern, props["FilterPattern"]
        assert line[pattern.group(1)] == pattern.group(2)
        (transform,) = props["MetricTransformations"]
        assert transform["MetricName"] == "SettlementFailures"
        assert transform["MetricNamespace"] == {"Fn::Sub": "SpiderGate/${Stage}"}
    alarm = _alarms(template)["SettlementFailureAlarm"]
    assert (alarm["MetricName"], alarm["Namespace"]) == (
        "SettlementFailures",
        {"Fn::Sub": "SpiderGate/${Stage}"},
    )
    assert alarm["Threshold"] == 1


def test_the_app_logs_the_message_the_settlement_filter_matches() -> None:
    from pathlib import Path

    from spidergate.serve import exchange

    assert '"usage settlement failed"' in Path(exchange.__file__).read_text()


def test_throttled_requests_raise_an_alarm(template: dict[str, Any]) -> None:
    alarm = _alarms(template)["ThrottledRequestsAlarm"]
    (query,) = alarm["Metrics"]
    assert "SUM(Throttles)" in query["Expression"]["Fn::Sub"]
    assert alarm["Threshold"] == {"Ref": "ThrottledRequestsThreshold"}


def test_web_adapter_functions_write_stdout_unbuffered() -> None:
    # uvicorn runs outside the bootstrap that unbuffers stdout; EMF lines must not wait in a buffer.
    for name in ("chat", "media"):
        run = (ROOT / "functions" / name / "run.sh").read_text()
        assert re.search(r"^export PYTHONUNBUFFERED=1$", run, re.M), name
        assert run.index("PYTHONUNBUFFERED") < run.index("exec python")
