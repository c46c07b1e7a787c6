"""A DynamoDB fault layer in front of a moto server: what moto never does and real DynamoDB does.

moto applies requests one at a time and never cancels anything, so a design that only works
because writes are serialised passes every moto test. ``FaultyMotoServer`` applies DynamoDB's
rules for concurrent writers (DESIGN.md "DynamoDB patterns") before moto sees a request:

- **Transactions hold their items while they run.** A TransactWriteItems holds every item it
  names for ``hold_seconds`` (real transactions take single-digit milliseconds), then applies.
  A second transaction naming a held item is cancelled whole (``TransactionCanceledException``,
  reason ``TransactionConflict`` at the conflicting positions), and a plain Put/Update/Delete of
  a held item is rejected (``TransactionConflictException``). Plain single-item writes of one
  item queue behind each other (moto serialises them) and are never cancelled.
- **Throttles** a share of requests (``ThrottlingException``, 400) and **fails** a share of writes
  (``InternalServerError``, 500), both retryable for a well-behaved client.

Counts of what it did are in ``Faults.seen`` for the tests' reports.
"""

from __future__ import annotations

import io
import json
import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from moto.server import ThreadedMotoServer
from werkzeug.serving import make_server

PLAIN_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem"})
WRITES = PLAIN_WRITES | {"TransactWriteItems", "BatchWriteItem"}
_JSON = "application/x-amz-json-1.0"
_PREFIX = "com.amazonaws.dynamodb.v20120810#"

ItemId = tuple[str, str]  # (table, canonical key JSON)
StartResponse = Callable[..., Any]


@dataclass
class Faults:
    """What the layer injects; change the fields between phases of a test (thread-safe reads)."""

    conflicts: bool = True
    hold_seconds: float = 0.004
    throttle_share: float = 0.0  # of every request
    fail_share: float = 0.0  # of writes
    seed: int = 7
    seen: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()
        self._held: Counter[ItemId] = Counter()

    def roll(self, share: float) -> bool:
        if share <= 0:
            return False
        with self._lock:
            return self._rng.random() < share

    def count(self, what: str) -> None:
        with self._lock:
            self.seen[what] += 1

    def try_hold(self, items: list[ItemId]) -> list[int]:
        """Hold ``items`` unless some are held already: the conflicting positions (empty: held)."""
        with self._lock:
            clash = [i for i, item in enumerate(items) if self._held[item] > 0]
            if not clash:
                self._held.update(items)
            return clash

    def release(self, items: Iterable[ItemId]) -> None:
        with self._lock:
            self._held.subtract(items)
            self._held += Counter()  # drop zero counts

    def is_held(self, item: ItemId) -> bool:
        with self._lock:
            return self._held[item] > 0


def _item_id(table: str, key: dict[str, Any]) -> ItemId:
    return table, json.dumps(key, sort_keys=True)


def transaction_items(body: dict[str, Any]) -> list[ItemId]:
    out = []
    for entry in body.get("TransactItems", []):
        (op,) = entry.values()
        key = op.get("Key") or {k: op["Item"][k] for k in ("pk", "sk") if k in op.get("Item", {})}
        out.append(_item_id(op["TableName"], key))
    return out


def plain_item(body: dict[str, Any]) -> ItemId:
    key = body.get("Key") or {k: body["Item"][k] for k in ("pk", "sk") if k in body.get("Item", {})}
    return _item_id(body["TableName"], key)


def _error(start_response: StartResponse, status: str, code: str, message: str, **extra: Any) -> list[bytes]:
    payload = json.dumps({"__type": _PREFIX + code, "message": message, **extra}).encode()
    start_response(status, [("Content-Type", _JSON), ("Content-Length", str(len(payload)))])
    return [payload]


class FaultLayer:
    """The WSGI app: faults first, then moto, one request at a time (DynamoDB is serializable)."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self.moto = DomainDispatcherApplication(create_backend_app)
        self.serial = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Any:
        target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
        op = target.rsplit(".", 1)[-1] if target.startswith("DynamoDB_") else ""
        if not op:
            return self._apply(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(raw)
        f = self.faults
        if f.roll(f.throttle_share):
            f.count("throttled")
            return _error(
                start_response, "400 Bad Request", "ThrottlingException", "Rate exceeded (injected)"
            )
        if op in WRITES and f.roll(f.fail_share):
            f.count("failed")
            return _error(start_response, "500 Internal Server Error", "InternalServerError", "injected")
        if not f.conflicts or op not in WRITES - {"BatchWriteItem"}:
            return self._apply(environ, start_response)
        body = json.loads(raw or b"{}")
        if op in PLAIN_WRITES:
            if f.is_held(plain_item(body)):
                f.count("plain_rejected")
                return _error(
                    start_response,
                    "400 Bad Request",
                    "TransactionConflictException",
                    "Transaction is ongoing for the item",
                )
            return self._apply(environ, start_response)
        items = transaction_items(body)
        f.count("transactions")
        clash = f.try_hold(items)
        if clash:
            f.count("cancelled")
            reasons = [
                {"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}
                if i in clash
                else {"Code": "None"}
                for i in range(len(items))
            ]
            codes = ", ".join(r["Code"] for r in reasons)
            return _error(
                start_response,
                "400 Bad Request",
                "TransactionCanceledException",
                f"Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]",
                CancellationReasons=reasons,
            )
        try:
            time.sleep(f.hold_seconds)  # the transaction runs: its items stay held meanwhile
            return self._apply(environ, start_response)
        finally:
            f.release(items)

    def _apply(self, environ: dict[str, Any], start_response: StartResponse) -> Any:
        with self.serial:
            chunks = self.moto(environ, start_response)
            return [b"".join(chunks)]


class FaultyMotoServer(ThreadedMotoServer):
    """ThreadedMotoServer behind a ``FaultLayer`` (threaded: clients stay truly concurrent)."""

    def __init__(self, faults: Faults, **kw: Any) -> None:
        super().__init__(**kw)
        self.faults = faults

    def _server_entry(self) -> None:
        app = FaultLayer(self.faults)
        self._server = make_server(
            self._ip_address, self._port, app, True, request_handler=MotoRequestHandler
        )
        self._server_ready_event.set()
        self._server.serve_forever()


@contextmanager
def faulty_moto_endpoint(faults: Faults) -> Iterator[str]:
    """A FaultyMotoServer on a free loopback port for the life of the block."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = FaultyMotoServer(faults, ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()
