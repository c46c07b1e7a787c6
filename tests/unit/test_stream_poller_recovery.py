"""The local stream poller survives an iterator the stream no longer knows."""

from __future__ import annotations

from typing import Any

import pytest

from spidergate.local.stream_poller import StreamPoller


class Table:
    def describe_table(self, TableName: str) -> dict[str, Any]:
        return {"Table": {"LatestStreamArn": "arn:stream"}}


class Streams:
    """One shard with two records; the first read after the first page fails once."""

    def __init__(self) -> None:
        self.asked: list[dict[str, str]] = []
        self.fail_next = False

    def describe_stream(self, StreamArn: str) -> dict[str, Any]:
        return {"StreamDescription": {"Shards": [{"ShardId": "s1"}]}}

    def get_shard_iterator(self, **where: str) -> dict[str, str]:
        self.asked.append(where)
        return {"ShardIterator": f"it-{len(self.asked)}"}

    def get_records(self, ShardIterator: str, Limit: int) -> dict[str, Any]:
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("unknown shard iterator")
        if ShardIterator == "it-1":
            return {"Records": [_insert("100")], "NextShardIterator": "it-1b"}
        return {"Records": [], "NextShardIterator": ShardIterator}


def _insert(seq: str) -> dict[str, Any]:
    return {"eventName": "INSERT", "dynamodb": {"SequenceNumber": seq, "Keys": {"pk": {"S": "REQ#b"}}}}


class Poller(StreamPoller):
    def _fold(self, records: list[dict[str, Any]]) -> list[str]:
        return []


def test_a_lost_iterator_restarts_after_the_last_folded_record() -> None:
    streams = Streams()
    poller = Poller(Table(), streams, "usage")
    poller.drain()
    streams.fail_next = True
    with pytest.raises(RuntimeError):
        poller.drain()
    poller.drain()  # recovers instead of failing on the same iterator forever
    assert streams.asked[-1] == {
        "StreamArn": "arn:stream",
        "ShardId": "s1",
        "ShardIteratorType": "AFTER_SEQUENCE_NUMBER",
        "SequenceNumber": "100",
    }
