"""Gateway bearer authentication: agent credentials and PATs, hashed, cached per container.

A warm container answers a repeat token from its cache for ``auth_cache_ttl`` seconds, so a
revocation takes effect everywhere within that TTL (30 s by default).
"""

from __future__ import annotations

import asyncio
import re

from spidergate import tokens
from spidergate.domain import Budgets, Principal
from spidergate.errors import AuthenticationFailed
from spidergate.ttlcache import TTLCache
from spidergate.vault.records import Records

# Token parts become DynamoDB key values (partition key <= 2,048 bytes, sort key <= 1,024): bound
# them, and the whole token, before any lookup. Issued parts are short url-safe ASCII.
MAX_TOKEN_LENGTH = 512
MAX_PART_LENGTH = 128
_PART = re.compile(rf"[A-Za-z0-9_-]{{1,{MAX_PART_LENGTH}}}")

_FORMAT = "expected 'Authorization: Bearer <client_id>:<api_key>:<api_secret>' or 'Bearer spideriq_pat_…'"


def parse_bearer(header: str | None) -> str:
    """The token from an Authorization header, or a 401 saying what is wrong with it."""
    if not header or not header.strip():
        raise AuthenticationFailed(f"Missing Authorization header; {_FORMAT}.")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise AuthenticationFailed(f"Authorization header must use the Bearer scheme; {_FORMAT}.")
    token = token.strip()
    if not token:
        raise AuthenticationFailed(f"Bearer token is empty; {_FORMAT}.")
    if len(token) > MAX_TOKEN_LENGTH:
        raise AuthenticationFailed(f"Bearer token is too long to be a SpiderGate token; {_FORMAT}.")
    return token


class Authenticator:
    """Resolves bearer tokens to principals; every cold path is one or two DynamoDB reads."""

    def __init__(self, records: Records, ttl: float) -> None:
        self.records = records
        self.cache: TTLCache[str, Principal] = TTLCache(ttl)
        self.brand_budgets: TTLCache[str, Budgets] = TTLCache(ttl)

    async def authenticate(self, header: str | None) -> Principal:
        token = parse_bearer(header)
        digest = tokens.sha256_hex(token)
        cached = self.cache.get(digest)
        if cached is not None:
            return cached
        principal = await asyncio.to_thread(self._resolve, token)
        self.cache.put(digest, principal)
        return principal

    def forget_agent(self, agent_id: str) -> int:
        """Evict an agent's cached principals (after a revoke, rotation or limits change here)."""
        return self.cache.pop_where(lambda p: p.agent_id == agent_id)

    def _resolve(self, token: str) -> Principal:
        if token.startswith(tokens.PAT_PREFIX):
            return self._resolve_pat(token)
        parts = token.split(":")
        if len(parts) != 3 or not all(parts):
            raise AuthenticationFailed(
                f"Malformed bearer token: found {len(parts)} non-empty colon-separated part(s); {_FORMAT}."
                if len(parts) != 3
                else f"Malformed bearer token: a part is empty; {_FORMAT}."
            )
        client_id, api_key, api_secret = parts
        if not (_PART.fullmatch(client_id) and _PART.fullmatch(api_key)):
            raise AuthenticationFailed("Incorrect API key provided.")  # cannot be an issued credential
        cred, agent = self.records.lookup_credential(client_id, api_key)
        if cred is None or agent is None or not tokens.matches(api_secret, cred.secret_hash):
            raise AuthenticationFailed("Incorrect API key provided.")
        if cred.status != "active" or agent.status != "active":
            raise AuthenticationFailed("This API key has been revoked.")
        return Principal(
            brand_id=agent.brand_id,
            agent_id=agent.agent_id,
            credential_id=cred.credential_id,
            limits=agent.limits,
            agent_budgets=agent.budgets,
            brand_budgets=self._brand_budgets(agent.brand_id),
        )

    def _resolve_pat(self, token: str) -> Principal:
        pat = self.records.lookup_pat(tokens.sha256_hex(token))
        if pat is None:
            raise AuthenticationFailed("Incorrect personal access token provided.")
        if pat.get("status") != "active":
            raise AuthenticationFailed("This personal access token has been revoked.")
        agent = self.records.get_agent(pat["agent_id"])
        if agent is None or agent.status != "active":
            raise AuthenticationFailed("The agent behind this personal access token has been revoked.")
        return Principal(
            brand_id=agent.brand_id,
            agent_id=agent.agent_id,
            credential_id=str(pat["pat_id"]),
            limits=agent.limits,
            agent_budgets=agent.budgets,
            brand_budgets=self._brand_budgets(agent.brand_id),
        )

    def _brand_budgets(self, brand_id: str) -> Budgets:
        cached = self.brand_budgets.get(brand_id)
        if cached is not None:
            return cached
        brand = self.records.get_brand(brand_id)
        if brand is None or brand.status != "active":
            raise AuthenticationFailed("The brand behind this API key is not active.")
        self.brand_budgets.put(brand_id, brand.budgets)
        return brand.budgets
