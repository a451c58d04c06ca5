"""The batch's front page: every report with its headline numbers, failures first."""

from __future__ import annotations

import html
import json
import os
from pathlib import Path

import pandas as pd

from ..kpi.units import format_value
from ..layout import INDEX_FILE, RUNS_FILE

__all__ = ["RUNS_FILE", "collect_runs", "merge_runs", "write_index"]

_RATIOS = ("attainment", "rate", "share")

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
table { border-collapse: collapse; margin-bottom: 2em; font-size: 14px; }
th, td { border-bottom: 1px solid #ddd; padding: 4px 10px; text-align: left; }
td.n { text-align: right; } .failed { color: #b00020; }
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


def _number(name: str, value) -> str:
    unit = "ratio" if any(r in name for r in _RATIOS) else "count"
    return html.escape(format_value(value, unit))


def _link(out: Path, outputs: str, suffix: str) -> str | None:
    for item in str(outputs or "").split(";"):
        if item.endswith(suffix):  # relative to out; absolute in older tables
            return os.path.relpath(item, out) if os.path.isabs(item) else item
    return None


def write_index(out, runs: pd.DataFrame) -> Path:
    """``out/index.html``: one table per notebook and period, linking each report."""
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
            target = _link(out, row.outputs, ".ipynb")
            name = html.escape(str(row.title))
            cell = "" if pd.isna(row.failing_cell) else str(row.failing_cell)
            parts.append(f"<tr class='failed'><td>{_anchor(target, name)}</td><td>{cell}</td>"
                         f"<td>{html.escape(str(row.error))}</td></tr>")
        parts.append("</table>")
    for (notebook, period), group in (runs.groupby(["notebook", "period"], sort=True)
                                      if len(runs) else []):
        kpis = [json.loads(k) if isinstance(k, str) else {} for k in group["kpis"]]
        names = list(dict.fromkeys(n for k in kpis for n in k))
        parts.append(f"<h2>{html.escape(str(notebook).replace('_', ' '))}, "
                     f"{html.escape(str(period))}</h2><table><tr><th>report</th><th>status</th>"
                     + "".join(f"<th>{html.escape(n.replace('_', ' '))}</th>" for n in names)
                     + "</tr>")
        for row, numbers in zip(group.itertuples(), kpis):
            target = _link(out, row.outputs, ".html") or _link(out, row.outputs, ".ipynb")
            cells = "".join(f"<td class='n'>{_number(n, numbers.get(n))}</td>" for n in names)
            parts.append(f"<tr><td>{_anchor(target, html.escape(str(row.title)))}</td>"
                         f"<td>{html.escape(str(row.status))}</td>{cells}</tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    path = out / INDEX_FILE
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def _anchor(target: str | None, text: str) -> str:
    return f"<a href='{html.escape(target, quote=True)}'>{text}</a>" if target else text
