"""x-ratelimit-* headers from an admission, without I/O."""

from __future__ import annotations

import pytest

from spidergate.usage.admission import Admission
from spidergate.usage.ratelimit_headers import format_reset, ratelimit_headers
from spidergate.usage.sliding import BUCKETS, Window

START = 1_764_000_000.0  # a minute boundary


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.0, "0ms"),
        (0.012, "12ms"),
        (0.9991, "1s"),
        (41.0, "41s"),
        (40.2, "41s"),
        (360, "6m0s"),
        (3723, "1h2m3s"),
    ],
)
def test_reset_is_written_like_openai(seconds: float, text: str) -> None:
    assert format_reset(seconds) == text


def admission(**kw: object) -> Admission:
    base: dict[str, object] = {
        "request_id": "r1",
        "brand_id": "brd_a",
        "agent_id": "cli_x",
        "admitted_at": START + 19,
        "key_id": "pk_1",
    }
    base.update(kw)
    return Admission(**base)  # type: ignore[arg-type]


def flat(n: int, upto: int = BUCKETS - 1) -> tuple[int, ...]:
    return tuple(n if i <= upto else 0 for i in range(BUCKETS))


def test_headers_give_limits_remaining_and_when_a_slot_frees() -> None:
    # 3 requests and 2,500 tokens, all in the 15-20 s bucket of this minute; they leave 60-61 s later.
    adm = admission(
        rpm=60,
        tpm=10_000,
        token_estimate=500,
        request_window=Window(START, flat(3), flat(3, upto=3)),
        token_window=Window(START, flat(2_500), flat(2_500, upto=3)),
    )
    assert ratelimit_headers(adm, START + 19) == {
        "x-ratelimit-limit-requests": "60",
        "x-ratelimit-remaining-requests": "57",
        "x-ratelimit-reset-requests": "1m1s",
        "x-ratelimit-limit-tokens": "10000",
        "x-ratelimit-remaining-tokens": "7000",
        "x-ratelimit-reset-tokens": "1m1s",
    }


def test_no_limits_no_headers_and_reset_in_milliseconds() -> None:
    assert ratelimit_headers(admission(), START + 19) == {}
    # 5 requests of the last minute's final bucket still count until 60 s from now.
    full = admission(rpm=5, request_window=Window(START - 60, flat(5), flat(5)))
    assert ratelimit_headers(full, START + 59.988) == {
        "x-ratelimit-limit-requests": "5",
        "x-ratelimit-remaining-requests": "0",
        "x-ratelimit-reset-requests": "12ms",
    }


def test_remaining_never_goes_negative_and_counts_age_out() -> None:
    adm = admission(tpm=1000, token_estimate=600, token_window=Window(START, flat(900), flat(900, upto=3)))
    assert ratelimit_headers(adm, START + 30)["x-ratelimit-remaining-tokens"] == "0"
    later = ratelimit_headers(adm, START + 75)  # the next minute, still within 60 s of them
    assert later["x-ratelimit-remaining-tokens"] == "0"
    assert later["x-ratelimit-reset-tokens"] == "5s"
    gone = ratelimit_headers(adm, START + 81)
    assert gone["x-ratelimit-remaining-tokens"] == "400"
    assert gone["x-ratelimit-reset-tokens"] == "0ms"  # nothing counted: nothing to wait for
