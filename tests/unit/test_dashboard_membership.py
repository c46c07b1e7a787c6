"""Brand roles from Cognito groups and ``custom:brands``; who may read and who may write."""

from __future__ import annotations

from typing import Any

import pytest

from spidergate.dashboard.membership import require_role, roles_from_claims
from spidergate.errors import PermissionDenied


@pytest.mark.parametrize(
    ("claims", "roles"),
    [
        (
            {"cognito:groups": ["brand:brd_a:admin", "brand:brd_b:viewer"]},
            {"brd_a": "admin", "brd_b": "viewer"},
        ),
        ({"custom:brands": "brd_a:admin, brd_b:viewer"}, {"brd_a": "admin", "brd_b": "viewer"}),
        ({"cognito:groups": ["brand:brd_a:viewer"], "custom:brands": "brd_a:admin"}, {"brd_a": "admin"}),
        ({"cognito:groups": ["brand:brd_a:admin"], "custom:brands": "brd_a:viewer"}, {"brd_a": "admin"}),
        ({"cognito:groups": "brand:brd_a:ADMIN brand:brd_b:viewer"}, {"brd_a": "admin", "brd_b": "viewer"}),
        ({"cognito:groups": ["admins", "brand:brd_a:owner", "brand::admin", "brand:brd_a"]}, {}),
        ({"custom:brands": "brd_a,brd_b:root,:admin,brd#x:admin"}, {}),
        ({"cognito:groups": 42, "custom:brands": ["brd_a:admin"]}, {}),
        ({}, {}),
    ],
)
def test_roles_from_claims(claims: dict[str, Any], roles: dict[str, str]) -> None:
    assert roles_from_claims(claims) == roles


def test_member_reads_and_admin_writes() -> None:
    roles = roles_from_claims({"cognito:groups": ["brand:brd_a:admin", "brand:brd_b:viewer"]})
    assert require_role(roles, "brd_a", write=True) == "admin"
    assert require_role(roles, "brd_b", write=False) == "viewer"


@pytest.mark.parametrize(
    ("brand", "write", "code"), [("brd_c", False, "not_a_member"), ("brd_b", True, "admin_required")]
)
def test_forbidden_is_403_permission_error(brand: str, write: bool, code: str) -> None:
    roles = roles_from_claims({"cognito:groups": ["brand:brd_a:admin", "brand:brd_b:viewer"]})
    with pytest.raises(PermissionDenied) as info:
        require_role(roles, brand, write=write)
    body = info.value.body()["error"]
    assert (info.value.status, body["type"], body["code"]) == (403, "permission_error", code)
