"""The one error hierarchy, rendered as the OpenAI error body everywhere.

GatewayError
├── InvalidRequest (400)          ── ModelNotSupported (400, capability mismatch)
├── AuthenticationFailed (401)
├── PermissionDenied (403)
├── NotFound (404)                ── ModelNotFound (404)
├── PayloadTooLarge (413)
├── RateLimited (429, retryable)  ── AllKeysRateLimited (429)
├── QuotaExceeded (429, x-should-retry: false)
├── UpstreamRejected (status of the upstream: a 4xx passed straight back)
├── UpstreamFailed (502)
└── NoCapacity (503)
"""

from __future__ import annotations

from typing import Any


class GatewayError(Exception):
    """Base of every error the gateway answers with; ``body()`` is the OpenAI error shape."""

    status: int = 500
    type: str = "api_error"
    code: str | None = None

    def __init__(
        self,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.headers: dict[str, str] = dict(headers or {})

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}


class InvalidRequest(GatewayError):
    status = 400
    type = "invalid_request_error"


class ModelNotSupported(InvalidRequest):
    code = "model_not_supported"


class AuthenticationFailed(GatewayError):
    status = 401
    type = "invalid_request_error"
    code = "invalid_api_key"


class PermissionDenied(GatewayError):
    status = 403
    type = "permission_error"
    code = "permission_denied"


class NotFound(GatewayError):
    status = 404
    type = "invalid_request_error"
    code = "not_found"


class ModelNotFound(NotFound):
    code = "model_not_found"


class Conflict(GatewayError):
    status = 409
    type = "invalid_request_error"
    code = "conflict"


class PayloadTooLarge(GatewayError):
    status = 413
    type = "invalid_request_error"
    code = "payload_too_large"


class RateLimited(GatewayError):
    """A limit that frees up with time: the client may retry after ``retry_after`` seconds."""

    status = 429
    type = "requests"
    code = "rate_limit_exceeded"

    def __init__(self, message: str, *, retry_after: float, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = max(retry_after, 0.0)
        seconds = max(1, int(self.retry_after + 0.999))
        self.headers.setdefault("retry-after", str(seconds))
        self.headers.setdefault("retry-after-ms", str(int(self.retry_after * 1000)))


class AllKeysRateLimited(RateLimited):
    code = "all_keys_rate_limited"


class QuotaExceeded(GatewayError):
    """A budget is spent: retrying will not help until the period rolls over."""

    status = 429
    type = "insufficient_quota"
    code = "insufficient_quota"

    def __init__(self, message: str, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.headers.setdefault("x-should-retry", "false")


class UpstreamRejected(GatewayError):
    """The provider refused the request itself (a 4xx that no other key or model would fix)."""

    type = "invalid_request_error"


class UpstreamFailed(GatewayError):
    status = 502
    type = "api_error"
    code = "upstream_error"


class NoCapacity(GatewayError):
    status = 503
    type = "api_error"
    code = "no_capacity"
