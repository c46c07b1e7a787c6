"""A RequestRecord as a usage-table item and back (keys in ``usage.keys``)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from spidergate.dynamo import from_item
from spidergate.usage import keys
from spidergate.usage.counts import Usage
from spidergate.usage.record import Attempt, RequestRecord

_USAGE_FIELDS = [f.name for f in dataclasses.fields(Usage)]
_ATTEMPT_FIELDS = [f.name for f in dataclasses.fields(Attempt)]


def record_item(record: RequestRecord, ttl_days: int, settled: list[str] | None = None) -> dict[str, Any]:
    """The plain item (``dynamo.to_item`` types it) for ``record``, expiring after ``ttl_days``;
    ``settled``: the spend counters its settle counts (the stream fold leaves those out)."""
    pk, sk = keys.record_key(record.brand_id, record.started_at, record.request_id)
    usage = {name: getattr(record.usage, name) for name in _USAGE_FIELDS}
    usage["total_tokens"] = record.usage.total_tokens
    return {
        "pk": pk,
        "sk": sk,
        "gsi1pk": keys.record_agent_pk(
            record.brand_id, record.agent_id, keys.record_shard(record.request_id)
        ),
        "gsi1sk": sk,
        "expires_at": int(record.started_at) + ttl_days * 86400,
        "request_id": record.request_id,
        "brand_id": record.brand_id,
        "agent_id": record.agent_id,
        "endpoint": record.endpoint,
        "requested_model": record.requested_model,
        "alias": record.alias,
        "started_at": record.started_at,
        "status": record.status,
        "served_model": record.served_model,
        "provider": record.provider,
        "key_id": record.key_id,
        "key_label": record.key_label,
        "usage": usage,
        "cost": record.cost,
        "ref_cost": record.ref_cost,
        "settled": settled or None,
        "attempts": [{name: getattr(a, name) for name in _ATTEMPT_FIELDS} for a in record.attempts],
        "fallback": record.fallback,
        "stream": record.stream,
        "latency_ms": record.latency_ms,
        "error_code": record.error_code,
        "client_disconnected": record.client_disconnected,
    }


def _num(value: Any, kind: type[int] | type[float]) -> Any:
    return kind(value) if isinstance(value, Decimal) else value


def record_from_item(item: dict[str, Any]) -> RequestRecord:
    """A RequestRecord from a typed DynamoDB item."""
    data = from_item(item)
    raw_usage = data.get("usage") or {}
    usage = Usage(
        **{
            name: _num(raw_usage[name], float if name == "seconds" else int)
            for name in _USAGE_FIELDS
            if name in raw_usage and name != "estimated"
        },
        estimated=bool(raw_usage.get("estimated", False)),
    )
    attempts = [
        Attempt(
            model=a["model"],
            provider=a["provider"],
            key_id=a.get("key_id"),
            key_label=a.get("key_label"),
            outcome=a["outcome"],
            status=_num(a.get("status"), int),
            error_type=a.get("error_type"),
            latency_ms=_num(a.get("latency_ms", 0), float),
        )
        for a in data.get("attempts") or []
    ]
    return RequestRecord(
        request_id=data["request_id"],
        brand_id=data["brand_id"],
        agent_id=data["agent_id"],
        endpoint=data["endpoint"],
        requested_model=data["requested_model"],
        alias=data.get("alias"),
        started_at=_num(data["started_at"], float),
        status=_num(data.get("status", 200), int),
        served_model=data.get("served_model"),
        provider=data.get("provider"),
        key_id=data.get("key_id"),
        key_label=data.get("key_label"),
        usage=usage,
        cost=Decimal(data.get("cost", 0)),
        ref_cost=Decimal(data.get("ref_cost", 0)),
        attempts=attempts,
        fallback=bool(data.get("fallback", False)),
        stream=bool(data.get("stream", False)),
        latency_ms=_num(data.get("latency_ms", 0), float),
        error_code=data.get("error_code"),
        client_disconnected=bool(data.get("client_disconnected", False)),
    )
