"""England's calendar, defined once: its time zone, local dates, and working days (weekdays that
are not England and Wales bank holidays), on which every deadline and "today" runs."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

ENGLAND = ZoneInfo("Europe/London")


def local_date(moment: datetime) -> date:
    """The calendar date in England of an aware moment: deadlines run on local days."""
    return moment.astimezone(ENGLAND).date()


def today_in_england() -> date:
    """Read at the edge only (rendering), never in decide."""
    return datetime.now(ENGLAND).date()


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


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end`; 0 when `end` is not after `start`."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count
