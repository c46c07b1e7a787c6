"""The dashboard's usage date ranges: defaults, the longest range, and what is refused."""

from __future__ import annotations

from datetime import date

import pytest

from spidergate.dashboard.reports import date_range
from spidergate.errors import InvalidRequest

TODAY = date(2025, 3, 15)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (None, None, (date(2025, 2, 14), TODAY)),  # the last 30 days, today included
        (None, date(2025, 1, 31), (date(2025, 1, 2), date(2025, 1, 31))),
        (date(2025, 3, 1), None, (date(2025, 3, 1), TODAY)),
        (date(2025, 1, 1), date(2025, 4, 2), (date(2025, 1, 1), date(2025, 4, 2))),  # 92 days
        (TODAY, TODAY, (TODAY, TODAY)),
    ],
)
def test_range_defaults_and_limits(start: date | None, end: date | None, expected: tuple[date, date]) -> None:
    assert date_range(start, end, max_days=92, today=TODAY) == expected


def test_default_range_shrinks_to_the_maximum() -> None:
    assert date_range(None, None, max_days=7, today=TODAY) == (date(2025, 3, 9), TODAY)


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [
        (date(2025, 1, 1), date(2025, 4, 3), "range_too_long"),  # 93 days
        (date(2025, 3, 2), date(2025, 3, 1), None),
    ],
)
def test_bad_ranges_are_400(start: date, end: date, code: str | None) -> None:
    with pytest.raises(InvalidRequest) as info:
        date_range(start, end, max_days=92, today=TODAY)
    assert info.value.status == 400
    assert info.value.code == code
