"""The reports' look: one palette, the seaborn theme, and the axis helpers every
figure shares (a unit on every axis, amounts with thousands separators)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import seaborn as sns

from ..kpi.units import current_currency

__all__ = ["set_theme", "axes", "format_axis", "unit_label", "UNIT_LABELS", "ROLE_COLOURS",
           "ACTUAL", "TARGET", "MUTED", "HIGHLIGHT", "BAD", "GOOD", "NO_ROLE"]

ACTUAL, TARGET, MUTED, HIGHLIGHT, BAD = "#2f6690", "#d1495b", "#9db4c0", "#edae49", "#d1495b"
GOOD = "#2e7d32"  # a step of a bridge that adds
# a rep's role has one colour on every page; a rep without a role is grey
ROLE_COLOURS = {"field": ACTUAL, "inside": HIGHLIGHT}
NO_ROLE = "#5c6b73"
UNIT_LABELS = {
    "currency": "amount", "count": "count", "ratio": "%", "days": "days",
    "seconds": "seconds", "per 100": "per 100", "currency/day": "amount per day",
}

def set_theme() -> None:
    """The report theme: white grid, readable sizes, one palette."""
    sns.set_theme(style="whitegrid", context="notebook",
                  palette=[ACTUAL, HIGHLIGHT, "#00798c", MUTED, "#30638e", TARGET],
                  rc={"figure.figsize": (8, 3.6), "axes.titleweight": "bold",
                      "axes.titlesize": 12, "figure.dpi": 96})


def axes(ax, size=None):
    if ax is None:
        _, ax = plt.subplots(figsize=size) if size else plt.subplots()
    return ax


def format_axis(axis, unit: str) -> None:
    if unit == "ratio":
        axis.set_major_formatter(mticker.PercentFormatter(1.0, decimals=0))
    else:
        axis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))


def unit_label(unit: str, label: str | None = None) -> str:
    text = UNIT_LABELS.get(unit, unit)
    if unit == "currency" and current_currency():
        text = f"amount in {current_currency()}"
    return f"{label} ({text})" if label else text
