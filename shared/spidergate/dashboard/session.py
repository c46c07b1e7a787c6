"""Dashboard sessions: Cognito user-pool ID tokens, verified in the function.

API Gateway's Cognito authorizer checks the token first in the cloud; the function verifies it
again so it is safe behind any front (local runs, function URLs): RS256 signature against the
pool's JWKS, ``iss``, ``exp``/``iat``, ``token_use``, and the app client (``aud`` in ID tokens,
``client_id`` in access tokens, as Cognito documents).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from spidergate.dashboard.jwks import JwksCache
from spidergate.dashboard.membership import Role, require_role, roles_from_claims
from spidergate.errors import AuthenticationFailed, GatewayError

if TYPE_CHECKING:
    import httpx

    from spidergate.settings import Settings

ALGORITHMS = ("RS256",)  # what Cognito signs with
# ID tokens only, the rule API Gateway's Cognito authorizer applies (a method without OAuth scopes
# accepts ID tokens and refuses access tokens); ID tokens also carry the custom:brands attribute.
TOKEN_USES = frozenset({"id"})
_MAX_TOKEN = 16_384


class SessionRejected(AuthenticationFailed):
    code = "invalid_session"


class DashboardNotConfigured(GatewayError):
    status = 503
    code = "dashboard_not_configured"


@dataclass(frozen=True)
class DashboardSession:
    """A verified dashboard user and the brands they may see or change."""

    subject: str
    username: str
    roles: Mapping[str, Role] = field(default_factory=dict)
    token_use: str = "id"

    @property
    def actor(self) -> str:
        """How this user appears in the audit trail."""
        return f"user:{self.username}"

    def require(self, brand_id: str, *, write: bool = False) -> Role:
        """The role on ``brand_id``; 403 for a non-member or a viewer asking to write."""
        return require_role(self.roles, brand_id, write=write)


def bearer_token(header: str | None) -> str:
    """The JWT from an ``Authorization: Bearer <jwt>`` header (a bare token is accepted too)."""
    if not header or not header.strip():
        raise SessionRejected("Missing Authorization header; expected 'Bearer <Cognito ID token>'.")
    scheme, _, rest = header.strip().partition(" ")
    token = rest.strip() if scheme.lower() == "bearer" else header.strip()
    if not token or len(token) > _MAX_TOKEN or token.count(".") != 2:
        raise SessionRejected("The session token is not a JWT.")
    return token


class SessionVerifier:
    """Verifies dashboard session tokens issued by one user pool for the given app clients."""

    def __init__(self, jwks: JwksCache, *, issuer: str, client_ids: Collection[str]) -> None:
        self.jwks = jwks
        self.issuer = issuer
        self.client_ids = frozenset(client_ids)

    @classmethod
    def from_settings(cls, settings: Settings, http: httpx.AsyncClient) -> SessionVerifier:
        """A verifier for the deployment's pool; refuses every token while the pool is not configured."""
        issuer = settings.cognito_issuer.rstrip("/")
        url = settings.cognito_jwks_url or (f"{issuer}/.well-known/jwks.json" if issuer else "")
        clients = [c.strip() for c in settings.cognito_audience.split(",") if c.strip()]
        jwks = JwksCache(http, url, ttl=settings.cognito_jwks_ttl)
        return cls(jwks, issuer=issuer, client_ids=clients)

    async def verify(self, header: str | None) -> DashboardSession:
        """The session in an Authorization header, or 401 (``invalid_session``/``session_expired``)."""
        import jwt

        if not self.issuer or not self.client_ids or not self.jwks.url:
            raise DashboardNotConfigured("Dashboard sign-in is not configured on this deployment.")
        token = bearer_token(header)
        try:
            header_fields = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise SessionRejected("The session token is not a JWT.") from exc
        kid, alg = header_fields.get("kid"), header_fields.get("alg")
        if alg not in ALGORITHMS or not isinstance(kid, str) or not kid:
            raise SessionRejected("The session token is not signed by the user pool.")
        key = await self.jwks.key(kid)
        if key is None:
            raise SessionRejected("The session token is not signed by the user pool.")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=list(ALGORITHMS),
                issuer=self.issuer,
                options={"require": ["exp", "iat", "iss", "sub", "token_use"], "verify_aud": False},
            )
        except jwt.ExpiredSignatureError as exc:
            raise SessionRejected("The session has expired; sign in again.", code="session_expired") from exc
        except jwt.InvalidIssuerError as exc:
            raise SessionRejected("The session token was issued by another user pool.") from exc
        except jwt.InvalidSignatureError as exc:
            raise SessionRejected("The session token's signature is not valid.") from exc
        except jwt.PyJWTError as exc:
            raise SessionRejected("The session token is not valid.") from exc
        return self._session(claims)

    def _session(self, claims: dict[str, Any]) -> DashboardSession:
        token_use = claims.get("token_use")
        if token_use not in TOKEN_USES:
            raise SessionRejected(
                "The session token is not a Cognito ID token (access tokens are refused here, as by "
                "the API's authorizer); send the ID token from sign-in."
            )
        client = claims.get("aud") if token_use == "id" else claims.get("client_id")
        if isinstance(client, list):  # RFC 7519 allows a list; Cognito sends one string
            client = next((c for c in client if c in self.client_ids), None)
        if client not in self.client_ids:
            raise SessionRejected("The session token was issued for another app client.")
        subject = str(claims["sub"])
        username = claims.get("cognito:username") if token_use == "id" else claims.get("username")
        return DashboardSession(
            subject=subject,
            username=str(username or subject),
            roles=roles_from_claims(claims),
            token_use=str(token_use),
        )
