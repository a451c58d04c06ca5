"""Figures for the report notebooks, in one seaborn theme.

Every function takes the data first and its options by keyword, draws on ``ax``
(a new figure when None) and returns the Axes. Titles are sentences, axes carry
their units, and targets are drawn where the data has them.
"""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..kpi.units import format_value
from .bridges import gap_bridge, gap_segments, waterfall
from .theme import (ACTUAL, HIGHLIGHT, MUTED, NO_ROLE, ROLE_COLOURS, TARGET, UNIT_LABELS,
                    axes, format_axis, set_theme, unit_label)

__all__ = ["set_theme", "trend", "small_multiples", "against_target", "ranking",
           "weekly_prospecting", "waterfall", "completeness", "gap_bridge", "gap_segments",
           "span", "UNIT_LABELS", "ROLE_COLOURS"]

_DOC_AX = """ax : matplotlib Axes, optional
        Where to draw; a new figure when None."""


def trend(data: pd.DataFrame, *, x: str = "period", y: str, hue: str | None = None,
          target: str | None = None, compare: str | None = None, compare_label: str = "",
          unit: str = "count", title: str, ylabel: str | None = None, ax=None):
    """A line per ``hue`` group of ``y`` over ``x``, each with its ``target`` dashed in
    the same colour where given.

    Parameters
    ----------
    data : DataFrame
        One row per period (and group).
    x, y, hue : str
        Columns for the periods, the values and the groups.
    target : str, optional
        A column of targets, drawn as a dashed line per group.
    compare, compare_label : str, optional
        A column to compare with (the previous period's value ...), drawn dotted and
        labelled ``compare_label``; one group only.
    unit : str
        The KPI's unit (``count``, ``currency``, ``ratio`` ...), shown on the axis.
    title : str
        A sentence saying what the figure shows and when (see :func:`span`).
    {ax}
    """
    ax = axes(ax)
    frame = data.reset_index(drop=True)
    order = list(dict.fromkeys(frame[x].astype(str)))
    positions = frame[x].astype(str).map({p: i for i, p in enumerate(order)})
    groups = frame.groupby(hue, sort=True) if hue else [(None, frame)]
    dashed = False
    for name, group in groups:
        (line,) = ax.plot(positions[group.index], group[y], marker="o",
                          label=name or y.replace("_", " "))
        if target is not None and group[target].notna().any():
            ax.plot(positions[group.index], group[target], linestyle="--",
                    color=line.get_color() if hue else TARGET, alpha=0.8 if hue else 1,
                    label=None if hue else "target")
            dashed = True
    if compare is not None and not hue and frame[compare].notna().any():
        ax.plot(positions, frame[compare], linestyle=":", marker=".", color=MUTED,
                label=compare_label or compare.replace("_", " "))
        dashed = True
    if dashed and hue:
        ax.plot([], [], linestyle="--", color=MUTED, label="target (dashed)")
    _period_ticks(ax, order)
    ax.set_ylabel(ylabel or unit_label(unit))
    format_axis(ax.yaxis, unit)
    ax.set_title(title)
    if hue or dashed:
        entries = len(ax.get_legend_handles_labels()[0])
        ax.legend(frameon=False, fontsize="small", ncols=min(4, entries))
    return ax


def _period_ticks(ax, order: list) -> None:
    crowded = len(order) > 8
    ax.set_xticks(range(len(order)), order, rotation=45 if crowded else 0,
                  ha="right" if crowded else "center")
    ax.set_xlabel("")


