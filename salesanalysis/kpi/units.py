"""Units of KPI values and how a sales manager reads each one.

Every registered KPI has one of :data:`UNITS`; frames computed from the registry
carry ``attrs["units"]`` ({column: unit}) so presentation formats them without being
told again.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["UNITS", "format_value", "with_units", "units_of"]

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


def with_units(frame: pd.DataFrame, units: dict[str, str]) -> pd.DataFrame:
    """``frame`` carrying ``units`` ({column: unit}) in ``attrs`` for presentation."""
    known = {c: u for c, u in units.items() if c in frame.columns}
    frame.attrs["units"] = {**frame.attrs.get("units", {}), **known}
    return frame


def units_of(frame: pd.DataFrame) -> dict[str, str]:
    """The units a frame carries ({column: unit}); empty when it carries none."""
    units = frame.attrs.get("units", {})
    return {c: u for c, u in units.items() if c in frame.columns}
