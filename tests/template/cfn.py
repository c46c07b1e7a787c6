"""Helpers for the template tests: read the SAM template, translate it, list routes and IAM."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
EVENTS = ROOT / "events"


class _NoManagedPolicies:
    """The translator asks for managed-policy names only when a template uses them; ours does not."""

    def load(self) -> dict[str, str]:
        return {}


@dataclass(frozen=True)
class Route:
    """A method and resource path of the deployed REST API and the function behind it."""

    method: str
    path: str
    function: str
    integration: dict[str, Any]
    operation: dict[str, Any]


def load_template() -> dict[str, Any]:
    parsed: dict[str, Any] = yaml_parse(TEMPLATE.read_text())
    return parsed


def translate(template: dict[str, Any]) -> dict[str, Any]:
    """The CloudFormation SAM deploys (local code paths stand in as S3 URIs, as `sam validate` does)."""
    sam = copy.deepcopy(template)
    for resource in sam["Resources"].values():
        props = resource.get("Properties", {})
        for uri in ("CodeUri", "ContentUri"):
            if isinstance(props.get(uri), str):
                props[uri] = f"s3://bucket/{props[uri]}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
        result: dict[str, Any] = transform(sam, {}, _NoManagedPolicies())
    return result


def api_routes(translated: dict[str, Any]) -> list[Route]:
    """Every method of the REST API's OpenAPI body, with its integration's function."""
    body = translated["Resources"]["GatewayApi"]["Properties"]["Body"]
    found = []
    for path, methods in body["paths"].items():
        for method, operation in methods.items():
            integration = operation["x-amazon-apigateway-integration"]
            function = re.search(r"\$\{(\w+)\.Arn\}", integration["uri"]["Fn::Sub"])
            assert function, integration
            found.append(Route(method.upper(), path, function.group(1), integration, operation))
    return found


def roles(translated: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every IAM role of the translated template by logical id."""
    return {k: v["Properties"] for k, v in translated["Resources"].items() if v["Type"] == "AWS::IAM::Role"}


def statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    """The inline policy statements of a role, actions and resources always as lists."""
    found = []
    for policy in role.get("Policies", []):
        for statement in policy["PolicyDocument"]["Statement"]:
            norm = dict(statement)
            for key in ("Action", "Resource"):
                value = norm.get(key, [])
                norm[key] = value if isinstance(value, list) else [value]
            found.append(norm)
    return found
