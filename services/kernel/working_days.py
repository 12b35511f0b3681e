"""Working days in England: weekdays that are not England and Wales bank holidays."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import holidays


@cache
def bank_holidays(year: int) -> frozenset[date]:
    """England's bank holidays in a year, substitute days included (26 Dec 2026 → 28 Dec)."""
    return frozenset(holidays.UnitedKingdom(subdiv="ENG", years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in bank_holidays(day.year)


def add_working_days(start: date, n: int) -> date:
    """The date `n` working days after `start` (which itself does not count); `start` for n = 0."""
    if n < 0:
        raise ValueError(f"cannot add a negative number of working days ({n})")
    day = start
    remaining = n
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day
