"""A fix to moto's Cognito emulation, applied to the local moto server: its ``NEW_PASSWORD_REQUIRED``
challenge (a user still on a temporary password) lacks the ``userAttributes`` and
``requiredAttributes`` parameters Cognito always sends, which browser SDKs parse before asking for
the new password (``amazon-cognito-identity-js`` stops dead without them).
"""

from __future__ import annotations

import json
from typing import Any

_APPLIED = False


def with_user_attributes(result: dict[str, Any]) -> dict[str, Any]:
    """``result`` of InitiateAuth with Cognito's two attribute parameters on that challenge."""
    if result.get("ChallengeName") == "NEW_PASSWORD_REQUIRED":
        params = result.setdefault("ChallengeParameters", {})
        params.setdefault("userAttributes", json.dumps({}))
        params.setdefault("requiredAttributes", json.dumps([]))
    return result


def apply() -> None:
    """Patch moto's Cognito backends (idempotent)."""
    global _APPLIED
    if _APPLIED:
        return
    from moto.cognitoidp.models import CognitoIdpBackend

    original = CognitoIdpBackend.initiate_auth

    def initiate_auth(self: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return with_user_attributes(original(self, *args, **kwargs))

    CognitoIdpBackend.initiate_auth = initiate_auth  # type: ignore[method-assign]
    _APPLIED = True
