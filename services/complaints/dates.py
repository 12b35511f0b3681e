"""England's calendar for complaint deadlines: local dates and working-day ages."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from services.kernel.working_days import add_working_days, is_working_day

ENGLAND = ZoneInfo("Europe/London")

__all__ = ["ENGLAND", "add_working_days", "local_date", "today_in_england", "working_days_between"]


def local_date(moment: datetime) -> date:
    """The calendar date in England of an aware moment: deadlines run on local days."""
    return moment.astimezone(ENGLAND).date()


def today_in_england() -> date:
    """Read at the edge only (rendering), never in decide."""
    return datetime.now(ENGLAND).date()


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end`; 0 when `end` is not after `start`."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count
