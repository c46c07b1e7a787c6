"""Shared by the ledger tests against DynamoDB's API over HTTP: a moto server applying one request at a
time, a fresh usage table per test, a settable clock, a call counter and builders."""

from __future__ import annotations

import logging
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import boto3
from botocore.config import Config
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from moto.server import ThreadedMotoServer
from werkzeug.serving import make_server

from spidergate.domain import Principal, ProviderKey
from spidergate.dynamo import from_item
from spidergate.local.stream_poller import StreamPoller
from spidergate.local.tables import create_tables
from spidergate.settings import Settings
from spidergate.usage import keys
from spidergate.usage.counts import Usage
from spidergate.usage.ledger import Admission, Ledger
from spidergate.usage.record import RequestRecord

T0 = 1_764_000_000 + 19.0  # 19 s into a UTC minute: the window resets 41 s later
BRAND = "brd_a"
WORST = Decimal("0.10")


# -- a DynamoDB endpoint ---------------------------------------------------------------------
class SerialMotoServer(ThreadedMotoServer):
    """ThreadedMotoServer applying one request at a time.

    moto runs a TransactWriteItems step by step on shared dicts and rolls back by swapping in a
    copy of the table, so two requests in parallel can lose each other's writes. DynamoDB applies
    every request atomically (transactions are serializable); serving requests one at a time
    restores exactly that, while the clients stay truly concurrent.
    """

    def _server_entry(self) -> None:
        app = DomainDispatcherApplication(create_backend_app)
        lock = threading.Lock()

        def serial(environ: dict[str, Any], start_response: Any) -> Any:
            with lock:
                return app(environ, start_response)

        self._server = make_server(
            self._ip_address, self._port, serial, True, request_handler=MotoRequestHandler
        )
        self._server_ready_event.set()
        self._server.serve_forever()


def create_usage_table(ddb: Any, name: str) -> None:
    """The UsageTable as template.yaml defines it (keys, gsi1, TTL), under the name ``name``."""
    assert name in create_tables(ddb, Settings(usage_table=name, vault_table=f"{name}-vault"))


@contextmanager
def serial_moto_endpoint() -> Iterator[str]:
    """A SerialMotoServer on a free loopback port, for the life of the block (use from a fixture)."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = SerialMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def dynamodb(endpoint: str) -> Any:
    return boto3.session.Session().client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(max_pool_connections=64, retries={"mode": "standard", "total_max_attempts": 3}),
    )


def usage_table(endpoint: str) -> tuple[Any, str]:
    """A new, empty usage table on ``endpoint``: (client, table name)."""
    ddb = dynamodb(endpoint)
    name = f"usage-{uuid.uuid4().hex[:10]}"
    create_usage_table(ddb, name)
    return ddb, name


class Clock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class CallCounter:
    """Counts DynamoDB operations a client sends (a botocore ``before-call`` hook), except the
    GetItem reads these tests make to inspect the table (the ledger never reads an item)."""

    def __init__(self, ddb: Any) -> None:
        self.calls: Counter[str] = Counter()
        ddb.meta.events.register("before-call.dynamodb.*", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        if model.name != "GetItem":
            self.calls[model.name] += 1

    @property
    def total(self) -> int:
        return sum(self.calls.values())


# -- builders --------------------------------------------------------------------------------
def principal(agent: str = "cli_x", **kw: Any) -> Principal:
    return Principal(brand_id=BRAND, agent_id=agent, credential_id="ak_1", **kw)


def key(key_id: str = "pk_1", **kw: Any) -> ProviderKey:
    return ProviderKey(
        brand_id=BRAND,
        key_id=key_id,
        provider="openai",
        label=key_id,
        masked="sk-…abcd",
        secret_name="s",
        **kw,
    )


def record(adm: Admission, *, cost: str = "0.07", tokens: int = 150, **kw: Any) -> RequestRecord:
    fields: dict[str, Any] = {
        "endpoint": "chat",
        "requested_model": "fast",
        "alias": "fast",
        "started_at": adm.admitted_at,
        "served_model": "openai/gpt-4o-mini",
        "provider": "openai",
        "key_id": adm.key_id,
        "key_label": adm.key_id,
        "usage": Usage(prompt_tokens=tokens - 50, completion_tokens=50),
        "cost": Decimal(cost),
    }
    fields.update(kw)
    return RequestRecord(request_id=adm.request_id, brand_id=adm.brand_id, agent_id=adm.agent_id, **fields)


def ledger_for(table: tuple[Any, str], clock: Clock) -> Ledger:
    return Ledger(table[0], table[1], Settings(reservation_stale_seconds=900), clock)


def item(table: tuple[Any, str], key: keys.Key) -> dict[str, Any]:
    got = table[0].get_item(
        TableName=table[1], Key={"pk": {"S": key[0]}, "sk": {"S": key[1]}}, ConsistentRead=True
    )
    return from_item(got.get("Item", {}))


_POLLERS: dict[str, StreamPoller] = {}


def drain(table: tuple[Any, str]) -> int:
    """Fold the table's stream into the aggregates, as the aggregate function does once deployed."""
    ddb, name = table
    poller = _POLLERS.get(name)
    if poller is None:
        streams = boto3.session.Session().client(
            "dynamodbstreams",
            endpoint_url=ddb.meta.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        poller = _POLLERS[name] = StreamPoller(ddb, streams, name)
    return poller.drain()


def agent_day(agent: str = "cli_x") -> keys.Key:
    return keys.agent_spend_key(agent, "day", T0)