def small_multiples(data: pd.DataFrame, *, x: str = "period", y: str, by: str,
                    label: str | None = None, target: str | None = None, band=None,
                    band_label: str = "peers", role: str | None = None,
                    unit: str = "count", title: str, columns: int = 4, limit: int = 48):
    """One small panel per ``by`` group, in the order the groups first appear: its ``y``
    over ``x``, its ``target`` dashed, and a grey band between the two columns of
    ``band`` (say, the middle half of its peers), so each line reads against the others
    without a tangle of colours. Panels share their axes.

    ``label``: a column naming each panel (the group's value when None); ``role``: a
    column of roles colouring each line (:data:`ROLE_COLOURS`); ``limit``: at most this
    many panels, the rest named in a note. Returns the array of Axes, one per panel.
    """
    frame = data.reset_index(drop=True)
    order = list(dict.fromkeys(frame[x].astype(str)))
    positions = frame[x].astype(str).map({p: i for i, p in enumerate(order)})
    groups = list(dict.fromkeys(frame[by]))
    shown, hidden = groups[:limit], len(groups) - min(len(groups), limit)
    columns = max(1, min(columns, len(shown)))
    rows = -(-len(shown) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(8, 0.4 + 1.75 * rows), sharex=True,
                             sharey=True, squeeze=False, layout="constrained")
    for ax, name in zip(axes.flat, shown):
        group = frame[frame[by] == name]
        at = positions[group.index]
        if band is not None:
            ax.fill_between(at, group[band[0]].astype(float), group[band[1]].astype(float),
                            color=MUTED, alpha=0.35, linewidth=0)
        kind = group[role].iloc[0] if role else None
        ax.plot(at, group[y], color=ROLE_COLOURS.get(kind, NO_ROLE) if role else ACTUAL,
                linewidth=1.8)
        if target is not None and group[target].notna().any():
            ax.plot(at, group[target], color=TARGET, linestyle="--", linewidth=1)
        name_text = group[label].iloc[0] if label else name
        ax.set_title(str(name_text), fontsize="small", fontweight="normal", loc="left")
        format_axis(ax.yaxis, unit)
        ax.tick_params(labelsize="x-small")
    for ax in axes.flat[len(shown):]:
        ax.set_axis_off()
    every = max(1, -(-len(order) // 4))
    for ax in axes[-1]:
        ax.set_xticks(range(0, len(order), every), order[::every], rotation=45, ha="right")
    if role:
        drawn = frame[frame[by].isin(shown)][role]
        handles = [plt.Line2D([], [], color=colour, linewidth=1.8, label=text)
                   for colour, text in _role_legend(drawn)]
    else:
        handles = [plt.Line2D([], [], color=ACTUAL, linewidth=1.8, label=y.replace("_", " "))]
    if target is not None and frame[target].notna().any():
        handles.append(plt.Line2D([], [], color=TARGET, linestyle="--", label="target"))
    if band is not None:
        handles.append(plt.Rectangle((0, 0), 1, 1, color=MUTED, alpha=0.35, label=band_label))
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), frameon=False,
               fontsize="small")
    note = f" (the first {len(shown)} of {len(groups)}; the ranking shows all)" if hidden else ""
    fig.suptitle(title + note, fontweight="bold", fontsize=12)
    fig.supylabel(unit_label(unit), fontsize="small")
    return axes.flatten()[:len(shown)]


def _role_legend(roles: pd.Series) -> list[tuple[str, str]]:
    """(colour, text) of each role in ``roles``, a rep without a role last."""
    kinds = {r if isinstance(r, str) else None for r in roles}
    return [(ROLE_COLOURS.get(r, NO_ROLE), f"{r or 'no role'} rep")
            for r in sorted(kinds, key=lambda r: (r is None, r or ""))]


def span(labels) -> str:
    """The periods ``labels`` cover, as a title says it: ``Dec 2024 - Nov 2025`` for
    months, ``2024-Q4 - 2025-Q3`` for quarters and weeks, one label when they are one."""
    known = sorted({str(v) for v in labels if pd.notna(v)})
    if not known:
        return ""
    ends = [_period_words(known[0]), _period_words(known[-1])]
    return ends[0] if ends[0] == ends[1] else f"{ends[0]} \u2013 {ends[1]}"


def _period_words(label: str) -> str:
    if re.fullmatch(r"\d{4}-\d{2}", label):
        return pd.Timestamp(f"{label}-01").strftime("%b %Y")
    return label


