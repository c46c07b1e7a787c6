"""Tables created from template.yaml (moto ``mock_aws``): both tables, their keys, GSI and TTL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from spidergate.local.paths import repo_root, template_path
from spidergate.local.tables import create_tables, load_template, table_specs
from spidergate.settings import Settings

SETTINGS = Settings(vault_table="t-vault", usage_table="t-usage", stage="test", region="us-east-1")


@pytest.fixture
def ddb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield boto3.client("dynamodb", region_name="us-east-1")


def test_template_is_found_above_the_package_and_its_tags_are_read() -> None:
    assert (repo_root() / "template.yaml") == template_path()
    template = load_template()
    name = template["Resources"]["VaultTable"]["Properties"]["TableName"]
    assert name == {"Fn::Sub": "spidergate-${Stage}-vault"}


def test_cloudformation_tags_become_their_json_forms(tmp_path: Path) -> None:
    source = tmp_path / "template.yaml"
    source.write_text(
        "Resources:\n"
        "  A:\n"
        "    Properties:\n"
        "      Ref: !Ref Stage\n"
        "      Att: !GetAtt Table.Arn\n"
        "      Join: !Join ['-', [a, !Ref Stage]]\n"
        "      If: !If [Cond, x, y]\n"
    )
    props = load_template(source)["Resources"]["A"]["Properties"]
    assert props["Ref"] == {"Ref": "Stage"}
    assert props["Att"] == {"Fn::GetAtt": ["Table", "Arn"]}
    assert props["Join"] == {"Fn::Join": ["-", ["a", {"Ref": "Stage"}]]}
    assert props["If"] == {"Fn::If": ["Cond", "x", "y"]}


def test_specs_map_logical_ids_to_the_settings_table_names() -> None:
    specs = {kwargs["TableName"]: ttl for kwargs, ttl in table_specs(load_template(), SETTINGS)}
    assert specs == {"t-vault": None, "t-usage": "expires_at"}


def test_other_tables_resolve_their_stage_from_settings(tmp_path: Path) -> None:
    source = tmp_path / "template.yaml"
    source.write_text(
        "Resources:\n"
        "  ExtraTable:\n"
        "    Type: AWS::DynamoDB::Table\n"
        "    Properties:\n"
        "      TableName: !Sub spidergate-${Stage}-extra\n"
        "      BillingMode: PAY_PER_REQUEST\n"
        "      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]\n"
        "      KeySchema: [{AttributeName: pk, KeyType: HASH}]\n"
    )
    ((kwargs, ttl),) = table_specs(load_template(source), SETTINGS)
    assert kwargs["TableName"] == "spidergate-test-extra"
    assert ttl is None


def test_create_tables_builds_both_tables_with_gsi_and_ttl(ddb: Any) -> None:
    created = create_tables(ddb, SETTINGS)
    assert sorted(created) == ["t-usage", "t-vault"]
    for name in created:
        table = ddb.describe_table(TableName=name)["Table"]
        assert {k["AttributeName"]: k["KeyType"] for k in table["KeySchema"]} == {"pk": "HASH", "sk": "RANGE"}
        (gsi,) = table["GlobalSecondaryIndexes"]
        assert gsi["IndexName"] == "gsi1"
        assert [k["AttributeName"] for k in gsi["KeySchema"]] == ["gsi1pk", "gsi1sk"]
        assert gsi["Projection"]["ProjectionType"] == "ALL"
        assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    ttl = ddb.describe_time_to_live(TableName="t-usage")["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}
    assert (
        ddb.describe_time_to_live(TableName="t-vault")["TimeToLiveDescription"]["TimeToLiveStatus"]
        == "DISABLED"
    )


def test_create_tables_is_idempotent_and_leaves_existing_tables_alone(ddb: Any) -> None:
    create_tables(ddb, SETTINGS)
    ddb.put_item(TableName="t-vault", Item={"pk": {"S": "BRAND#b"}, "sk": {"S": "BRAND"}})
    assert create_tables(ddb, SETTINGS) == []
    assert "Item" in ddb.get_item(TableName="t-vault", Key={"pk": {"S": "BRAND#b"}, "sk": {"S": "BRAND"}})
