"""The temporary-password challenge of the local moto pool, completed as Cognito sends it."""

from __future__ import annotations

import json

from spidergate.local.moto_cognito import with_user_attributes


def test_new_password_challenge_gains_cognitos_attribute_parameters() -> None:
    result = with_user_attributes(
        {"ChallengeName": "NEW_PASSWORD_REQUIRED", "ChallengeParameters": {"USERNAME": "u"}, "Session": "s"}
    )
    params = result["ChallengeParameters"]
    assert params["USERNAME"] == "u"
    assert json.loads(params["userAttributes"]) == {}
    assert json.loads(params["requiredAttributes"]) == []


def test_other_answers_are_left_alone() -> None:
    tokens = {"AuthenticationResult": {"IdToken": "x"}}
    assert with_user_attributes(dict(tokens)) == tokens
    mfa = {"ChallengeName": "SOFTWARE_TOKEN_MFA", "ChallengeParameters": {}}
    assert with_user_attributes(dict(mfa)) == mfa
