"""The console's sign-in config, derived from the dashboard's Cognito settings."""

from __future__ import annotations

import pytest

from spidergate.dashboard.console_config import console_config
from spidergate.dashboard.session import DashboardNotConfigured
from spidergate.settings import Settings

ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123"


def test_deployed_pool_signs_in_with_srp_against_the_regions_endpoint() -> None:
    config = console_config(Settings(cognito_issuer=ISSUER, cognito_audience="client1, client2"))
    assert config.model_dump() == {
        "region": "eu-west-1",
        "user_pool_id": "eu-west-1_AbC123",
        "client_id": "client1",
        "endpoint": None,
        "auth_flow": "USER_SRP_AUTH",
    }
    assert config.cognito_origin == "https://cognito-idp.eu-west-1.amazonaws.com"


def test_local_pool_names_the_moto_endpoint_and_the_password_flow() -> None:
    settings = Settings(
        cognito_issuer=ISSUER + "/",
        cognito_audience="client1",
        cognito_browser_endpoint="http://127.0.0.1:5005/",
        cognito_auth_flow="USER_PASSWORD_AUTH",
    )
    config = console_config(settings)
    assert config.endpoint == "http://127.0.0.1:5005"
    assert config.auth_flow == "USER_PASSWORD_AUTH"
    assert config.cognito_origin == "http://127.0.0.1:5005"


@pytest.mark.parametrize(
    ("issuer", "audience"),
    [
        ("", "client1"),
        (ISSUER, ""),
        (ISSUER, " , "),
        ("https://example.com/eu-west-1_AbC123", "client1"),
        ("https://cognito-idp.eu-west-1.amazonaws.com/", "client1"),
        ("https://cognito-idp.eu-west-1.amazonaws.com/a/b", "client1"),
    ],
)
def test_unconfigured_or_malformed_pool_is_a_503(issuer: str, audience: str) -> None:
    # The local stage: deployed settings already refuse an issuer that is not a Cognito pool.
    with pytest.raises(DashboardNotConfigured) as raised:
        console_config(Settings(stage="local", cognito_issuer=issuer, cognito_audience=audience))
    assert raised.value.status == 503
