"""Units of KPI values and how a sales manager reads each one.

Every registered KPI has one of :data:`UNITS`.
"""

from __future__ import annotations

from contextlib import contextmanager

import pandas as pd

__all__ = ["UNITS", "SYMBOLS", "format_value", "currency", "use_currency", "current_currency"]

UNITS = ("count", "currency", "ratio", "days", "seconds", "per 100", "currency/day")
# ISO code -> the symbol written before an amount; other codes are written after it
SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "CNY": "¥", "INR": "₹"}
_currency: str | None = None  # the workbook's currency: what amounts are written in


def use_currency(code: str | None) -> None:
    """Write amounts in ``code`` (an ISO code such as EUR) from now on; None: no symbol."""
    global _currency
    _currency = code.strip().upper() if isinstance(code, str) and code.strip() else None


def current_currency() -> str | None:
    return _currency


@contextmanager
def currency(code: str | None):
    """Amounts written in ``code`` inside the block, as before after it."""
    before = _currency
    use_currency(code)
    try:
        yield
    finally:
        use_currency(before)


def _amount(text: str) -> str:
    if _currency is None:
        return text
    sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
    symbol = SYMBOLS.get(_currency)
    return f"{sign}{symbol}{digits}" if symbol else f"{sign}{digits} {_currency}"


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
        return _amount(f"{value:,.0f}") + ("/day" if unit == "currency/day" and _currency
                                           else "")
    if unit in ("days", "seconds"):
        return f"{value:,.0f} {unit}" if short else f"{value:,.1f}"
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.1f}" if short else f"{value:,.2f}"

