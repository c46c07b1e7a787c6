"""What the brand console needs to sign a member in, derived from the dashboard's Cognito settings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal
from urllib.parse import urlparse

from pydantic import BaseModel

from spidergate.dashboard.session import DashboardNotConfigured

if TYPE_CHECKING:
    from spidergate.settings import Settings


class ConsoleConfig(BaseModel):
    """Public facts only (pool and app client ids are not secrets): served as /console/config.json."""

    region: str
    user_pool_id: str
    client_id: str
    endpoint: str | None  # the Cognito endpoint the browser calls; None: the region's public one
    auth_flow: Literal["USER_SRP_AUTH", "USER_PASSWORD_AUTH"]

    @property
    def cognito_origin(self) -> str:
        """The origin the browser's sign-in calls go to (for the page's Content-Security-Policy)."""
        if self.endpoint:
            url = urlparse(self.endpoint)
            return f"{url.scheme}://{url.netloc}"
        return f"https://cognito-idp.{self.region}.amazonaws.com"


def console_config(settings: Settings) -> ConsoleConfig:
    """The sign-in config from the issuer (``https://cognito-idp.<region>.amazonaws.com/<pool>``) and
    the first app client of the audience; 503 while the deployment has no user pool configured."""
    issuer = urlparse(settings.cognito_issuer.rstrip("/"))
    pool_id = issuer.path.strip("/")
    host = issuer.hostname or ""
    clients = [c.strip() for c in settings.cognito_audience.split(",") if c.strip()]
    if not (host.startswith("cognito-idp.") and pool_id and "/" not in pool_id and clients):
        raise DashboardNotConfigured("Dashboard sign-in is not configured on this deployment.")
    region = host.split(".")[1]
    return ConsoleConfig(
        region=region,
        user_pool_id=pool_id,
        client_id=clients[0],
        endpoint=settings.cognito_browser_endpoint.rstrip("/") or None,
        auth_flow=settings.cognito_auth_flow,
    )
