"""Deployment settings: the only module that reads the environment."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LOCAL_STAGE = "local"
# A real Cognito user pool's issuer; its signing keys are served under it.
_COGNITO_ISSUER = re.compile(r"https://cognito-idp\.[a-z0-9-]+\.amazonaws\.com/[a-z0-9-]+_[A-Za-z0-9]+")


class Settings(BaseSettings):
    """Everything configurable about a deployment, read from ``SPIDERGATE_*`` variables."""

    model_config = SettingsConfigDict(env_prefix="SPIDERGATE_", extra="ignore")

    stage: str = "dev"
    region: str = "us-east-1"
    vault_table: str = "spidergate-vault"
    usage_table: str = "spidergate-usage"
    upload_bucket: str = "spidergate-uploads"
    record_spill_queue_url: str | None = None  # SQS queue for usage records that could not be written
    secrets_prefix: str = "spidergate"
    log_level: str = "INFO"
    # Seconds a warm container trusts a cached token before re-reading it (revocation delay).
    auth_cache_ttl: float = 30.0
    # Seconds a container trusts its cached view of a brand's keys (cooldowns written by
    # other containers show up within this delay).
    keys_cache_ttl: float = 5.0
    secret_cache_ttl: float = 300.0
    # Allow provider base URLs on loopback / private networks (local runs, self-hosted models).
    allow_private_base_urls: bool = False
    # Router bounds: a long fallback chain must finish inside the Lambda timeout.
    route_deadline_seconds: float = 25.0
    route_max_attempts: int = 6
    upstream_connect_timeout: float = 5.0
    upstream_read_timeout: float = 60.0
    # Dashboard auth (Cognito user pool).
    cognito_issuer: str = ""
    # App client id(s) whose tokens the dashboard accepts (comma-separated).
    cognito_audience: str = ""
    # Defaults to <issuer>/.well-known/jwks.json; set it when the pool is served elsewhere (moto).
    cognito_jwks_url: str = ""
    # Seconds a container keeps the pool's signing keys (an unknown kid refetches sooner).
    cognito_jwks_ttl: float = 3600.0
    # The console's browser sign-in: the Cognito endpoint it calls (empty: the region's public
    # cognito-idp endpoint; local runs: the moto server) and its flow (SRP, as the template's app
    # client allows; the local moto pool uses USER_PASSWORD_AUTH, since moto does not check SRP proofs).
    cognito_browser_endpoint: str = ""
    cognito_auth_flow: Literal["USER_SRP_AUTH", "USER_PASSWORD_AUTH"] = "USER_SRP_AUTH"
    # Longest date range (days, inclusive) one dashboard usage report may cover.
    dashboard_max_range_days: int = 92
    # Emit CloudWatch EMF metrics (one JSON line per request on stdout); off for local runs.
    emit_metrics: bool = True
    # Providers this deployment routes to (comma-separated); empty means every catalog provider.
    providers: str = ""
    # Key order within a provider: round_robin, least_spent or free_first.
    key_order: str = "round_robin"
    # Days a per-request usage record is kept before DynamoDB TTL removes it.
    usage_record_ttl_days: int = 30
    # Seconds after which an unsettled reservation is refunded by the sweep: longer than the
    # longest request (the chat function times out at 300 s; streams end by then).
    reservation_stale_seconds: int = 900
    # Media uploads. API Gateway and Lambda cap a request near 6 MB, about 4.5 MB of raw bytes once
    # a binary body is base64-encoded: larger audio goes through a presigned S3 upload.
    max_direct_upload_bytes: int = 4_500_000
    max_upload_bytes: int = 26_214_400  # 25 MB, OpenAI's transcription file cap
    upload_url_ttl_seconds: int = 900
    # The largest response a buffered (Mangum) function may return: Lambda's 6 MB payload cap less
    # room for the envelope; binary bodies count base64-encoded. 0 disables the check.
    max_response_bytes: int = 6_000_000
    # Endpoint overrides under the AWS SDKs' own names (a local stack points them at moto); the
    # lean DynamoDB client (spidergate.dynamo_http) resolves its endpoint from them like boto3 does.
    aws_endpoint_url: str | None = Field(
        default=None, validation_alias=AliasChoices("aws_endpoint_url", "AWS_ENDPOINT_URL")
    )
    aws_endpoint_url_dynamodb: str | None = Field(
        default=None, validation_alias=AliasChoices("aws_endpoint_url_dynamodb", "AWS_ENDPOINT_URL_DYNAMODB")
    )
    # Browser origins allowed to call the API (comma-separated; * for any); empty turns CORS off.
    cors_allowed_origins: str = ""
    # gzip complete textual bodies of at least this many bytes for clients that accept it; 0 turns
    # it off (deployed, API Gateway compresses: its MinimumCompressionSize).
    compress_min_bytes: int = 1400
    # Write usage through spidergate.dynamo_http (no botocore on the hot path). Off only where
    # DynamoDB is emulated in-process (moto's mock_aws patches botocore, not HTTP).
    ledger_http: bool = True

    @model_validator(mode="after")
    def _pool_keys_only_from_cognito(self) -> Settings:
        """Outside the local stage, dashboard sessions verify only against a real Cognito pool's own
        keys. The local run trusts moto's pool, whose signing key's private half ships inside moto
        (anyone with moto installed can mint tokens), so that trust must never reach a deployment."""
        if self.stage == LOCAL_STAGE or not (self.cognito_issuer or self.cognito_jwks_url):
            return self
        issuer = self.cognito_issuer.rstrip("/")
        if not _COGNITO_ISSUER.fullmatch(issuer):
            raise ValueError(
                f"SPIDERGATE_COGNITO_ISSUER must be a Cognito user pool (https://cognito-idp.<region>"
                f".amazonaws.com/<pool id>) outside the {LOCAL_STAGE!r} stage"
            )
        if self.cognito_jwks_url and self.cognito_jwks_url != f"{issuer}/.well-known/jwks.json":
            raise ValueError(
                f"SPIDERGATE_COGNITO_JWKS_URL may point away from the pool's own keys only in the "
                f"{LOCAL_STAGE!r} stage (it trusts moto's signing key)"
            )
        return self

    def enabled_providers(self, known: frozenset[str]) -> frozenset[str]:
        chosen = {p.strip() for p in self.providers.split(",") if p.strip()}
        return frozenset(chosen & known) if chosen else known


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The container's settings, read once."""
    return Settings()


class LocalRunSettings(BaseSettings):
    """Ports of the local run (`make run`; development only)."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    port: int = Field(default=8080, validation_alias="PORT")
    moto_port: int = Field(default=5005, validation_alias="SPIDERGATE_LOCAL_MOTO_PORT")
    sandbox_port: int = Field(default=8090, validation_alias="SPIDERGATE_LOCAL_SANDBOX_PORT")
