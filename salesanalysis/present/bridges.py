"""Bridges: a waterfall of steps from one level to another, and the bridge and the
segments of a gap explanation drawn with it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..kpi.units import format_value
from .theme import ACTUAL, BAD, GOOD, MUTED, axes, format_axis, unit_label

__all__ = ["waterfall", "gap_bridge", "gap_segments"]


def waterfall(steps: pd.DataFrame, *, label: str = "step", value: str = "value",
              totals=(), unit: str = "currency", title: str, ax=None):
    """A bridge: each step adds ``value`` to a running total; steps named in ``totals``
    are drawn as full bars from zero (the start and end levels). A step down is red and
    goes down from the running total, a step up green; every bar carries its value and
    a dotted line joins it to the next, so a level of 0 still shows as a bar."""
    ax = axes(ax)
    frame = steps.reset_index(drop=True)
    running, bottoms, heights, colours, ends = 0.0, [], [], [], []
    for row in frame.itertuples(index=False):
        amount = float(getattr(row, value))
        if getattr(row, label) in totals:
            bottoms.append(min(0.0, amount))
            heights.append(abs(amount))
            colours.append(ACTUAL)
            running = amount
        else:
            bottoms.append(running if amount >= 0 else running + amount)
            heights.append(abs(amount))
            colours.append(GOOD if amount >= 0 else BAD)
            running += amount
        ends.append(running)
    names = frame[label].astype(str)
    bars = ax.bar(names, heights, bottom=bottoms, color=colours)
    for i, (bar, row) in enumerate(zip(bars, frame.itertuples(index=False))):
        amount = float(getattr(row, value))
        total = getattr(row, label) in totals
        text = format_value(amount, unit, short=True) if total else \
            ("+" if amount > 0 else "") + format_value(amount, unit, short=True)
        top = bar.get_y() + bar.get_height()
        down = not total and amount < 0
        ax.annotate(text, (bar.get_x() + bar.get_width() / 2, bar.get_y() if down else top),
                    xytext=(0, -3 if down else 3), textcoords="offset points",
                    ha="center", va="top" if down else "bottom", fontsize="small")
        if total and amount == 0:
            ax.hlines(0, bar.get_x(), bar.get_x() + bar.get_width(), color=ACTUAL, linewidth=3)
        if i + 1 < len(bars):
            ax.hlines(ends[i], bar.get_x() + bar.get_width(), bars[i + 1].get_x(),
                      color=MUTED, linestyle=":", linewidth=1)
    ax.axhline(0, color=MUTED, linewidth=0.8)
    # room above and below the bars for their values, clear of the title
    low, high = min(min(bottoms), 0.0), max(max(b + h for b, h in zip(bottoms, heights)), 0.0)
    room = 0.12 * ((high - low) or 1.0)
    ax.set_ylim(low - (room if (frame[value] < 0).any() else 0), high + room)
    ax.set_xticks(range(len(frame)), names, rotation=30, ha="right")
    ax.set_ylabel(unit_label(unit))
    format_axis(ax.yaxis, unit)
    ax.set_title(title)
    return ax



def gap_bridge(explanation, *, ax=None):
    """The bridge of a :class:`~salesanalysis.gap.GapExplanation`: the baseline, one step
    per driver, the actual value; the title says what is compared with what."""
    if explanation.against == "target":
        first = f"{explanation.period} target"
        compared = f"actual against target, {explanation.period}"
    else:
        which = explanation.against.replace("_", " ")
        first = f"{explanation.baseline_period} ({which})"
        compared = f"{explanation.period} against {explanation.baseline_period} ({which})"
    last = f"{explanation.period} actual"
    steps = pd.DataFrame({
        "step": [first, *explanation.driver_labels(), last],
        "value": [explanation.baseline, *explanation.bridge["effect"], explanation.actual]})
    return waterfall(steps, totals=(first, last), unit=explanation.unit, ax=ax,
                     title=f"{explanation.label} of {explanation.scope}: {compared}, by driver")


def gap_segments(explanation, *, ax=None):
    """The segments that explain a gap, each with its part of the gap; red where it adds
    to the gap, blue where it offsets it. When none passed the test for chance, the
    largest parts of the gap in grey, hatched, marked not significant."""
    frame = explanation.segments
    significant = not frame.empty
    if significant:
        names = frame["cause"].str.replace("=", ": ").str.replace(" & ", ", ")
        values = frame["contribution"]
    else:
        parts = explanation.largest_parts()
        names, values = pd.Series(parts.index.astype(str)), parts.reset_index(drop=True)
    ax = axes(ax, size=(8, max(2.0, 0.4 * len(values) + 1)))
    if values.empty:
        ax.text(0.5, 0.5, "No segment passed the test for chance", ha="center", va="center",
                transform=ax.transAxes)
        ax.set_axis_off()
        return ax
    same = np.sign(values.to_numpy()) == np.sign(explanation.gap)
    ax.barh(names.to_numpy(), values.to_numpy(), color=np.where(same, BAD, ACTUAL)
            if significant else MUTED, hatch=None if significant else "//")
    ax.axvline(0, color=MUTED, linewidth=1)
    ax.axvline(explanation.gap, color=MUTED, linestyle=":", label="whole gap")
    ax.legend(frameon=False, fontsize="small", loc="best")
    ax.invert_yaxis()
    ax.set_xlabel(unit_label(explanation.unit, "part of the gap"))
    format_axis(ax.xaxis, explanation.unit)
    label = explanation.label.lower()
    ax.set_title(f"Where the {label} gap comes from" if significant else
                 f"The largest parts of the {label} gap (none passed the test for chance)")
    return ax
