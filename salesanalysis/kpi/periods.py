"""Reporting periods: ISO weeks (Monday), months, quarters and years.

A :class:`Period` is one labelled period (``2025``, ``2025-Q3``, ``2025-07``,
``2025-W05``, as targets are labelled) of a ``grain``, from ``first`` to ``last``
(both days included). Every comparison goes through it: the previous period is
``shift(-1)``, the same period last year is ``same_last_year()`` (for weeks, the same
ISO week number of the previous ISO year; week 53 falls back to week 52), and the
like-for-like part of a running period is ``to_date(as_of)``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

import pandas as pd

from ..errors import InvalidArgumentError
from ..checks import GRAINS, check_grain

__all__ = ["Period", "GRAINS", "PERIODS", "AGAINST", "period_label", "period_bounds",
           "period_starts", "shift_period", "last_year_start", "baseline_start", "period_end",
           "closed_period"]

# period name -> (ibis truncate unit, pandas offset that steps one period)
PERIODS = {
    "week": ("W", pd.DateOffset(weeks=1)),
    "month": ("M", pd.DateOffset(months=1)),
    "quarter": ("Q", pd.DateOffset(months=3)),
    "year": ("Y", pd.DateOffset(years=1)),
}
_LABEL = re.compile(r"^(\d{4})(?:-Q([1-4])|-(\d{2})|-W(\d{2}))?$")


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


def last_year_start(start: pd.Timestamp, grain: str) -> pd.Timestamp:
    """The start of the same period last year as the ``grain`` period starting at
    ``start``; weeks keep their ISO week number (week 53 falls back to week 52)."""
    start = pd.Timestamp(start)
    if grain == "week":
        year, week, _ = start.isocalendar()
        try:
            return pd.Timestamp(dt.date.fromisocalendar(year - 1, week, 1))
        except ValueError:  # week 53 in a year of 52 weeks
            return pd.Timestamp(dt.date.fromisocalendar(year - 1, 52, 1))
    return truncate(start - pd.DateOffset(years=1), grain)


AGAINST = ("previous", "last_year")


def baseline_start(start: pd.Timestamp, grain: str, against: str) -> pd.Timestamp:
    """The start of the period ``against`` names (``previous`` or ``last_year``) for the
    ``grain`` period starting at ``start``."""
    if against == "previous":
        return shift_period(pd.Timestamp(start), grain, -1)
    if against == "last_year":
        return last_year_start(start, grain)
    raise InvalidArgumentError(f"against must be one of {', '.join(AGAINST)}; got {against!r}")


def _parse(label) -> tuple[str, pd.Timestamp]:
    m = _LABEL.match(str(label).strip())
    if not m:
        raise InvalidArgumentError(f"period must be a label such as 2025, 2025-Q3, 2025-07 or "
                                   f"2025-W05, got {label!r}")
    year, quarter, month, week = m.groups()
    year = int(year)
    if quarter:
        return "quarter", pd.Timestamp(year, 3 * int(quarter) - 2, 1)
    if month:
        if not 1 <= int(month) <= 12:
            raise InvalidArgumentError(f"month must be 01 to 12 in period {label!r}")
        return "month", pd.Timestamp(year, int(month), 1)
    if week:
        try:
            return "week", pd.Timestamp(dt.date.fromisocalendar(year, int(week), 1))
        except ValueError:
            raise InvalidArgumentError(f"{year} has no ISO week {week} "
                                       f"(period {label!r})") from None
    return "year", pd.Timestamp(year, 1, 1)


@dataclass(frozen=True)
class Period:
    """One labelled period of a grain, from ``first`` to ``last`` (days, inclusive).

    ``Period.parse("2025-W23")``, ``Period.containing(date, "month")``; ``last`` is
    earlier than the natural end only for a period cut by :meth:`to_date`.
    """

    grain: str
    first: pd.Timestamp
    last: pd.Timestamp

    @classmethod
    def parse(cls, label) -> "Period":
        """The period a label names; a Period is returned as it is."""
        if isinstance(label, Period):
            return label
        grain, first = _parse(label)
        return cls.starting(first, grain)

    @classmethod
    def starting(cls, first, grain: str) -> "Period":
        """The ``grain`` period starting on ``first`` (a period start)."""
        first = pd.Timestamp(first).normalize()
        return cls(grain, first, shift_period(first, grain, 1) - pd.Timedelta(days=1))

    @classmethod
    def containing(cls, day, grain: str) -> "Period":
        """The ``grain`` period that holds ``day``."""
        check_grain(grain, name="grain", where="Period.containing", optional=False)
        return cls.starting(truncate(day, grain), grain)

    @property
    def label(self) -> str:
        return period_label(self.first, self.grain)

    @property
    def is_partial(self) -> bool:
        """True for a period cut short by :meth:`to_date`."""
        return self.last < shift_period(self.first, self.grain, 1) - pd.Timedelta(days=1)

    def shift(self, n: int) -> "Period":
        """The period ``n`` periods later (negative: earlier), whole."""
        return Period.starting(shift_period(self.first, self.grain, n), self.grain)

    def same_last_year(self) -> "Period":
        """The same period a year earlier, cut like-for-like when this one is cut."""
        return self.baseline("last_year")

    def baseline(self, against: str) -> "Period":
        """The period ``against`` names (``previous`` or ``last_year``), cut like-for-like
        (as many days) when this one is cut."""
        before = Period.starting(baseline_start(self.first, self.grain, against), self.grain)
        if self.is_partial:
            return before.to_date(before.first + (self.last - self.first))
        return before

    def to_date(self, as_of) -> "Period":
        """This period up to ``as_of`` (the whole period when it ended before)."""
        as_of = pd.Timestamp(as_of).normalize()
        return self if as_of >= self.last else replace(self, last=max(as_of, self.first))

    def days(self) -> int:
        return int((self.last - self.first).days) + 1

    def __str__(self) -> str:
        return self.label


def period_bounds(label) -> tuple[str, pd.Timestamp, pd.Timestamp]:
    """(grain, first day, last day) of a label such as ``2025-Q3`` or ``2025-W05``."""
    p = Period.parse(label)
    return p.grain, p.first, p.last


def period_end(workbook, period) -> pd.Timestamp:
    """The last day of ``period``, or the data date while the period is still running."""
    return Period.parse(period).to_date(workbook.data_date()).last


def closed_period(workbook, *, grain: str = "month") -> str:
    """The label of the last full ``grain`` period before the data date."""
    return Period.containing(workbook.data_date(), grain).shift(-1).label
