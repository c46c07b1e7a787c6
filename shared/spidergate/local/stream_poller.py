"""The local stand-in for the aggregate function's event source mapping: poll the usage table's
stream on the moto server and fold each batch with the same code (``usage.stream.fold_batch``).

    poller = StreamPoller(ddb, streams, table)
    poller.drain()              # fold everything written so far (tests)
    poller.start(interval=0.5)  # a daemon thread (the local run): aggregates trail by ~1 s
"""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from spidergate.usage.spill import drain_bodies
from spidergate.usage.stream import fold_batch, is_record_insert

log = logging.getLogger(__name__)


class StreamPoller:
    """Reads every shard of the table's stream from its start, in order, and folds the records.

    ``ddb`` and ``streams`` are boto3 clients (``dynamodb``, ``dynamodbstreams``) on the moto server.
    """

    def __init__(self, ddb: Any, streams: Any, table: str, spill: tuple[Any, str] | None = None) -> None:
        self.ddb = ddb
        self.streams = streams
        self.table = table
        self.spill = spill  # (sqs client, queue url) of parked records, drained like the drain function
        self._iterators: dict[str, str | None] = {}  # shard id -> next iterator (None: closed)
        self._folded_to: dict[str, str] = {}  # shard id -> sequence number of the last folded record
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.folded = 0

    def drain(self) -> int:
        """Fold everything written to the stream so far; the number of request records folded."""
        with self._lock:
            arn = self.ddb.describe_table(TableName=self.table)["Table"].get("LatestStreamArn")
            if not arn:
                return 0
            total = 0
            for shard in self.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
                total += self._drain_shard(arn, shard["ShardId"])
            self.folded += total
            return total

    def _drain_shard(self, arn: str, shard_id: str) -> int:
        if shard_id not in self._iterators:
            after = self._folded_to.get(shard_id)
            where: dict[str, str] = (
                {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": after}
                if after
                else {"ShardIteratorType": "TRIM_HORIZON"}
            )
            self._iterators[shard_id] = self.streams.get_shard_iterator(
                StreamArn=arn, ShardId=shard_id, **where
            )["ShardIterator"]
        total = 0
        while self._iterators[shard_id]:
            try:
                page = self.streams.get_records(ShardIterator=self._iterators[shard_id], Limit=500)
            except Exception:
                # An iterator the stream no longer knows (expired, or lost by the emulator): the
                # next drain starts again after the last folded record instead of failing forever.
                del self._iterators[shard_id]
                raise
            records = page.get("Records") or []
            if records:
                failed = self._fold(records)
                if failed:  # retry from the earliest failure on the next drain, as Lambda would
                    log.warning("stream fold failed for %d records; retrying", len(failed))
                    self._iterators[shard_id] = self.streams.get_shard_iterator(
                        StreamArn=arn,
                        ShardId=shard_id,
                        ShardIteratorType="AT_SEQUENCE_NUMBER",
                        SequenceNumber=failed[0],
                    )["ShardIterator"]
                    return total
                total += sum(1 for r in records if is_record_insert(r))
                self._folded_to[shard_id] = records[-1]["dynamodb"]["SequenceNumber"]
            self._iterators[shard_id] = page.get("NextShardIterator")
            if not records:
                break
        return total

    def drain_parked(self) -> int:
        """Put parked records back into the table (the drain function's work); the number put."""
        if self.spill is None:
            return 0
        sqs, url = self.spill
        total = 0
        while True:
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
            messages = got.get("Messages") or []
            if not messages:
                return total
            bodies = {m["ReceiptHandle"]: m["Body"] for m in messages}
            with ThreadPoolExecutor(1) as pool:
                failed = pool.submit(asyncio.run, drain_bodies(self.ddb, self.table, bodies)).result()
            for handle in bodies:
                if handle not in failed:
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)
                    total += 1
            if failed:
                return total

    def _fold(self, records: list[dict[str, Any]]) -> list[str]:
        """``fold_batch`` on an event loop of its own (callers may be inside one already)."""
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, fold_batch(self.ddb, self.table, records)).result()

    def start(self, interval: float = 0.5) -> None:
        def loop() -> None:
            last_error = ""
            while not self._stop.wait(interval):
                try:
                    self.drain_parked()
                    self.drain()
                    last_error = ""
                except Exception as exc:  # keep polling: a moto hiccup must not stop the aggregates
                    if str(exc) != last_error:  # once per distinct failure, not every interval
                        log.warning("stream poll failed: %s", exc)
                    last_error = str(exc)

        self._thread = threading.Thread(target=loop, name="usage-stream-poller", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
