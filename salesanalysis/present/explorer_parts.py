"""What the explorer draws from a :class:`~salesanalysis.reports.explorer.View`: tiles,
the trend, the table's headings, and the small formatting helpers its widgets share."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from .. import kpi
from ..kpi.registry import REGISTRY
from ..kpi.units import format_value
from ..reports import explorer as ex
from . import plots
from .display import table as readable
from .tiles import Tile, Tiles, status

__all__ = ["tiles", "trend", "columns", "units", "png", "signed", "offer",
           "filter_words", "static_page", "formula", "save"]


def tiles(view) -> Tiles:
    """The tiles of ``view``: the KPI against the comparison, the other close rate
    beside a close rate."""
    selection = view.selection
    comparison = selection.comparison
    shown = []
    for row in view.tiles.to_dict("records"):
        value = format_value(row["actual"], row["unit"], missing="unknown")
        rate = _rate_parts(row)
        if row["kpi"] != selection.kpi:
            shown.append(Tile(f"{row['label']}, {row['period']}", value, parts=rate))
            continue
        reference = row.get(comparison)
        words = ex.COMPARISON_WORDS[comparison]
        if pd.isna(reference):
            shown.append(Tile(f"{row['label']}, {row['period']}", value, parts=rate,
                              reference=f"no {words} to compare with"))
            continue
        change = row["actual"] - reference
        share = "" if not reference else f" ({row['actual'] / reference:.0%})"
        growth = "" if not reference else f", {change / abs(reference):+.0%}"
        shown.append(Tile(
            f"{row['label']}, {row['period']}", value, parts=rate,
            reference=f"{words} {format_value(reference, row['unit'])}"
            + (share if comparison == "target" else ""),
            change=f"{signed(change, row['unit'])} against the {words}{growth}",
            status=status(row["actual"], reference, direction=row["direction"])))
    return Tiles(shown)


def trend(view, *, ax):
    """The trend of ``view`` with its target and comparison lines."""
    selection = view.selection
    frame = view.trend
    comparison = selection.comparison
    return plots.trend(
        frame, y=selection.kpi, unit=view.unit,
        target="target" if frame["target"].notna().any() else None,
        compare=None if comparison == "target" else comparison,
        compare_label=ex.COMPARISON_WORDS[comparison],
        title=f"{view.label} of {view.scope}{filter_words(selection)}, "
              f"{plots.span(frame['period'])}", ax=ax)


def columns(view, frame) -> dict[str, str]:
    """Column -> heading of the table one level down."""
    words = ex.COMPARISON_WORDS[view.selection.comparison]
    columns = {"name": view.child_level.title(), "actual": view.label}
    if "numerator" in frame:
        columns |= {"numerator": "numerator", "denominator": "denominator"}
    short = {"target": "target", "previous": "previous", "last_year": "last year"}
    return columns | {"reference": words.capitalize(), "change": "Change",
                      "vs_reference": f"% of {short[view.selection.comparison]}"}


def static_page(view, table: pd.DataFrame, *, notes: str, tiles: str, chart: bytes) -> str:
    """``view`` as HTML: what is selected, ``notes`` (or its message), ``tiles``, the
    ``chart`` (PNG) and ``table`` (sorted as shown)."""
    s = view.selection
    chosen = (f"<p class='sa-selection'><b>{html.escape(view.label or s.kpi)}</b> of "
              f"{html.escape(view.scope)}{html.escape(filter_words(s))} &middot; "
              f"{s.grain}s {s.first} to {s.last} &middot; compared with the "
              f"{ex.COMPARISON_WORDS[s.comparison]}</p>")
    if view.message:
        return chosen + notes
    body = ""
    if not table.empty:
        headings = columns(view, table)
        shown = table.drop(columns=["level", "member"]).rename(columns=headings)
        body = (f"<h3>{html.escape(view.label)} per {view.child_level}, {s.last}</h3>"
                + readable(shown, units={headings[c]: u for c, u in
                                         units(table, view.unit).items()})._repr_html_())
    picture = base64.b64encode(chart).decode()
    return (chosen + notes + tiles + f'<img alt="{html.escape(view.label)} trend" '
            f'src="data:image/png;base64,{picture}">' + body)


def formula(words: str, unit: str) -> str:
    """How the KPI is computed and its unit, one line under its name."""
    return (f'<span class="sa-formula">{html.escape(words)} &middot; unit: '
            f'{html.escape(plots.UNIT_LABELS.get(unit, unit))}</span>')


def save(frame: pd.DataFrame, stem: Path, *, kind: str, sheet: str) -> Path:
    """``frame`` written to ``stem`` + ``.xlsx`` (one sheet) or ``.csv``; the path."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    if kind == "xlsx":
        path = stem.with_name(stem.name + ".xlsx")
        frame.to_excel(path, index=False, sheet_name=sheet[:31])
    else:
        path = stem.with_name(stem.name + ".csv")
        frame.to_csv(path, index=False)
    return path


def offer(dropdown, options) -> None:
    """New ``options`` for ``dropdown``, keeping its value when it is still offered, else
    the first option (a dropdown given options keeps no choice otherwise)."""
    value = dropdown.value
    dropdown.options = options
    dropdown.value = value if value in {v for _, v in options} else options[0][1]


def filter_words(selection) -> str:
    return "".join(f", {d} {v}" for d, v in selection.filters)


def _rate_parts(row) -> str:
    if row.get("numerator") is None or pd.isna(row.get("denominator")):
        return ""
    spec = kpi.get(row["kpi"])
    return (f"{format_value(row['numerator'], 'count')} {_measure_words(spec.numerator)} of "
            f"{format_value(row['denominator'], 'count')} {_measure_words(spec.denominator)}")


def _measure_words(name: str) -> str:
    known = REGISTRY.get(name)
    return (known.label if known else name.replace("_", " ")).lower()


def units(frame, unit) -> dict[str, str]:
    out = {"actual": unit, "reference": unit, "change": unit, "vs_reference": "ratio"}
    if "numerator" in frame:
        out |= {"numerator": "count", "denominator": "count"}
    return out


def signed(value, unit) -> str:
    text = format_value(abs(value), unit)
    return ("+" if value > 0 else "-" if value < 0 else "") + text


def png(draw) -> bytes:
    """A figure drawn by ``draw(ax)`` as PNG bytes (the figure is closed)."""
    fig, ax = plt.subplots(figsize=(8.4, 3.4))
    try:
        draw(ax)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", bbox_inches="tight", dpi=96)
        return buffer.getvalue()
    finally:
        plt.close(fig)
