"""DynamoDB tables for local runs and tests, created from ``template.yaml`` (one source of truth)."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from spidergate.local.paths import template_path
from spidergate.settings import Settings

TABLE_TYPE = "AWS::DynamoDB::Table"


def load_template(path: Path | None = None) -> dict[str, Any]:
    """The SAM template as data; CloudFormation tags become their JSON forms (``!Sub`` -> ``Fn::Sub``)."""
    yaml = importlib.import_module("yaml")  # dev-only dependency, never needed in Lambda
    loader: Any = type("CloudFormationLoader", (yaml.SafeLoader,), {})

    def construct(node_loader: Any, suffix: str, node: Any) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            value: Any = node_loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = node_loader.construct_sequence(node, deep=True)
        else:
            value = node_loader.construct_mapping(node, deep=True)
        if suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
        return {"Ref" if suffix == "Ref" else f"Fn::{suffix}": value}

    loader.add_multi_constructor("!", construct)
    text = (path or template_path()).read_text(encoding="utf-8")
    data = yaml.load(text, Loader=loader)
    if not isinstance(data, dict):
        raise ValueError("template is not a YAML mapping")
    return data


def _table_name(logical_id: str, props: dict[str, Any], settings: Settings) -> str:
    mapped = {"VaultTable": settings.vault_table, "UsageTable": settings.usage_table}.get(logical_id)
    if mapped:
        return mapped
    name = props.get("TableName")
    if isinstance(name, dict) and isinstance(name.get("Fn::Sub"), str):
        name = name["Fn::Sub"].replace("${Stage}", settings.stage).replace("${AWS::Region}", settings.region)
    if not isinstance(name, str) or "${" in name:
        raise ValueError(f"cannot resolve the table name of {logical_id} locally")
    return name


def table_specs(template: dict[str, Any], settings: Settings) -> list[tuple[dict[str, Any], str | None]]:
    """``(create_table kwargs, TTL attribute or None)`` for every table resource in the template."""
    specs: list[tuple[dict[str, Any], str | None]] = []
    for logical_id, resource in (template.get("Resources") or {}).items():
        if not isinstance(resource, dict) or resource.get("Type") != TABLE_TYPE:
            continue
        props = resource.get("Properties") or {}
        billing = props.get("BillingMode", "PROVISIONED")
        kwargs: dict[str, Any] = {
            "TableName": _table_name(logical_id, props, settings),
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
            "BillingMode": billing,
        }
        if billing != "PAY_PER_REQUEST":
            kwargs["ProvisionedThroughput"] = props["ProvisionedThroughput"]
        stream = props.get("StreamSpecification")
        if stream:
            kwargs["StreamSpecification"] = {
                "StreamEnabled": True,
                "StreamViewType": stream["StreamViewType"],
            }
        for index_kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            if props.get(index_kind):
                kwargs[index_kind] = props[index_kind]
        ttl = props.get("TimeToLiveSpecification") or {}
        specs.append((kwargs, ttl.get("AttributeName") if ttl.get("Enabled") else None))
    return specs


def create_tables(ddb: Any, settings: Settings, template: Path | None = None) -> list[str]:
    """Create the template's tables that do not exist yet (with their TTL); returns the names created."""
    created: list[str] = []
    for kwargs, ttl_attribute in table_specs(load_template(template), settings):
        name = kwargs["TableName"]
        try:
            ddb.describe_table(TableName=name)
            continue  # existing tables are left alone
        except ddb.exceptions.ResourceNotFoundException:
            pass
        try:
            ddb.create_table(**kwargs)
        except ddb.exceptions.ResourceInUseException:
            continue  # created meanwhile by another process
        ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
        if ttl_attribute:
            ddb.update_time_to_live(
                TableName=name, TimeToLiveSpecification={"AttributeName": ttl_attribute, "Enabled": True}
            )
        created.append(name)
    return created
