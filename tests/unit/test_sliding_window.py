"""The sliding minute's maths (usage/sliding.py), without I/O: a simulated DynamoDB of per-minute
items applying exactly the deltas and the condition the admission writes."""

from __future__ import annotations

import random
from collections import defaultdict

import pytest

from spidergate.usage import sliding
from spidergate.usage.sliding import BUCKETS, Window, bucket, carried, counted, counters, minute_start

START = 1_764_000_000.0  # a minute boundary


def test_buckets_are_five_seconds_of_the_minute() -> None:
    assert (bucket(START), bucket(START + 4.999), bucket(START + 5), bucket(START + 59.999)) == (0, 0, 1, 11)
    assert minute_start(START + 59.999) == START and minute_start(START + 60) == START + 60


def test_an_admission_counts_in_every_counter_and_carries_into_the_buckets_still_within_60s() -> None:
    assert counted("r", 1) == {f"r{i}": 1 for i in range(BUCKETS)}
    assert carried("r", START + 19, 1) == {"r0": 1, "r1": 1, "r2": 1, "r3": 1}
    assert carried("t", START + 59.5, 7) == {f"t{i}": 7 for i in range(BUCKETS)}


def test_counters_read_an_item_and_take_off_a_refused_carry() -> None:
    item = {"r0": 3, "r1": 3, "r5": 1, "t0": 9}
    assert counters("r", item) == (3, 3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0)
    assert counters("r", item, less=1, upto=1) == (2, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0)
    assert counters("r", None) == (0,) * BUCKETS


def test_a_window_counts_this_minute_then_the_carry_then_nothing() -> None:
    w = Window(START, tuple(range(10, 10 + BUCKETS)), (4, 4, 3) + (0,) * (BUCKETS - 3))
    assert w.count_at(START + 1) == 10
    assert w.count_at(START + 59) == 21
    assert w.count_at(START + 61) == 4
    assert w.count_at(START + 70) == 3
    assert w.count_at(START + 75) == 0
    assert w.count_at(START + 200) == 0
    assert w.below_at(START + 61, 4) == START + 70  # the bucket where the carry falls to 3
    assert w.below_at(START + 61, 5) == START + 61  # already below
    assert w.drops_at(START + 61) == START + 70
    assert w.drops_at(START + 80) == START + 80  # nothing counted


def test_a_full_window_frees_when_its_oldest_bucket_leaves() -> None:
    # 10 admitted at 0:57 (bucket 11): the next minute carries them in every bucket.
    w = Window(START, (10,) * BUCKETS, (10,) * BUCKETS)
    assert w.below_at(START + 58, 10) == START + 120
    assert w.below_at(START + 61, 10) == START + 120


class Table:
    """Per-minute items with the admission's update applied atomically, as DynamoDB would."""

    def __init__(self) -> None:
        self.items: dict[float, dict[str, int]] = defaultdict(dict)

    def admit(self, now: float, rpm: int) -> bool:
        this = self.items[minute_start(now)]
        if this.get(sliding.attr("r", bucket(now)), 0) >= rpm:
            return False
        for name, delta in counted("r", 1).items():
            this[name] = this.get(name, 0) + delta
        ahead = self.items[minute_start(now) + 60]
        for name, delta in carried("r", now, 1).items():
            ahead[name] = ahead.get(name, 0) + delta
        return True


@pytest.mark.parametrize("seed", range(8))
def test_no_sixty_second_span_ever_holds_more_than_rpm(seed: int) -> None:
    rng = random.Random(seed)
    rpm = rng.choice([1, 3, 10, 50])
    table, now = Table(), START - rng.uniform(0, 60)
    admitted: list[float] = []
    refused: list[float] = []
    for _ in range(3000):
        now += rng.expovariate(rpm / 20)  # three times the limit on average, in bursts
        (admitted if table.admit(now, rpm) else refused).append(now)
    assert refused
    assert max(sum(1 for u in admitted if t <= u < t + 60) for t in admitted) <= rpm
    # ...and not starved: a refusal means rpm admissions within the last 65 s (the bucket
    # rounding holds a request at most 5 s longer than an exact log would).
    assert all(sum(1 for u in admitted if t - 65 < u <= t) >= rpm for t in refused)


def test_the_reported_attack_is_refused() -> None:
    """``rpm 10`` let 20 requests through in 5.5 s across a boundary with fixed windows."""
    table = Table()
    times = [START - 5.5 + 0.5 * i for i in range(20)]
    assert sum(table.admit(t, 10) for t in times) == 10
