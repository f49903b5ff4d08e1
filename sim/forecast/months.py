"""Dates and the run's rounds: round m covers [start + (m − 1) months, start + m months).

Months are calendar months, counted from the snapshot's date (`run.start_date`); a day that
a month lacks is its last day (31 January + 1 month = 28 or 29 February), as calendars do.
"""

from __future__ import annotations

import calendar
import datetime as dt


def add_months(start: dt.date, months: int) -> dt.date:
    """The date `months` calendar months after `start`."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def month_of(day: dt.date, start: dt.date) -> int:
    """The round (1-based) whose dates include `day`; `day` must come after `start`."""
    if day <= start:
        raise ValueError(f"{day} is not after {start}")
    month = max(1, (day.year - start.year) * 12 + day.month - start.month)
    while add_months(start, month) <= day:
        month += 1
    while month > 1 and add_months(start, month - 1) > day:
        month -= 1
    return month


def last_day(month: int, start: dt.date) -> dt.date:
    """The last date round `month` covers: a deadline of `months: m` as a date."""
    return add_months(start, month) - dt.timedelta(days=1)
