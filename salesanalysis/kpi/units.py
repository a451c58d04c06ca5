"""Units of KPI values and how a sales manager reads each one.

Every registered KPI has one of :data:`UNITS`.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["UNITS", "format_value"]

UNITS = ("count", "currency", "ratio", "days", "seconds", "per 100", "currency/day")


def format_value(value, unit: str, *, short: bool = False, missing: str = "") -> str:
    """A number as a sales manager reads it: 12,300 · 42.0% · 35.0.

    ``short`` is the form used inside sentences (42% · 35 days · 1.5); ``missing`` is
    what an unknown value shows.
    """
    if isinstance(value, str):
        return value
    if value is None or pd.isna(value):
        return missing
    if unit == "ratio":
        return f"{value:.0%}" if short else f"{value:.1%}"
    if unit in ("currency", "currency/day"):
        return f"{value:,.0f}"
    if unit in ("days", "seconds"):
        return f"{value:,.0f} {unit}" if short else f"{value:,.1f}"
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.1f}" if short else f"{value:,.2f}"

