"""The batch's front page: every report with its headline numbers, failures first."""

from __future__ import annotations

import html
import json
import os
from pathlib import Path

import pandas as pd

from .. import kpi
from ..errors import UnknownNameError
from ..kpi.units import format_value
from ..present.tiles import status
from ..layout import INDEX_FILE, RUNS_FILE

__all__ = ["RUNS_FILE", "collect_runs", "merge_runs", "write_index"]

_RATIOS = ("attainment", "rate", "share")
# the documents written beside a review, in the order a manager uses them
_PACK = (("agenda", ".agenda.md"), ("action plan", ".action-plan.html"),
         ("meeting workbook", ".meeting.xlsx"))
# the reports in the order a manager uses them
_ORDER = ("rep_review", "gap_analysis", "team_trends", "pipeline_health", "data_quality")
_HEADERS = {"revenue_target": "Revenue target", "developments": "Points to develop",
            "strengths": "Strengths", "attainment": "Attainment", "team": "Team",
            "metric_total": "Team total", "on_target": "Reps on target", "reps": "Reps",
            "disqualify": "Deals to disqualify", "open_due": "Open deals due",
            "remaining": "Target still to win", "sawtooth_reps": "Reps prospecting in bursts",
            "kpis_available": "KPIs the data allows", "kpis_missing": "KPIs it does not",
            "rejected": "Rows rejected", "baseline": "Baseline", "actual": "Actual",
            "gap": "Gap", "segments": "Segments that explain it"}

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }
table { border-collapse: collapse; margin-bottom: 2em; font-size: 14px; }
th, td { border-bottom: 1px solid #ddd; padding: 4px 10px; text-align: left; }
th { cursor: pointer; user-select: none; } th[aria-sort="ascending"]::after { content: " \\25B2"; }
th[aria-sort="descending"]::after { content: " \\25BC"; }
td.n { text-align: right; } .failed { color: #b00020; }
td.on_track { background: #e6f4ea; } td.at_risk { background: #fff4e0; }
td.behind { background: #fde8e8; }
.docs a { margin-right: 0.6em; white-space: nowrap; } td:first-child { white-space: nowrap; }
input.filter { margin: 0 0 0.5em; padding: 3px 6px; width: 260px; }
"""

# sorting by a column's header and filtering by any text, offline: no external script
_SCRIPT = """
document.querySelectorAll('table.sortable').forEach(function (table) {
  var body = table.tBodies[0];
  table.querySelectorAll('th').forEach(function (th, col) {
    th.addEventListener('click', function () {
      var up = th.getAttribute('aria-sort') !== 'ascending';
      table.querySelectorAll('th').forEach(function (h) { h.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', up ? 'ascending' : 'descending');
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[col].getAttribute('data-sort'), y = b.cells[col].getAttribute('data-sort');
        var nx = parseFloat(x), ny = parseFloat(y);
        var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : String(x).localeCompare(String(y));
        return up ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
document.querySelectorAll('input.filter').forEach(function (input) {
  input.addEventListener('input', function () {
    var table = document.getElementById(input.getAttribute('data-table'));
    var word = input.value.toLowerCase();
    Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
      r.style.display = r.textContent.toLowerCase().indexOf(word) < 0 ? 'none' : '';
    });
  });
});
"""


def _read_runs(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"failing_cell": "Int64"})


def merge_runs(folder, table: pd.DataFrame) -> pd.DataFrame:
    """``table`` written into ``folder/runs.csv`` over the batches run there before: a
    report run again replaces its earlier row, every report this batch left alone keeps
    its own, failures included. Returns the merged table."""
    path = Path(folder) / RUNS_FILE
    if path.is_file():
        earlier = _read_runs(path)
        table = pd.concat([earlier[~earlier["name"].isin(table["name"])], table],
                          ignore_index=True).sort_values("name", kind="stable",
                                                         ignore_index=True)
    table.to_csv(path, index=False)
    return table


def collect_runs(out) -> pd.DataFrame:
    """Every batch's status table under ``out`` in one, also written to ``out/runs.csv``."""
    out = Path(out)
    tables = [_read_runs(p) for p in sorted(out.glob(f"*/*/{RUNS_FILE}"))]
    runs = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
    runs.to_csv(out / RUNS_FILE, index=False)
    return runs


def _number(name: str, value, units: dict) -> str:
    if isinstance(value, str):
        return html.escape(value)
    unit = units.get(name) or ("ratio" if any(r in name for r in _RATIOS) else "count")
    return html.escape(format_value(value, unit))


def _heading(notebook: str, label: str, parameters) -> str:
    """``Gap analysis, 2025-Q2, win rate``: the report, its period, then what the batch
    set away from the defaults (the folder label after the period)."""
    period = json.loads(parameters).get("period") if isinstance(parameters, str) else None
    rest = label[len(period) + 1:] if period and label.startswith(f"{period}-") else ""
    words = [str(notebook).replace("_", " ").capitalize(), period or label,
             *(p.replace("_", " ") for p in rest.split("-") if p)]
    return ", ".join(words)


def _header(name: str) -> str:
    if name in _HEADERS:
        return _HEADERS[name]
    try:
        return kpi.get(name).label
    except UnknownNameError:  # a number a notebook of one's own records
        return name.replace("_", " ").capitalize()


def _link(out: Path, outputs: str, suffix: str) -> str | None:
    for item in str(outputs or "").split(";"):
        if item.endswith(suffix):  # relative to out; absolute in older tables
            return os.path.relpath(item, out) if os.path.isabs(item) else item
    return None


def _documents(out: Path, row, runs: pd.DataFrame) -> str:
    """Links to the documents of a review's pack, and to the same rep's gap analysis."""
    links = []
    gap = runs[(runs["notebook"] == "gap_analysis") & (runs["period"] == row.period)
               & (runs["name"] == row.name)]
    if len(gap):
        target = _link(out, gap["outputs"].iloc[0], ".html")
        links.append(_anchor(target, "gap analysis"))
    for text, suffix in _PACK:
        target = _link(out, row.outputs, suffix)
        if target:
            links.append(_anchor(target, text))
    return "".join(links)


def _sort_key(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return html.escape(str(value), quote=True)


def write_index(out, runs: pd.DataFrame) -> Path:
    """``out/index.html``: one table per notebook and period, linking each report and the
    documents beside it; sortable by any column and filterable, offline."""
    out = Path(out)
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
             f"<title>Sales reports</title><style>{_STYLE}</style></head><body>",
             "<h1>Sales reports</h1>"]
    failed = runs[runs["status"] != "ok"] if len(runs) else runs
    parts.append(f"<p>{len(runs)} report(s), {len(failed)} failed.</p>")
    if len(failed):
        parts.append("<h2 class='failed'>Failed runs</h2><table><tr><th>report</th>"
                     "<th>cell</th><th>error</th></tr>")
        for row in failed.itertuples():
            target = _link(out, row.outputs, ".html") or _link(out, row.outputs, ".ipynb")
            name = html.escape(str(row.title))
            cell = "" if pd.isna(row.failing_cell) else str(row.failing_cell)
            parts.append(f"<tr class='failed'><td>{_anchor(target, name)}</td><td>{cell}</td>"
                         f"<td>{html.escape(str(row.error))}</td></tr>")
        parts.append("</table>")
    groups = sorted(runs.groupby(["notebook", "period"], sort=True) if len(runs) else [],
                    key=lambda g: (_ORDER.index(g[0][0]) if g[0][0] in _ORDER
                                   else len(_ORDER), g[0][0], str(g[0][1])))
    for number, ((notebook, period), group) in enumerate(groups):
        kpis = [json.loads(k) if isinstance(k, str) else {} for k in group["kpis"]]
        units = {n: u for k in kpis for n, u in k.pop("units", {}).items()}
        names = list(dict.fromkeys(n for k in kpis for n in k))
        names = ["team"] * ("team" in names) + [n for n in names if n != "team"]
        packs = notebook == "rep_review"
        table_id = f"t{number}"
        heading = _heading(notebook, str(period), group["parameters"].iloc[0]
                           if "parameters" in group else None)
        parts.append(f"<h2>{html.escape(heading)}</h2>"
                     f"<input class='filter' type='search' placeholder='Filter' "
                     f"aria-label='Filter the table' data-table='{table_id}'>"
                     f"<table class='sortable' id='{table_id}'><thead><tr><th>Report</th>"
                     "<th>Status</th>" + "".join(f"<th>{html.escape(_header(n))}</th>"
                                                 for n in names)
                     + ("<th>Documents</th>" if packs else "") + "</tr></thead><tbody>")
        for row, numbers in zip(group.itertuples(), kpis):
            target = _link(out, row.outputs, ".html") or _link(out, row.outputs, ".ipynb")
            cells = "".join(
                f"<td class='{'n ' if not isinstance(numbers.get(n), str) else ''}"
                f"{_colour(n, numbers)}' data-sort='{_sort_key(numbers.get(n))}'>"
                f"{_number(n, numbers.get(n), units)}</td>" for n in names)
            # the heading names the report; each row its rep, team or scope
            title = html.escape(str(row.title).split(": ", 1)[-1])
            docs = (f"<td class='docs'>{_documents(out, row, runs)}</td>" if packs else "")
            parts.append(f"<tr><td data-sort='{html.escape(str(row.title), quote=True)}'>"
                         f"{_anchor(target, title)}</td>"
                         f"<td data-sort='{html.escape(str(row.status))}'>"
                         f"{html.escape(str(row.status))}</td>{cells}{docs}</tr>")
        parts.append("</tbody></table>")
    parts.append(f"<script>{_SCRIPT}</script></body></html>")
    path = out / INDEX_FILE
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def _colour(name: str, numbers: dict) -> str:
    """The attainment cell's status colour, by the thresholds the review's tiles use."""
    if name != "attainment" or not isinstance(numbers.get(name), (int, float)):
        return ""
    found = status(numbers[name], 1.0)
    return "" if found == "none" else found


def _anchor(target: str | None, text: str) -> str:
    return f"<a href='{html.escape(target, quote=True)}'>{text}</a>" if target else text
