"""Brand membership and roles, read from a verified session's claims.

Two sources, merged (the stronger role wins when a brand appears twice):

- Cognito groups (``cognito:groups``, in ID and access tokens): ``brand:<brand_id>:admin`` or
  ``brand:<brand_id>:viewer``; other groups are ignored.
- The custom attribute ``custom:brands`` (ID tokens only): ``"brd_a:admin,brd_b:viewer"``.

An ``admin`` reads and writes the brand's dashboard; a ``viewer`` only reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from spidergate.errors import PermissionDenied

Role = Literal["admin", "viewer"]
ROLES: tuple[Role, ...] = ("viewer", "admin")  # weakest first
GROUPS_CLAIM = "cognito:groups"
BRANDS_CLAIM = "custom:brands"
_GROUP_PREFIX = "brand:"


def _valid_brand(brand_id: str) -> bool:
    return bool(brand_id) and not any(c in brand_id for c in ":,#/ ")


def _grant(roles: dict[str, Role], brand_id: str, role: str) -> None:
    brand_id, role = brand_id.strip(), role.strip().lower()
    if role not in ROLES or not _valid_brand(brand_id):
        return
    current = roles.get(brand_id)
    if current is None or ROLES.index(role) > ROLES.index(current):
        roles[brand_id] = role


def _strings(value: Any) -> Iterable[str]:
    """Claim values as strings: a list, or one string separated by commas or spaces."""
    if isinstance(value, str):
        return value.replace(",", " ").split()
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def roles_from_claims(claims: Mapping[str, Any]) -> dict[str, Role]:
    """Brand id -> role granted by the token's groups and ``custom:brands`` attribute."""
    roles: dict[str, Role] = {}
    for group in _strings(claims.get(GROUPS_CLAIM)):
        if group.startswith(_GROUP_PREFIX):
            brand_id, _, role = group.removeprefix(_GROUP_PREFIX).rpartition(":")
            _grant(roles, brand_id, role)
    brands = claims.get(BRANDS_CLAIM)
    if isinstance(brands, str):
        for entry in brands.split(","):
            brand_id, _, role = entry.rpartition(":")
            _grant(roles, brand_id, role)
    return roles


def require_role(roles: Mapping[str, Role], brand_id: str, *, write: bool) -> Role:
    """The caller's role on ``brand_id``; 403 if not a member, or a viewer asking to write."""
    role = roles.get(brand_id)
    if role is None:
        raise PermissionDenied(f"You are not a member of brand {brand_id}.", code="not_a_member")
    if write and role != "admin":
        raise PermissionDenied(
            f"Your role on brand {brand_id} is {role}; changes need admin.", code="admin_required"
        )
    return role