def against_target(data: pd.DataFrame, *, label: str = "label", actual: str = "actual",
                   target: str | float = "target", title: str, unit: str = "count",
                   cap: float | str | None = None, notes: str | None = None,
                   xlabel: str | None = None, ax=None):
    """Bars of ``actual`` per ``label`` against ``target``: a column (a red tick per bar)
    or one number for every bar (a red line, 1.0 for shares of target).

    Bars at or over target are blue, bars under it grey; a row without a target
    has no tick. A bar beyond ``cap`` stops there, hatched, with its value written at
    its end, so one outlier does not flatten the others (``"auto"``: twice the upper
    quartile, when the largest bar is beyond three times it). ``notes``: a column of text
    written where a row has no value (say, "target reached").
    """
    frame = data.reset_index(drop=True)
    ax = axes(ax, size=(8, max(2.5, 0.3 * len(frame) + 1)))
    goal = frame[target] if isinstance(target, str) else pd.Series(float(target), frame.index)
    met = (frame[actual] >= goal) | goal.isna()
    values = frame[actual].astype(float)
    if cap == "auto":
        cap = _outlier_cap(values, goal)
    shown = values.clip(upper=cap) if cap is not None else values
    bars = ax.barh(frame[label].astype(str), shown.fillna(0), color=np.where(met, ACTUAL, MUTED))
    if cap is not None:
        for bar, value in zip(bars, values):
            if pd.notna(value) and value > cap:
                bar.set_hatch("//")
                ax.annotate(f"{format_value(value, unit, short=True)} (beyond the axis)",
                            (cap, bar.get_y() + bar.get_height() / 2), xytext=(-4, 0),
                            textcoords="offset points", ha="right", va="center",
                            fontsize="small", color="#222",
                            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
        ax.set_xlim(0, cap * 1.02)
    if notes is not None:
        for bar, value, note in zip(bars, values, frame[notes]):
            if pd.isna(value) and isinstance(note, str):
                ax.annotate(note, (0, bar.get_y() + bar.get_height() / 2), xytext=(4, 0),
                            textcoords="offset points", va="center", fontsize="small",
                            color=MUTED)
    if isinstance(target, str):
        has = goal.notna()
        ax.scatter(goal[has], frame.loc[has, label].astype(str), marker="|", s=600,
                   color=TARGET, linewidths=3, label="target", zorder=3)
    else:
        has = pd.Series(True, frame.index)
        ax.axvline(float(target), color=TARGET, linestyle="--", label="target")
    ax.invert_yaxis()
    ax.set_xlabel(xlabel or unit_label(unit))
    format_axis(ax.xaxis, unit)
    ax.set_ylabel("")
    ax.set_title(title)
    if has.any():
        ax.legend(frameon=False, fontsize="small", loc="lower right")
    return ax


def _outlier_cap(values: pd.Series, goal: pd.Series) -> float | None:
    known = values.dropna()
    if len(known) < 3:
        return None
    upper = float(known.quantile(0.75))
    if upper <= 0 or known.max() <= 3 * upper:
        return None
    return max(2 * upper, float(goal.max()) * 1.1 if goal.notna().any() else 0.0)


def ranking(data: pd.DataFrame, *, value: str, label: str, highlight=None,
            role: str | None = None, unit: str = "count", title: str, ascending: bool = False,
            ax=None):
    """Groups ranked by ``value``, the ``highlight`` one (a label or list) in colour;
    ``role``: a column of roles colouring the bars (:data:`ROLE_COLOURS`)."""
    frame = data.sort_values(value, ascending=ascending, kind="stable").reset_index(drop=True)
    ax = axes(ax, size=(8, max(2.5, 0.28 * len(frame) + 1)))
    marked = frame[label].isin([highlight] if isinstance(highlight, str) else highlight or [])
    colours = (frame[role].map(ROLE_COLOURS).fillna(NO_ROLE) if role
               else pd.Series(ACTUAL, frame.index))
    ax.barh(frame[label].astype(str), frame[value], color=colours.where(~marked, HIGHLIGHT))
    ax.invert_yaxis()
    median = frame[value].median()
    handles = [plt.Rectangle((0, 0), 1, 1, color=colour, label=text)
               for colour, text in _role_legend(frame[role])] if role else []
    if pd.notna(median):
        handles.append(ax.axvline(median, color=MUTED, linestyle=":", label="median"))
    if handles:
        ax.legend(handles=handles, frameon=False, fontsize="small", loc="best")
    ax.set_xlabel(unit_label(unit))
    format_axis(ax.xaxis, unit)
    ax.set_ylabel("")
    ax.set_title(title)
    return ax


def weekly_prospecting(data: pd.DataFrame, *, x: str = "period", y: str = "new_prospects",
                       floor: float | None = None, title: str, ax=None):
    """Weekly new prospects as bars with the group's own mean and the team floor.

    A sawtooth shows as runs of high weeks followed by runs of empty ones.
    """
    ax = axes(ax)
    frame = data.reset_index(drop=True)
    ax.bar(frame[x].astype(str), frame[y], color=ACTUAL, label="new prospects")
    ax.axhline(frame[y].mean(), color=HIGHLIGHT, label="own weekly mean")
    if floor is not None:
        ax.axhline(floor, color=TARGET, linestyle="--", label="floor")
    step = max(1, len(frame) // 13)
    ax.set_xticks(range(0, len(frame), step), frame[x].astype(str)[::step], rotation=45,
                  ha="right")
    ax.set_xlabel("ISO week")
    ax.set_ylabel("new prospects (count)")
    ax.set_title(title)
    ax.legend(frameon=False, fontsize="small", ncols=3)
    return ax


def completeness(data: pd.DataFrame, *, table: str = "table", column: str = "column",
                 value: str = "filled", title: str, ax=None):
    """Share of rows with a value, per column of each table (1 = always filled)."""
    frame = data.reset_index(drop=True)
    names = frame[table].astype(str) + "." + frame[column].astype(str)
    ax = axes(ax, size=(8, max(2.5, 0.22 * len(frame) + 1)))
    ax.barh(names, frame[value], color=np.where(frame[value] < 1, HIGHLIGHT, ACTUAL))
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("rows with a value (%)")
    format_axis(ax.xaxis, "ratio")
    ax.set_title(title)
    return ax


trend.__doc__ = trend.__doc__.format(ax=_DOC_AX)
