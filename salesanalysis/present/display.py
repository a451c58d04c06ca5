"""What the report notebooks show besides figures: a header, readable tables, and the
headline numbers a batch run collects into ``kpis.json`` and the index page.

User data (rep and customer names) is always escaped, so a hostile name shows as
text in Jupyter and in the exported HTML.
"""

from __future__ import annotations

import html
import json
import math
import re
from contextlib import contextmanager

import numpy as np
import pandas as pd
from IPython.display import HTML, display

from .. import kpi
from ..errors import MissingDataError
from ..kpi.units import format_value, use_currency
from ..layout import report_href
from ..reports import REPORTS
from ..reports.spec import folder_label

__all__ = ["header", "table", "record", "KPIS_MIME", "report_link", "Unavailable",
           "attempt", "need", "part", "section", "unjudged", "Table", "reason"]

KPIS_MIME = "application/vnd.salesanalysis.kpis+json"


def header(workbook, *, title: str, subject: str, period: str) -> HTML:
    """The report's heading: what, for whom, which period and the date of the data."""
    date = kpi.data_date(workbook).date()
    use_currency(workbook.settings().get("currency"))  # amounts on the page from here on
    return HTML(
        f'<div class="sa-header"><h1>{html.escape(title)}: {html.escape(subject)}</h1>'
        f"<p><b>Period</b> {html.escape(str(period))} &middot; <b>Data as of</b> {date}</p>"
        "</div>")


def _is_number(value) -> bool:
    return isinstance(value, (int, float, np.number)) and not isinstance(value, (bool, np.bool_))


def table(frame: pd.DataFrame, *, units: dict[str, str] | None = None,
          unit_column: str | None = None, columns: dict[str, str] | None = None,
          empty: str = "Nothing this period.") -> "Table":
    """A copy of ``frame`` with numbers formatted for reading.

    ``units`` maps columns to a unit (``currency``, ``ratio``, ``count`` ...);
    ``unit_column`` names a column holding each row's unit (a scorecard); those
    rows' numeric columns are formatted by it, and the column itself is not shown.
    Booleans read yes / no. ``columns`` renames columns for
    display; ``empty`` is what a table without rows says. The result shows every row
    and every word, and escapes every value.
    """
    out = frame.copy()
    units = dict(units or {})
    for col in out.columns:
        if pd.api.types.is_bool_dtype(out[col]):
            out[col] = out[col].map({True: "yes", False: "no"})
    if unit_column is not None:
        # numbers, also in a column that mixes them with words ("unknown")
        numeric = [c for c in out.columns if c not in units and c != unit_column
                   and (pd.api.types.is_numeric_dtype(out[c]) or out[c].dtype == object)]
        for col in numeric:
            out[col] = [format_value(v, u) if _is_number(v) else v
                        for v, u in zip(out[col], out[unit_column])]
        out = out.drop(columns=unit_column)  # it shows in how each number is written
    for col, unit in units.items():
        if col in out:
            out[col] = [format_value(v, unit) for v in out[col]]
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d").fillna("")
        elif out[col].dtype == object or isinstance(out[col].dtype, pd.StringDtype):
            # a text nobody recorded (a stage unknown at that date) reads as such
            out[col] = out[col].astype(object).where(out[col].notna(), "unknown")
    out = out.rename(columns=columns or {})
    out.columns = [str(c).replace("_", " ") for c in out.columns]
    return Table(out.reset_index(drop=True), empty=empty)


_NUMBER = ' class="sa-number"'
_NUMERIC_TEXT = re.compile(r"[-+]?[$€£¥₹]?\d[\d,]*(\.\d+)?(%|x| days| seconds| [A-Z]{3})?")


