"""Local days in UTC: whole days from midnight to midnight, also when the clocks change."""
from __future__ import annotations

from datetime import date, datetime

from models.clock import local_day_bounds


def test_a_day_runs_from_local_midnight_to_the_next(berlin):
    """In Berlin a winter day is 24 hours; the day the clocks go forward 23, the day they go back 25."""
    assert local_day_bounds(date(2026, 1, 15)) == (datetime(2026, 1, 14, 23), datetime(2026, 1, 15, 23))
    assert local_day_bounds(date(2026, 3, 29)) == (datetime(2026, 3, 28, 23), datetime(2026, 3, 29, 22))
    assert local_day_bounds(date(2026, 10, 25)) == (datetime(2026, 10, 24, 22), datetime(2026, 10, 25, 23))
