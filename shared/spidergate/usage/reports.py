"""Reading usage back: a brand's request traces, its daily aggregates, and alias usage over 24 h."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from spidergate.dynamo import from_item, values
from spidergate.errors import InvalidRequest
from spidergate.usage import keys
from spidergate.usage.aggregates import UNSERVED
from spidergate.usage.cursors import decode_cursor, encode_cursor
from spidergate.usage.expressions import Expr
from spidergate.usage.record import RequestRecord
from spidergate.usage.record_items import record_from_item

BY = {"day": "TOTAL", "agent": "AGENT", "model": "MODEL", "provider": "PROVIDER", "key": "KEY"}
COUNTS = (
    "requests", "errors", "prompt_tokens", "completion_tokens", "total_tokens", "cached_tokens",
    "cache_write_tokens", "reasoning_tokens", "images", "characters", "seconds", "cost", "streams",
    "disconnects", "fallbacks", "estimated", "ref_cost",
)  # fmt: skip
_DECIMAL_COUNTS = {"seconds", "cost", "ref_cost"}
MAX_RANGE_DAYS = 366
MAX_PAGE = 200
# A filtered trace page reads at most this many DynamoDB pages before returning what it found.
_TRACE_READS = 5
_STATUS_CLASSES = {
    "2xx": (200, 299),
    "3xx": (300, 399),
    "4xx": (400, 499),
    "5xx": (500, 599),
    "error": (400, 599),
}


@dataclass(slots=True)
class TracePage:
    records: list[RequestRecord]
    cursor: str | None


@dataclass(slots=True)
class UsageRow:
    day: str
    value: str | None  # the agent / model / provider / key id; None for by="day"
    counts: dict[str, Decimal | int]


@dataclass(slots=True)
class UsageReport:
    by: str
    start: str
    end: str
    rows: list[UsageRow]
    totals: dict[str, Decimal | int]  # over the whole range, whatever the page
    cursor: str | None


@dataclass(slots=True)
class AliasUsage:
    alias: str
    requests: int = 0
    errors: int = 0
    total_tokens: int = 0
    cost: Decimal = Decimal(0)
    ref_cost: Decimal = Decimal(0)
    top_model: str | None = None
    by_model: dict[str, int] = field(default_factory=dict)


def _counts(data: dict[str, Any]) -> dict[str, Decimal | int]:
    return {
        name: (Decimal(data.get(name, 0)) if name in _DECIMAL_COUNTS else int(data.get(name, 0)))
        for name in COUNTS
    }


def _page_size(limit: int) -> int:
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidRequest(f"limit must be between 1 and {MAX_PAGE}", param="limit")
    return limit


def _day(text: str, param: str) -> date:
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError) as exc:
        raise InvalidRequest(f"{param} must be a date like 2025-01-31", param=param) from exc


class UsageReports:
    """Dashboard and catalog queries on the usage table (``ddb``: low-level boto3 client)."""

    def __init__(self, ddb: Any, table: str, clock: Callable[[], float] = time.time) -> None:
        self.ddb = ddb
        self.table = table
        self.clock = clock

    async def traces(
        self,
        brand_id: str,
        *,
        agent_id: str | None = None,
        model: str | None = None,
        status: int | str | None = None,
        fallback: bool | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> TracePage:
        """A brand's request records, newest first; ``model`` matches served or requested model,
        ``status`` is a code or a class (``2xx``, ``4xx``, ``5xx``, ``error``).

        Records are spread over ``keys.RECORD_SHARDS`` partitions: every shard is read at once,
        newest first, and the pages merged; the cursor is the sort key the page stopped at."""
        limit = _page_size(limit)
        e = Expr()
        if agent_id is None:
            pks, pk_attr, sk_attr, index = keys.record_pks(brand_id), "pk", "sk", None
        else:
            pks, pk_attr, sk_attr, index = (
                keys.record_agent_pks(brand_id, agent_id),
                "gsi1pk",
                "gsi1sk",
                "gsi1",
            )
        scope = f"{keys.RECORD_PREFIX}{brand_id}" + (f"#{agent_id}" if agent_id else "")
        start = decode_cursor(cursor, expect={"before": "", "scope": scope})
        filters = _trace_filters(e, model, status, fallback)
        base: dict[str, Any] = {"TableName": self.table, "ScanIndexForward": False}
        if index:
            base["IndexName"] = index
        if filters:
            base["FilterExpression"] = " AND ".join(filters)
        shards = await asyncio.gather(
            *(self._shard_page(base, e, pk_attr, sk_attr, pk, start, limit, bool(filters)) for pk in pks)
        )
        merged = sorted((i for items, _ in shards for i in items), key=lambda i: i["sk"]["S"], reverse=True)
        more = len(merged) > limit or any(has_more for _, has_more in shards)
        found = merged[:limit]
        last = {"before": {"S": found[-1][sk_attr]["S"]}, "scope": {"S": scope}} if more and found else None
        return TracePage([record_from_item(i) for i in found], encode_cursor(last))

    async def usage(
        self, brand_id: str, *, by: str, start: str, end: str, limit: int = 100, cursor: str | None = None
    ) -> UsageReport:
        """Daily aggregates of a brand between ``start`` and ``end`` (inclusive, UTC days) by
        ``day``, ``agent``, ``model``, ``provider`` or ``key``, with totals over the range."""
        if by not in BY:
            raise InvalidRequest(f"by must be one of {', '.join(BY)}", param="by")
        first, last_day = _day(start, "start"), _day(end, "end")
        if last_day < first or (last_day - first).days >= MAX_RANGE_DAYS:
            raise InvalidRequest(f"end must be on or after start, at most {MAX_RANGE_DAYS} days", param="end")
        limit = _page_size(limit)
        pk = keys.aggregate_pk(brand_id, BY[by])
        page = await self._query(
            self._range_query(pk, first.isoformat(), last_day.isoformat()),
            limit=limit,
            start=decode_cursor(cursor, expect={"pk": pk, "sk": ""}),
        )
        rows = []
        for item in page.get("Items", []):
            data = from_item(item)
            rows.append(UsageRow(day=str(data.get("day", "")), value=data.get("value"), counts=_counts(data)))
        totals = _counts({})
        total_query = self._range_query(
            keys.aggregate_pk(brand_id, "TOTAL"), first.isoformat(), last_day.isoformat()
        )
        for data in await self._all(total_query):
            for name, value in _counts(data).items():
                totals[name] += value
        return UsageReport(
            by,
            first.isoformat(),
            last_day.isoformat(),
            rows,
            totals,
            encode_cursor(page.get("LastEvaluatedKey")),
        )

    async def alias_usage(self, brand_id: str) -> dict[str, AliasUsage]:
        """One brand's usage per alias over the last 24 hourly buckets (never across brands)."""
        now = self.clock()
        first, last_hour = keys.hour_id(now - 23 * 3600), keys.hour_id(now)
        pks = [keys.alias_brand_pk(brand_id)]
        pages = await asyncio.gather(*(self._all(self._range_query(pk, first, last_hour)) for pk in pks))
        out: dict[str, AliasUsage] = {}
        for data in (d for page in pages for d in page):
            alias = str(data["alias"])
            entry = out.setdefault(alias, AliasUsage(alias))
            requests = int(data.get("requests", 0))
            entry.requests += requests
            entry.errors += int(data.get("errors", 0))
            entry.total_tokens += int(data.get("total_tokens", 0))
            entry.cost += Decimal(data.get("cost", 0))
            entry.ref_cost += Decimal(data.get("ref_cost", 0))
            model = str(data.get("model", UNSERVED))
            if model != UNSERVED:
                entry.by_model[model] = entry.by_model.get(model, 0) + requests
        for entry in out.values():
            if entry.by_model:
                entry.top_model = max(sorted(entry.by_model), key=lambda m: entry.by_model[m])
        return out

    # -- internals ------------------------------------------------------------------------
    async def _shard_page(
        self,
        base: dict[str, Any],
        e: Expr,
        pk_attr: str,
        sk_attr: str,
        pk: str,
        start: dict[str, Any] | None,
        limit: int,
        filtered: bool,
    ) -> tuple[list[dict[str, Any]], bool]:
        """Up to ``limit`` matching records of one shard, newest first, older than the cursor's
        sort key; and whether the shard may hold more."""
        shard_e = e.copy()
        condition = f"{shard_e.name(pk_attr)} = {shard_e.value(pk)}"
        if start:
            condition += f" AND {shard_e.name(sk_attr)} < {shard_e.value(start['before']['S'])}"
        query = dict(base, KeyConditionExpression=condition, **shard_e.params())
        found: list[dict[str, Any]] = []
        after: dict[str, Any] | None = None
        for _ in range(_TRACE_READS):
            page = await self._query(query, limit=limit if not filtered else max(limit * 4, 100), start=after)
            found += page.get("Items", [])
            after = page.get("LastEvaluatedKey")
            if len(found) >= limit or not after:
                break
        return found[:limit], len(found) > limit or after is not None

    def _range_query(self, pk: str, first: str, last: str) -> dict[str, Any]:
        return {
            "TableName": self.table,
            "KeyConditionExpression": "#pk = :pk AND #sk BETWEEN :first AND :last",
            "ExpressionAttributeNames": {"#pk": "pk", "#sk": "sk"},
            "ExpressionAttributeValues": values({":pk": pk, ":first": first, ":last": last + keys.RANGE_END}),
        }

    async def _query(
        self, query: dict[str, Any], *, limit: int, start: dict[str, Any] | None
    ) -> dict[str, Any]:
        kwargs = dict(query, Limit=limit)
        if start:
            kwargs["ExclusiveStartKey"] = start
        page: dict[str, Any] = await asyncio.to_thread(self.ddb.query, **kwargs)
        return page

    async def _all(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        start: dict[str, Any] | None = None
        while True:
            page = await self._query(query, limit=1000, start=start)
            out += [from_item(i) for i in page.get("Items", [])]
            start = page.get("LastEvaluatedKey")
            if not start:
                return out


def _trace_filters(e: Expr, model: str | None, status: int | str | None, fallback: bool | None) -> list[str]:
    filters = []
    if model:
        m = e.value(model)
        filters.append(f"({e.name('served_model')} = {m} OR {e.name('requested_model')} = {m})")
    if status is not None:
        if isinstance(status, int) or (isinstance(status, str) and status.isdigit()):
            filters.append(f"{e.name('status')} = {e.value(int(status))}")
        elif status in _STATUS_CLASSES:
            lo, hi = _STATUS_CLASSES[status]
            filters.append(f"{e.name('status')} BETWEEN {e.value(lo)} AND {e.value(hi)}")
        else:
            raise InvalidRequest("status must be a code or one of 2xx, 3xx, 4xx, 5xx, error", param="status")
    if fallback is not None:
        filters.append(f"{e.name('fallback')} = {e.value(fallback)}")
    return filters