def _cell(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return html.escape(str(value))


def _reads_as_number(value) -> bool:
    """A number, a number as text (12,300 · 42.0% · 3.4x), or nothing."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)) or value is None or value is pd.NA or value is pd.NaT:
        return True
    return str(value) == "" or bool(_NUMERIC_TEXT.fullmatch(str(value).strip()))


class Table:
    """A formatted table as a report shows it: every row and every word, never cut by
    pandas' display limits. A long table shows its first rows, says how many there are,
    and holds the whole table in a collapsible section. Reads like its DataFrame
    (``.frame``) otherwise."""

    SHOWN = 10  # rows shown of a long table
    LONG = 15  # a table longer than this is folded

    def __init__(self, frame: pd.DataFrame, *, empty: str = "Nothing this period."):
        self.frame = frame
        self.empty = empty

    def __getattr__(self, name):
        return getattr(self.frame, name)

    def __getitem__(self, key):
        return self.frame[key]

    def __len__(self) -> int:
        return len(self.frame)

    def _html(self, frame: pd.DataFrame) -> str:
        """Text left, numbers right (a column whose every value reads as a number)."""
        numeric = [bool(len(frame)) and frame[c].map(_reads_as_number).all()
                   for c in frame.columns]
        head = "".join(f'<th{_NUMBER if n else ""}>{html.escape(str(c))}</th>'
                       for c, n in zip(frame.columns, numeric))
        body = "".join(
            "<tr>" + "".join(f'<td{_NUMBER if n else ""}>{_cell(v)}</td>'
                             for v, n in zip(row, numeric)) + "</tr>"
            for row in frame.itertuples(index=False))
        return (f'<table class="sa-table"><thead><tr>{head}</tr></thead>'
                f"<tbody>{body}</tbody></table>")

    def _repr_html_(self) -> str:
        rows = len(self.frame)
        if rows == 0:
            return f'<p class="sa-empty">{html.escape(self.empty)}</p>'
        if rows <= self.LONG:
            return self._html(self.frame)
        return (f"{self._html(self.frame.head(self.SHOWN))}"
                f'<p class="sa-more">{self.SHOWN} of {rows:,} rows</p>'
                f"<details><summary>All {rows:,} rows</summary>{self._html(self.frame)}"
                "</details>")

    def __repr__(self) -> str:
        return self.frame.to_string(index=False)


def record(*, units: dict | None = None, **values) -> None:
    """Hand headline numbers to the batch runner (``kpis.json``, the index page).

    Shown as nothing in Jupyter and in HTML; numbers must be plain numbers or None.
    ``units``: the unit of a number whose name does not say it (``{"gap": "ratio"}``),
    kept as ``units`` in ``kpis.json``.
    """
    clean = {k: (None if v is None or (isinstance(v, float) and math.isnan(v)) else
                 float(v) if not isinstance(v, str) else v) for k, v in values.items()}
    if units:
        clean["units"] = dict(units)
    json.dumps(clean)  # fail here, in the notebook, on a value that cannot be stored
    display({KPIS_MIME: clean, "text/plain": ""}, raw=True)


def report_link(report: str, *, rep: str, name: str, period: str, text: str,
                parameters: dict | None = None) -> HTML:
    """A link to another report of the same batch run for this rep: batch runs write
    ``<out>/<report>/<folder label>/<rep id and name>.html``, the label naming the
    ``parameters`` set away from the report's defaults."""
    spec = next(r.params for r in REPORTS if r.name == report)
    label = folder_label({"period": period, **(parameters or {})}, spec)
    href = report_href(report, rep=rep, name=name, period=period, label=label)
    return HTML(f'<p><a href="{html.escape(href)}">{html.escape(text)}</a></p>')


class Unavailable:
    """What a section shows in place of its content when the data lacks what it needs."""

    def __init__(self, reason: str):
        self.reason = reason

    def _repr_html_(self) -> str:
        return (f'<p class="sa-unavailable"><b>Not available:</b> '
                f"{html.escape(self.reason)}</p>")

    def __repr__(self) -> str:
        return f"Not available: {self.reason}"


def reason(exc: MissingDataError) -> str:
    """What the data lacks, said to the reader: "needs table orders (no rows loaded), for
    open_order_value" rather than the KPI layer's advice to choose other KPIs."""
    text = str(exc).split(". Import it")[0].rstrip(".")
    found = re.fullmatch(r"(.+?) cannot be computed: missing (.+)", text, re.S)
    if found:
        text = f"needs {found.group(2)}, for {found.group(1).replace('_', ' ')}"
    return text + "."


def attempt(func, *args, needs=(), **kwargs):
    """``func(*args, **kwargs)``, or :class:`Unavailable` saying what the data lacks
    (the first of ``needs`` that is unavailable itself, if any)."""
    for value in needs:
        if isinstance(value, Unavailable):
            return value
    try:
        return func(*args, **kwargs)
    except MissingDataError as exc:
        return Unavailable(reason(exc))


def part(context: dict, name: str):
    """Part ``name`` of a meeting context, or :class:`Unavailable` saying what it needs."""
    if name in context.get("missing", {}):
        return Unavailable(context["missing"][name])
    return context[name]


def need(*values) -> None:
    """Inside :func:`section`: stop the section when a value it uses is unavailable."""
    for value in values:
        if isinstance(value, Unavailable):
            raise MissingDataError(value.reason)


@contextmanager
def section():
    """Run a report section; when the data lacks what it needs, show one line saying so
    instead of failing the report."""
    try:
        yield
    except MissingDataError as exc:
        display(Unavailable(reason(exc)))


def unjudged(reasons: dict[str, str], *, word: str = "Not judged") -> None:
    """Say which rules (or parts of a section) the data could not judge, and what each
    needs, so a missing flag is not read as a clean bill of health."""
    if reasons:
        items = "; ".join(f"{name.replace('_', ' ')} (needs {needs})"
                          for name, needs in reasons.items())
        display(HTML(f'<p class="sa-unavailable"><b>{html.escape(word)}:</b> '
                     f"{html.escape(items)}.</p>"))
