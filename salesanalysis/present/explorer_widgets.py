"""The explorer's widgets drawn from a view: the breadcrumb, the sortable table whose
names drill down, and the answer to "why"."""

from __future__ import annotations

import html
from typing import Callable

import ipywidgets as w
import pandas as pd

from ..kpi.units import format_value
from . import explorer_parts as parts, plots
from .tiles import status

__all__ = ["breadcrumb", "table", "why"]


def breadcrumb(steps, *, on_up: Callable[[str], None]) -> tuple:
    """One button per ``(level, text)`` step; every step but the last goes back up."""
    buttons = []
    for i, (level, text) in enumerate(steps):
        button = w.Button(description=str(text), tooltip=f"back to this {level}",
                          layout=w.Layout(width="auto"), disabled=i == len(steps) - 1)
        button.on_click(lambda _, lv=level: on_up(lv))
        buttons.append(button)
    return tuple(buttons)


def table(view, frame: pd.DataFrame, *, sort: tuple[str, bool], period: str,
          on_sort: Callable[[str], None], on_drill: Callable[[str], None]) -> tuple:
    """The title and grid of ``frame`` (one row per member of the level below): headings
    sort, names drill into the member, the comparison cell is coloured by status."""
    columns = parts.columns(view, frame)
    cells = []
    for column, title in columns.items():
        mark = "" if sort[0] != column else " \u25b2" if sort[1] else " \u25bc"
        button = w.Button(description=title + mark, tooltip=f"sort by {title}",
                          layout=w.Layout(width="auto"))
        button.on_click(lambda _, c=column: on_sort(c))
        cells.append(button)
    units = parts.units(frame, view.unit)
    for row in frame.to_dict("records"):
        link = w.Button(description=str(row["name"]), tooltip=f"drill into {row['name']}",
                        layout=w.Layout(width="auto"))
        link.on_click(lambda _, m=row["member"]: on_drill(m))
        cells.append(link)
        state = status(row["actual"], row["reference"], direction=view.direction)
        for column in list(columns)[1:]:
            text = format_value(row[column], units[column], missing="unknown")
            if column == "change" and not pd.isna(row[column]):
                text = parts.signed(row[column], view.unit)
            cells.append(w.HTML(f'<span class="sa-cell {state if column == "vs_reference" else ""}">'
                                f"{html.escape(text)}</span>"))
    grid = w.GridBox(cells, layout=w.Layout(
        grid_template_columns=f"minmax(160px, 2fr) repeat({len(columns) - 1}, minmax(90px, 1fr))",
        grid_gap="2px 12px", width="100%"))
    title = w.HTML(f"<b>{view.label} per {view.child_level}, {period}</b> "
                   "(select a name to look at it)")
    return title, grid


def why(found) -> tuple:
    """What a gap explanation shows under the table; a sentence when it could not be
    explained (``found`` is then that sentence)."""
    if isinstance(found, str):
        return (w.HTML(f'<p class="sa-unavailable">{html.escape(found)}</p>'),)
    told = "".join(f"<li>{html.escape(t)}</li>" for t in found.sentences())
    return (
        w.HTML(f"<p><b>{html.escape(found.headline())}</b></p>"
               + (f'<p class="sa-note">{html.escape(found.note)}</p>' if found.note else "")
               + f"<ul>{told}</ul>"),
        w.Image(value=parts.png(lambda ax: plots.gap_bridge(found, ax=ax)), format="png"),
        w.Image(value=parts.png(lambda ax: plots.gap_segments(found, ax=ax)), format="png"))
