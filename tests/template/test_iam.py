"""Least privilege: every function's role names its resources and only the actions it needs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cfnlint
import pytest

from tests.template.cfn import roles, statements

# Resource "*" is acceptable only for actions that cannot be scoped to a resource.
STAR_RESOURCE_ACTIONS = (
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSampling",
    "cloudwatch:PutMetricData",
)
MANAGED = {
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
}
FUNCTIONS = ("Chat", "Embeddings", "Media", "Catalog", "Dashboard", "Sweep")
WRITES = ("Put", "Update", "Delete", "Create", "Tag", "BatchWrite")
SECRETS_ARN = (
    "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:spidergate/${Stage}/*"
)


def _known_actions() -> dict[str, set[str]]:
    data = Path(cfnlint.__file__).parent / "data" / "AdditionalSpecs" / "Policies.json"
    return {service: set(spec["Actions"]) for service, spec in json.loads(data.read_text()).items()}


def _function_statements(translated: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return statements(roles(translated)[f"{name}FunctionRole"])


def _actions(found: list[dict[str, Any]]) -> set[str]:
    return {a for s in found for a in s["Action"]}


def _resources(found: list[dict[str, Any]], action: str) -> list[Any]:
    return [r for s in found if action in s["Action"] for r in s["Resource"]]


def test_no_wildcard_actions_and_star_resources_only_where_unavoidable(translated: dict[str, Any]) -> None:
    for role_name, role in roles(translated).items():
        for statement in statements(role):
            assert statement["Effect"] == "Allow", role_name
            for action in statement["Action"]:
                assert "*" not in action, (role_name, action)
            if "*" in statement["Resource"]:
                assert all(a.startswith(STAR_RESOURCE_ACTIONS) for a in statement["Action"]), (
                    role_name,
                    statement,
                )
                if "cloudwatch:PutMetricData" in statement["Action"]:
                    assert "cloudwatch:namespace" in json.dumps(statement.get("Condition", {})), role_name


def test_every_action_exists_in_iam(translated: dict[str, Any]) -> None:
    known = _known_actions()
    for role_name, role in roles(translated).items():
        for action in _actions(statements(role)):
            service, _, name = action.partition(":")
            assert name.lower() in known.get(service, set()), (role_name, action)


def test_functions_carry_only_the_logging_and_tracing_managed_policies(translated: dict[str, Any]) -> None:
    all_roles = roles(translated)
    for name in FUNCTIONS:
        assert set(all_roles[f"{name}FunctionRole"]["ManagedPolicyArns"]) == MANAGED, name


def test_catalog_is_read_only(translated: dict[str, Any]) -> None:
    actions = _actions(_function_statements(translated, "Catalog"))
    assert actions == {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"}


@pytest.mark.parametrize("name", ["Chat", "Embeddings", "Media"])
def test_gateway_functions_read_secrets_under_the_stage_prefix_only(
    translated: dict[str, Any], name: str
) -> None:
    found = _function_statements(translated, name)
    secret_actions = {a for a in _actions(found) if a.startswith("secretsmanager:")}
    assert secret_actions == {"secretsmanager:GetSecretValue"}
    assert _resources(found, "secretsmanager:GetSecretValue") == [{"Fn::Sub": SECRETS_ARN}]
    assert "bedrock:InvokeModel" in _actions(found)


def test_chat_may_stream_from_bedrock(translated: dict[str, Any]) -> None:
    assert "bedrock:InvokeModelWithResponseStream" in _actions(_function_statements(translated, "Chat"))


def test_dashboard_manages_secrets_but_never_reads_them(translated: dict[str, Any]) -> None:
    found = _function_statements(translated, "Dashboard")
    actions = _actions(found)
    assert {
        "secretsmanager:CreateSecret",
        "secretsmanager:DeleteSecret",
        "secretsmanager:TagResource",
    } <= actions
    assert "secretsmanager:GetSecretValue" not in actions
    for action in actions:
        if action.startswith("secretsmanager:"):
            assert _resources(found, action) == [{"Fn::Sub": SECRETS_ARN}], action
    usage_writes = [
        a
        for s in found
        if {"Fn::GetAtt": ["UsageTable", "Arn"]} in s["Resource"]
        for a in s["Action"]
        if a.split(":")[1].startswith(WRITES)
    ]
    assert usage_writes == []


def test_only_media_touches_the_upload_bucket(translated: dict[str, Any]) -> None:
    for name in FUNCTIONS:
        s3 = {a for a in _actions(_function_statements(translated, name)) if a.startswith("s3:")}
        if name == "Media":
            assert s3 == {"s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:ListBucket"}
        else:
            assert s3 == set(), name


def test_sweep_touches_the_usage_table_only(translated: dict[str, Any]) -> None:
    found = _function_statements(translated, "Sweep")
    assert _actions(found) <= {
        "dynamodb:Query",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:ConditionCheckItem",
        "dynamodb:GetItem",
    }
    for statement in found:
        for resource in statement["Resource"]:
            assert "UsageTable" in json.dumps(resource), resource


def test_table_arns_always_come_with_their_indexes(translated: dict[str, Any]) -> None:
    for role_name, role in roles(translated).items():
        for statement in statements(role):
            for table in ("VaultTable", "UsageTable"):
                if {"Fn::GetAtt": [table, "Arn"]} in statement["Resource"] and "dynamodb:Query" in statement[
                    "Action"
                ]:
                    assert {"Fn::Sub": f"${{{table}.Arn}}/index/*"} in statement["Resource"], role_name
