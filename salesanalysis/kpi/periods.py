"""Reporting periods: ISO weeks (Monday), months, quarters and years.

A period is labelled as targets are (``2025``, ``2025-Q3``, ``2025-07``,
``2025-W05``) and starts on ``period_start``. Date ranges are inclusive of both
``start`` and ``end`` days.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

__all__ = ["PERIODS", "period_label", "period_bounds", "period_starts", "parse_date",
           "shift_period"]

# period name -> (ibis truncate unit, pandas offset that steps one period)
PERIODS = {
    "week": ("W", pd.DateOffset(weeks=1)),
    "month": ("M", pd.DateOffset(months=1)),
    "quarter": ("Q", pd.DateOffset(months=3)),
    "year": ("Y", pd.DateOffset(years=1)),
}
_LABEL = re.compile(r"^(\d{4})(?:-Q([1-4])|-(\d{2})|-W(\d{2}))?$")


def check_period(period: str | None) -> None:
    if period is not None and period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)} or None, got {period!r}")


def parse_date(value, name: str) -> pd.Timestamp | None:
    """A date argument as a midnight Timestamp, or a clear error naming it."""
    if value is None:
        return None
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a date such as '2025-03-31', got {value!r}") from None
    if ts is pd.NaT:
        raise ValueError(f"{name} must be a date, got {value!r}")
    return ts.normalize()


def truncate(ts: pd.Timestamp, period: str) -> pd.Timestamp:
    """The start of the period containing ``ts``."""
    ts = pd.Timestamp(ts).normalize()
    if period == "week":
        return ts - pd.Timedelta(days=ts.day_of_week)
    if period == "month":
        return ts.replace(day=1)
    if period == "quarter":
        return ts.replace(day=1, month=3 * ((ts.month - 1) // 3) + 1)
    return ts.replace(day=1, month=1)


def period_label(start: pd.Timestamp, period: str | None) -> str:
    if period == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return f"{start.year}-{start.month:02d}"
    if period == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    if period == "year":
        return str(start.year)
    return "all"


def period_labels(starts: pd.Series, period: str) -> pd.Series:
    """:func:`period_label` of a whole column of period starts (few distinct values)."""
    labels = {s: period_label(pd.Timestamp(s), period) for s in pd.unique(starts)}
    return starts.map(labels)


def period_starts(first: pd.Timestamp, last: pd.Timestamp, period: str) -> pd.DatetimeIndex:
    """Start of every period from the one holding ``first`` to the one holding ``last``."""
    step = PERIODS[period][1]
    starts = []
    current, stop = truncate(first, period), truncate(last, period)
    while current <= stop:
        starts.append(current)
        current = current + step
    return pd.DatetimeIndex(starts)


def shift_period(start: pd.Timestamp, period: str, n: int) -> pd.Timestamp:
    """The start of the period ``n`` periods after (negative: before) the one at ``start``."""
    if period == "week":
        return start + pd.Timedelta(weeks=n)
    return start + PERIODS[period][1] * n


def period_bounds(label: str) -> tuple[str, pd.Timestamp, pd.Timestamp]:
    """(period name, first day, last day) of a label such as ``2025-Q3`` or ``2025-W05``."""
    m = _LABEL.match(str(label).strip())
    if not m:
        raise ValueError(f"period must be a label such as 2025, 2025-Q3, 2025-07 or 2025-W05, "
                         f"got {label!r}")
    year, quarter, month, week = m.groups()
    year = int(year)
    if quarter:
        period, first = "quarter", pd.Timestamp(year, 3 * int(quarter) - 2, 1)
    elif month:
        if not 1 <= int(month) <= 12:
            raise ValueError(f"month must be 01 to 12 in period {label!r}")
        period, first = "month", pd.Timestamp(year, int(month), 1)
    elif week:
        try:
            first = pd.Timestamp(dt.date.fromisocalendar(year, int(week), 1))
        except ValueError:
            raise ValueError(f"{year} has no ISO week {week} (period {label!r})") from None
        period = "week"
    else:
        period, first = "year", pd.Timestamp(year, 1, 1)
    return period, first, shift_period(first, period, 1) - pd.Timedelta(days=1)
