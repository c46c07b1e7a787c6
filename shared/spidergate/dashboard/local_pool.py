"""A dashboard sign-in for local runs and tests: a moto Cognito pool, app client, brand group and user.

Development only: the Lambda functions never import this module.
"""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass
from typing import Any

from spidergate.dashboard.membership import Role


@dataclass(frozen=True)
class LocalSignIn:
    """What the gateway needs to accept the user's tokens, and the tokens themselves."""

    pool_id: str
    client_id: str
    issuer: str  # the ``iss`` moto writes: https://cognito-idp.<region>.amazonaws.com/<pool_id>
    jwks_url: str  # where the signing keys are served (the moto endpoint, or moto's AWS URL in mock_aws)
    username: str
    password: str
    id_token: str
    access_token: str
    endpoint_url: str | None = None  # the moto server the browser signs in against (None: mock_aws)

    def settings_env(self) -> dict[str, str]:
        """``SPIDERGATE_*`` variables pointing the dashboard at this pool."""
        env = {
            "SPIDERGATE_COGNITO_ISSUER": self.issuer,
            "SPIDERGATE_COGNITO_AUDIENCE": self.client_id,
            "SPIDERGATE_COGNITO_JWKS_URL": self.jwks_url,
            # The console signs in from the browser: against moto, which checks passwords only in
            # USER_PASSWORD_AUTH (it accepts any SRP proof).
            "SPIDERGATE_COGNITO_AUTH_FLOW": "USER_PASSWORD_AUTH",
        }
        if self.endpoint_url:
            env["SPIDERGATE_COGNITO_BROWSER_ENDPOINT"] = self.endpoint_url
        return env


def group_name(brand_id: str, role: Role) -> str:
    """The Cognito group granting ``role`` on ``brand_id``."""
    return f"brand:{brand_id}:{role}"


def create_local_sign_in(
    cognito: Any,
    *,
    region: str,
    brands: dict[str, Role],
    username: str = "dev@spidergate.local",
    endpoint_url: str | None = None,
    pool_name: str = "spidergate-dashboard",
) -> LocalSignIn:
    """Create a pool, an app client, one group per ``brands`` entry and a member user; sign them in.

    ``cognito`` is a boto3 ``cognito-idp`` client talking to moto (server or ``mock_aws``);
    ``endpoint_url`` is that moto server's base URL, or ``None`` under ``mock_aws``.
    """
    pool_id = cognito.create_user_pool(PoolName=pool_name)["UserPool"]["Id"]
    client_id = create_app_client(cognito, pool_id)
    password = add_member(cognito, pool_id, username, brands)
    tokens = sign_in(cognito, client_id, username, password)
    issuer = f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"
    base = endpoint_url.rstrip("/") if endpoint_url else f"https://cognito-idp.{region}.amazonaws.com"
    return LocalSignIn(
        pool_id=pool_id,
        client_id=client_id,
        issuer=issuer,
        jwks_url=f"{base}/{pool_id}/.well-known/jwks.json",
        username=username,
        password=password,
        id_token=tokens["IdToken"],
        access_token=tokens["AccessToken"],
        endpoint_url=endpoint_url.rstrip("/") if endpoint_url else None,
    )


def create_app_client(cognito: Any, pool_id: str, name: str = "spidergate-dashboard") -> str:
    """An app client allowing username/password sign-in; returns its client id."""
    created = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName=name,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )
    return str(created["UserPoolClient"]["ClientId"])


def add_member(cognito: Any, pool_id: str, username: str, brands: dict[str, Role]) -> str:
    """A confirmed user in the groups granting ``brands``; returns the generated password."""
    password = "Sg-" + secrets.token_urlsafe(12) + "9!"
    cognito.admin_create_user(UserPoolId=pool_id, Username=username, MessageAction="SUPPRESS")
    cognito.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=password, Permanent=True)
    for brand_id, role in brands.items():
        group = group_name(brand_id, role)
        with contextlib.suppress(cognito.exceptions.GroupExistsException):  # another member holds the role
            cognito.create_group(UserPoolId=pool_id, GroupName=group)
        cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName=group)
    return password


def sign_in(cognito: Any, client_id: str, username: str, password: str) -> dict[str, str]:
    """Fresh tokens (``IdToken``, ``AccessToken``, ``RefreshToken``) for a user of the pool."""
    result = cognito.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    return {k: str(v) for k, v in result["AuthenticationResult"].items() if k.endswith("Token")}
