"""One checker for the arguments of KPI functions and notebook parameters.

Every check raises :class:`~salesanalysis.errors.InvalidArgumentError` (a ``ValueError``)
in one form: "The 'by' parameter of win_rate must be one of rep, team, ...; got 'tem'".
"""

from __future__ import annotations

import pandas as pd

from .errors import InvalidArgumentError

__all__ = ["GRAINS", "message", "check_choice", "check_grain", "check_date", "check_dates",
           "check_dimensions"]

GRAINS = ("week", "month", "quarter", "year")


def message(name: str, where: str | None, expected: str, got) -> str:
    """The one form of an argument error."""
    of = f" of {where}" if where else ""
    return f"The {name!r} parameter{of} must be {expected}; got {got!r}"


def check_choice(value, choices, *, name: str, where: str | None = None, optional=False):
    """``value`` when it is one of ``choices`` (or None, when ``optional``)."""
    if value is None and optional:
        return None
    if value not in choices:
        raise InvalidArgumentError(message(name, where, "one of " + ", ".join(map(str, choices)),
                                           value))
    return value


def check_grain(value, *, name: str = "period", where: str | None = None, optional=True):
    """A grain (week, month, quarter, year), or None when ``optional``."""
    return check_choice(value, GRAINS, name=name, where=where, optional=optional)


def check_date(value, *, name: str, where: str | None = None) -> pd.Timestamp | None:
    """A date argument as a midnight Timestamp (None stays None)."""
    if value is None:
        return None
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        ts = pd.NaT
    if ts is pd.NaT:
        raise InvalidArgumentError(message(name, where, "a date such as '2025-03-31'", value))
    return ts.normalize()


def check_dates(start, end, *, where: str | None = None):
    """(start, end) as Timestamps, refusing an end before the start."""
    start = check_date(start, name="start", where=where)
    end = check_date(end, name="end", where=where)
    if start is not None and end is not None and end < start:
        raise InvalidArgumentError(message("end", where, f"on or after start "
                                           f"({start.date()})", str(end.date())))
    return start, end


def check_dimensions(by, dimensions, *, name: str = "by", where: str | None = None) -> list[str]:
    """``by`` (None, one dimension or several) as a list of known dimensions, none twice."""
    if by is None:
        return []
    dims = [by] if isinstance(by, str) else list(by)
    for d in dims:
        check_choice(d, tuple(dimensions), name=name, where=where)
    if len(set(dims)) != len(dims):
        raise InvalidArgumentError(message(name, where, "dimensions named once each", dims))
    return dims
