"""Credential material: generation, hashing and constant-time checks. Only hashes are stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets

PAT_PREFIX = "spideriq_pat_"


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def matches(value: str, stored_hash: str) -> bool:
    """Constant-time comparison of a presented secret with its stored hash."""
    return hmac.compare_digest(sha256_hex(value), stored_hash)


def new_id(prefix: str, nbytes: int = 8) -> str:
    return f"{prefix}_{secrets.token_hex(nbytes)}"


def new_secret() -> str:
    return "sgs_" + secrets.token_urlsafe(32)


def new_pat() -> str:
    return PAT_PREFIX + secrets.token_urlsafe(32)


def mask(value: str) -> str:
    """A recognisable but useless rendering of key material: ``sk-a…9f2c``."""
    if len(value) <= 8:
        return "…" + value[-2:] if len(value) > 2 else "…"
    return f"{value[:4]}…{value[-4:]}"
