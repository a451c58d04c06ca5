"""What the report notebooks show besides figures: a header, readable tables, and the
headline numbers a batch run collects into ``kpis.json`` and the index page.

User data (rep and customer names) is always escaped, so a hostile name shows as
text in Jupyter and in the exported HTML.
"""

from __future__ import annotations

import html
import json
import math

import pandas as pd
from IPython.display import HTML, display

from .. import kpi
from ..kpi.units import format_value
from ..layout import report_href

__all__ = ["header", "table", "record", "KPIS_MIME", "report_link"]

KPIS_MIME = "application/vnd.salesanalysis.kpis+json"


def header(workbook, *, title: str, subject: str, period: str) -> HTML:
    """The report's heading: what, for whom, which period and the date of the data."""
    date = kpi.data_date(workbook).date()
    return HTML(
        f'<div class="sa-header"><h1>{html.escape(title)}: {html.escape(subject)}</h1>'
        f"<p><b>Period</b> {html.escape(str(period))} &middot; <b>Data as of</b> {date}</p>"
        "</div>")


def table(frame: pd.DataFrame, *, units: dict[str, str] | None = None,
          unit_column: str | None = None, columns: dict[str, str] | None = None) -> pd.DataFrame:
    """A copy of ``frame`` with numbers formatted for reading.

    ``units`` maps columns to a unit (``currency``, ``ratio``, ``count`` ...);
    ``unit_column`` names a column holding each row's unit (a scorecard); those
    rows' numeric columns are formatted by it. ``columns`` renames columns for
    display. The result is shown by pandas, which escapes every value.
    """
    out = frame.copy()
    units = dict(units or {})
    if unit_column is not None:
        numeric = [c for c in out.columns if c not in units and c != unit_column
                   and pd.api.types.is_numeric_dtype(out[c])]
        for col in numeric:
            out[col] = [format_value(v, u) for v, u in zip(out[col], out[unit_column])]
    for col, unit in units.items():
        if col in out:
            out[col] = [format_value(v, unit) for v in out[col]]
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d").fillna("")
    out = out.rename(columns=columns or {})
    out.columns = [str(c).replace("_", " ") for c in out.columns]
    return out.reset_index(drop=True)


def record(**values) -> None:
    """Hand headline numbers to the batch runner (``kpis.json``, the index page).

    Shown as nothing in Jupyter and in HTML; numbers must be plain numbers or None.
    """
    clean = {k: (None if v is None or (isinstance(v, float) and math.isnan(v)) else
                 float(v) if not isinstance(v, str) else v) for k, v in values.items()}
    json.dumps(clean)  # fail here, in the notebook, on a value that cannot be stored
    display({KPIS_MIME: clean, "text/plain": ""}, raw=True)


def report_link(report: str, *, rep: str, name: str, period: str, text: str) -> HTML:
    """A link to another report of the same batch run for this rep: batch runs write
    ``<out>/<report>/<period>/<rep id and name>.html``."""
    href = report_href(report, rep=rep, name=name, period=period)
    return HTML(f'<p><a href="{html.escape(href)}">{html.escape(text)}</a></p>')
