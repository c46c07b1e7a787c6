"""Keys of every usage-table item, and the UTC periods they are bucketed by.

One table (pk/sk, GSI ``gsi1`` on gsi1pk/gsi1sk, TTL ``expires_at``) holds:

==================  =======================  ===============================  ==========================
item                pk                       sk                               gsi1pk / gsi1sk
==================  =======================  ===============================  ==========================
minute window       RATE#<agent>             MIN#<yyyy-mm-ddTHH:MM>
concurrency         CONC#<agent>             CONC
agent spend         SPEND#AGENT#<agent>      DAY#<day> / MONTH#<yyyy-mm>
brand spend         SPEND#BRAND#<brand>      DAY#<day> / MONTH#<yyyy-mm>
key spend           SPEND#KEY#<brand>#<key>  MONTH#<yyyy-mm>
reservation         RES#<request>            RES                              RESOPEN#<n> / <iso>#<req>
request record      REQ#<brand>#<n>          <iso ms>#<request>               REQ#<brand>#<agent>#<n> / sk
daily aggregate     AGG#<brand>#<DIM>        <day> or <day>#<value>
alias hour          ALIAS#<brand>            <yyyy-mm-ddTHH>#<alias>#<model>
==================  =======================  ===============================  ==========================

``<n>`` is the record's shard (``record_shard``: a hash of the request id, 0..RECORD_SHARDS-1).
Ids are gateway-generated (``cli_…``, ``brd_…``, ``pk_…``) and never contain ``#``. The
deployment-wide partition of open reservations is sharded so no single key takes every write.
Aggregates and alias hours are folded from the table's stream (``usage/aggregates.py``). A
minute window holds the sliding minute's per-bucket counters (``usage/sliding.py``).
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime, timedelta

RESERVATION_SHARDS = 4
DIMENSIONS = ("TOTAL", "AGENT", "MODEL", "PROVIDER", "KEY")
# Sorts after every character that follows a period id in a sort key ("#", digits, letters).
RANGE_END = "~"

Key = tuple[str, str]


# -- periods ------------------------------------------------------------------------------
def utc(now: float) -> datetime:
    return datetime.fromtimestamp(now, UTC)


def minute_id(now: float) -> str:
    return utc(now).strftime("%Y-%m-%dT%H:%M")


def minute_end(now: float) -> float:
    """Epoch second at which the fixed minute window holding ``now`` closes."""
    return float((int(now) // 60 + 1) * 60)


def hour_id(now: float) -> str:
    return utc(now).strftime("%Y-%m-%dT%H")


def day_id(now: float) -> str:
    return utc(now).strftime("%Y-%m-%d")


def month_id(now: float) -> str:
    return utc(now).strftime("%Y-%m")


def day_end(now: float) -> datetime:
    start = utc(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return start + timedelta(days=1)


def month_end(now: float) -> datetime:
    start = utc(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return (start + timedelta(days=32)).replace(day=1)


def iso_ms(now: float) -> str:
    return utc(now).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def shard(value: str, shards: int) -> int:
    """A stable shard number for ``value`` (the same in every container)."""
    return zlib.crc32(value.encode()) % shards


# -- limits -------------------------------------------------------------------------------
def window_key(agent_id: str, now: float) -> Key:
    return f"RATE#{agent_id}", f"MIN#{minute_id(now)}"


def concurrency_key(agent_id: str) -> Key:
    return f"CONC#{agent_id}", "CONC"


# -- spend --------------------------------------------------------------------------------
def agent_spend_key(agent_id: str, period: str, now: float) -> Key:
    return f"SPEND#AGENT#{agent_id}", _period_sk(period, now)


def brand_spend_key(brand_id: str, period: str, now: float) -> Key:
    return f"SPEND#BRAND#{brand_id}", _period_sk(period, now)


def key_spend_key(brand_id: str, key_id: str, now: float) -> Key:
    return f"SPEND#KEY#{brand_id}#{key_id}", f"MONTH#{month_id(now)}"


def _period_sk(period: str, now: float) -> str:
    if period == "day":
        return f"DAY#{day_id(now)}"
    if period == "month":
        return f"MONTH#{month_id(now)}"
    raise ValueError(f"unknown budget period {period!r}")


# -- reservations -------------------------------------------------------------------------
def reservation_key(request_id: str) -> Key:
    return f"RES#{request_id}", "RES"


def reservation_index(request_id: str, created: float) -> Key:
    """gsi1 key of an open reservation: the sweep reads each shard oldest first."""
    return f"RESOPEN#{shard(request_id, RESERVATION_SHARDS)}", f"{iso_ms(created)}#{request_id}"


def reservation_shards() -> list[str]:
    return [f"RESOPEN#{n}" for n in range(RESERVATION_SHARDS)]


# -- request records ----------------------------------------------------------------------
RECORD_PREFIX = "REQ#"
# A brand's records spread over this many partitions (and an agent's over as many in gsi1), so one
# brand is not held to one partition's 1,000 writes/s. Changing it strands older records' shards.
RECORD_SHARDS = 8


def record_shard(request_id: str) -> int:
    return shard(request_id, RECORD_SHARDS)


def record_pk(brand_id: str, n: int) -> str:
    return f"{RECORD_PREFIX}{brand_id}#{n}"


def record_pks(brand_id: str) -> list[str]:
    return [record_pk(brand_id, n) for n in range(RECORD_SHARDS)]


def record_key(brand_id: str, started_at: float, request_id: str) -> Key:
    return record_pk(brand_id, record_shard(request_id)), f"{iso_ms(started_at)}#{request_id}"


def record_agent_pk(brand_id: str, agent_id: str, n: int) -> str:
    return f"REQ#{brand_id}#{agent_id}#{n}"


def record_agent_pks(brand_id: str, agent_id: str) -> list[str]:
    return [record_agent_pk(brand_id, agent_id, n) for n in range(RECORD_SHARDS)]


# -- aggregates ---------------------------------------------------------------------------
def aggregate_pk(brand_id: str, dimension: str) -> str:
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown aggregate dimension {dimension!r}")
    return f"AGG#{brand_id}#{dimension}"


def aggregate_key(brand_id: str, dimension: str, day: str, value: str | None = None) -> Key:
    sk = day if dimension == "TOTAL" else f"{day}#{value}"
    return aggregate_pk(brand_id, dimension), sk


def alias_brand_pk(brand_id: str) -> str:
    return f"ALIAS#{brand_id}"


def alias_key(brand_id: str, now: float, alias: str, model: str) -> Key:
    """The brand's hourly bucket of one alias request (there is no deployment-wide bucket: usage
    is shown to a brand only, never across tenants)."""
    return alias_brand_pk(brand_id), f"{hour_id(now)}#{alias}#{model}"
