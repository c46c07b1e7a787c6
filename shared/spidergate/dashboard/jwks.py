"""A user pool's JSON Web Key Set, fetched asynchronously and cached per container."""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from spidergate.errors import GatewayError

if TYPE_CHECKING:
    import httpx
    from jwt import PyJWK

log = logging.getLogger("spidergate.dashboard")


class IdentityProviderUnavailable(GatewayError):
    """The signing keys could not be fetched, so no session can be verified right now."""

    status = 503
    type = "api_error"
    code = "identity_provider_unavailable"


class JwksCache:
    """Signing keys by ``kid``, refreshed every ``ttl`` seconds.

    An unknown ``kid`` triggers one refetch (the pool rotated its keys), at most once per
    ``refetch_interval`` so tokens with made-up kids cannot hammer the JWKS endpoint. A failed
    refresh keeps serving the keys already known.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        url: str,
        *,
        ttl: float = 3600.0,
        refetch_interval: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.http = http
        self.url = url
        self.ttl = ttl
        self.refetch_interval = refetch_interval
        self.clock = clock
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at = -math.inf
        self._lock = asyncio.Lock()

    async def key(self, kid: str) -> PyJWK | None:
        """The key named ``kid``, or ``None`` if the pool does not publish it."""
        if self.clock() - self._fetched_at >= self.ttl:
            await self._refresh(self._fetched_at)
        found = self._keys.get(kid)
        if found is None and self.clock() - self._fetched_at >= self.refetch_interval:
            await self._refresh(self._fetched_at)
            found = self._keys.get(kid)
        return found

    async def _refresh(self, seen: float) -> None:
        async with self._lock:
            if self._fetched_at != seen:
                return  # another request refreshed while this one waited
            try:
                keys = await self._fetch()
            except IdentityProviderUnavailable:
                if not self._keys:
                    raise
                log.warning("JWKS refresh failed; keeping the %d known keys", len(self._keys))
                self._fetched_at = self.clock() - self.ttl + self.refetch_interval
                return
            self._keys = keys
            self._fetched_at = self.clock()

    async def _fetch(self) -> dict[str, PyJWK]:
        import httpx
        from jwt import PyJWKSet
        from jwt.exceptions import PyJWKSetError

        try:
            response = await self.http.get(self.url, timeout=5.0)
        except httpx.HTTPError as exc:
            log.warning("JWKS fetch failed: %s", type(exc).__name__)
            raise IdentityProviderUnavailable(
                "Could not reach the identity provider to verify the session."
            ) from exc
        if response.status_code != 200:
            log.warning("JWKS fetch answered %d", response.status_code)
            raise IdentityProviderUnavailable("The identity provider did not return its signing keys.")
        try:
            document: Any = response.json()
            key_set = PyJWKSet.from_dict(document)
        except (ValueError, PyJWKSetError, AttributeError, TypeError) as exc:
            raise IdentityProviderUnavailable(
                "The identity provider returned unusable signing keys."
            ) from exc
        return {k.key_id: k for k in key_set.keys if k.key_id}
