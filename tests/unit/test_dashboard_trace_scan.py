"""Traces filtered by alias and time over the ledger's pages: nothing lost or repeated across cursors."""

from __future__ import annotations

import pytest

from spidergate.dashboard.trace_scan import MAX_READS, TraceWindow, decode_scan_cursor, scan_traces
from spidergate.errors import InvalidRequest
from spidergate.usage.record import RequestRecord
from spidergate.usage.reports import TracePage

PAGE = 4


def _records(n: int) -> list[RequestRecord]:
    """Newest first: record i started at 1000 - i; every third one asked for alias "fast"."""
    return [
        RequestRecord(
            request_id=f"req_{i:03d}",
            brand_id="brd_a",
            agent_id="cli_a",
            endpoint="chat",
            requested_model="fast" if i % 3 == 0 else "gpt-4o-mini",
            alias="fast" if i % 3 == 0 else None,
            started_at=1000.0 - i,
        )
        for i in range(n)
    ]


class Ledger:
    """The ledger's trace pages of ``records``, ``PAGE`` at a time; counts the reads."""

    def __init__(self, records: list[RequestRecord]) -> None:
        self.records = records
        self.reads = 0

    async def read(self, cursor: str | None) -> TracePage:
        self.reads += 1
        start = int(cursor) if cursor else 0
        end = start + PAGE
        return TracePage(self.records[start:end], str(end) if end < len(self.records) else None)


async def _all(ledger: Ledger, window: TraceWindow, limit: int) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        found, cursor = await scan_traces(ledger.read, window, limit=limit, cursor=cursor)
        pages.append([r.request_id for r in found])
        if cursor is None:
            return pages


@pytest.mark.parametrize("limit", [1, 2, 3, 5])
async def test_alias_pages_hold_every_match_once_in_order(limit: int) -> None:
    records = _records(30)
    pages = await _all(Ledger(records), TraceWindow(alias="fast"), limit)
    flat = [r for page in pages for r in page]
    assert flat == [r.request_id for r in records if r.alias == "fast"]
    assert all(len(page) <= limit for page in pages)


async def test_since_stops_reading_once_past_the_window_and_until_skips_newer() -> None:
    ledger = Ledger(_records(40))
    found, cursor = await scan_traces(
        ledger.read, TraceWindow(since=990.0, until=995.0), limit=50, cursor=None
    )
    assert [r.started_at for r in found] == [994.0, 993.0, 992.0, 991.0, 990.0]
    assert cursor is None
    assert ledger.reads == 3  # the page holding 989 ends the scan; the 40 records are never all read


async def test_a_sparse_window_answers_after_a_few_reads_with_a_cursor() -> None:
    ledger = Ledger(_records(100))
    found, cursor = await scan_traces(ledger.read, TraceWindow(alias="never"), limit=10, cursor=None)
    assert found == []
    assert ledger.reads == MAX_READS
    assert decode_scan_cursor(cursor) == (str(MAX_READS * PAGE), 0)


@pytest.mark.parametrize("cursor", ["not-base64!", "e30", "eyJpbm5lciI6IDEsICJza2lwIjogMH0", "x" * 5000])
def test_foreign_cursors_are_a_400(cursor: str) -> None:
    with pytest.raises(InvalidRequest) as raised:
        decode_scan_cursor(cursor)
    assert raised.value.param == "cursor"
