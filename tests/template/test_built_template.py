"""The check-build resolver gives resources the physical ids CloudFormation would."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from built_template import Context

from spidergate.settings import Settings


def test_a_user_pool_ref_is_a_pool_id_that_deployed_settings_accept() -> None:
    template = {
        "Resources": {"UserPool": {"Type": "AWS::Cognito::UserPool", "Properties": {"UserPoolName": "x"}}}
    }
    context = Context(template, {}, {"AWS::Region": "eu-west-1"})
    issuer = context.resolve({"Fn::Sub": "https://cognito-idp.${AWS::Region}.amazonaws.com/${UserPool}"})
    assert issuer == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_CheckBuild"
    assert Settings(stage="prod", cognito_issuer=issuer, cognito_audience="client").cognito_issuer == issuer
