"""Traces filtered by alias and a time window: the ledger's trace pages (newest first, already
filtered by agent, model, status and fallback) read in order and filtered here, a few pages per call.

The cursor names the ledger page to start from and how many of its records were already handed out,
so a page of ``limit`` matches can end in the middle of a ledger page without losing or repeating one.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from spidergate.errors import InvalidRequest

if TYPE_CHECKING:
    from spidergate.usage.record import RequestRecord
    from spidergate.usage.reports import TracePage

MAX_READS = 5  # ledger pages read per call before answering with what was found (and a cursor)
_MAX_CURSOR = 4096


@dataclass(frozen=True, slots=True)
class TraceWindow:
    alias: str | None = None
    since: float | None = None  # epoch seconds, inclusive
    until: float | None = None  # epoch seconds, exclusive

    @property
    def active(self) -> bool:
        return self.alias is not None or self.since is not None or self.until is not None

    def admits(self, record: RequestRecord) -> bool:
        if self.until is not None and record.started_at >= self.until:
            return False
        if self.since is not None and record.started_at < self.since:
            return False
        return self.alias is None or record.alias == self.alias

    def passed(self, record: RequestRecord) -> bool:
        """Whether ``record`` (and so every later one: pages run newest first) is older than the window."""
        return self.since is not None and record.started_at < self.since


def encode_scan_cursor(inner: str | None, skip: int) -> str:
    raw = json.dumps({"inner": inner, "skip": skip}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_scan_cursor(cursor: str | None) -> tuple[str | None, int]:
    if not cursor:
        return None, 0
    bad = InvalidRequest("cursor is not valid for this query", param="cursor", code="invalid_cursor")
    if len(cursor) > _MAX_CURSOR:
        raise bad
    try:
        data = json.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise bad from exc
    inner, skip = (data.get("inner"), data.get("skip")) if isinstance(data, dict) else (None, None)
    if not (inner is None or isinstance(inner, str)) or not isinstance(skip, int) or skip < 0:
        raise bad
    return inner, skip


async def scan_traces(
    read: Callable[[str | None], Awaitable[TracePage]], window: TraceWindow, *, limit: int, cursor: str | None
) -> tuple[list[RequestRecord], str | None]:
    """Up to ``limit`` records in the window and the cursor after them; ``read(cursor)`` is one ledger page."""
    inner, skip = decode_scan_cursor(cursor)
    found: list[RequestRecord] = []
    for _ in range(MAX_READS):
        page = await read(inner)
        records = page.records
        for index in range(skip, len(records)):
            record = records[index]
            if window.passed(record):
                return found, None
            if not window.admits(record):
                continue
            found.append(record)
            if len(found) == limit:
                if index + 1 < len(records):
                    return found, encode_scan_cursor(inner, index + 1)
                return found, encode_scan_cursor(page.cursor, 0) if page.cursor else None
        skip = 0
        inner = page.cursor
        if inner is None:
            return found, None
    return found, encode_scan_cursor(inner, 0)
