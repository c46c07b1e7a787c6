"""x-ratelimit-* headers from an admission, without I/O."""

from __future__ import annotations

import pytest

from spidergate.usage.admission import Admission
from spidergate.usage.ratelimit_headers import format_reset, ratelimit_headers

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
        "window_reset_at": START + 60,
    }
    base.update(kw)
    return Admission(**base)  # type: ignore[arg-type]


def test_requests_and_tokens_headers() -> None:
    adm = admission(rpm=60, tpm=10_000, requests_used=3, tokens_used=2_500, token_estimate=500)
    assert ratelimit_headers(adm, START + 19) == {
        "x-ratelimit-limit-requests": "60",
        "x-ratelimit-remaining-requests": "57",
        "x-ratelimit-reset-requests": "41s",
        "x-ratelimit-limit-tokens": "10000",
        "x-ratelimit-remaining-tokens": "7000",
        "x-ratelimit-reset-tokens": "41s",
    }


def test_only_the_limits_the_agent_has() -> None:
    assert ratelimit_headers(admission(), START + 19) == {}
    only_rpm = ratelimit_headers(admission(rpm=5, requests_used=5), START + 59.988)
    assert only_rpm == {
        "x-ratelimit-limit-requests": "5",
        "x-ratelimit-remaining-requests": "0",
        "x-ratelimit-reset-requests": "12ms",
    }


def test_remaining_never_goes_negative_and_a_passed_window_starts_afresh() -> None:
    adm = admission(tpm=1_000, tokens_used=900, token_estimate=400)
    assert ratelimit_headers(adm, START + 30)["x-ratelimit-remaining-tokens"] == "0"
    later = ratelimit_headers(adm, START + 75)
    assert later["x-ratelimit-remaining-tokens"] == "600"
    assert later["x-ratelimit-reset-tokens"] == "45s"
