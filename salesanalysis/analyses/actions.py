"""The action log: actions agreed in a review, checked at the next one.

Actions live in the workbook's ``actions`` table. They are recorded from the findings of
a review (:func:`agree`), one by one (:func:`add`), or by editing an exported CSV or Excel
file and importing it back (:func:`export` / :func:`import_file`, the same as
``salesanalysis actions export`` / ``import``). :func:`follow_up` gives the next review
every earlier action with its status and whether its KPI moved the way it should.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from . import findings as findings_module
from .. import kpi
from ..layout import safe_name
from ..kpi.periods import period_bounds
from ..kpi.registry import REGISTRY
from ..schema import ACTION_STATUSES, SCHEMAS

__all__ = ["COLUMNS", "from_findings", "record", "agree", "add", "log", "set_status",
           "export", "import_file", "follow_up"]

COLUMNS = SCHEMAS["actions"].column_names
SHEET = "actions"


def _today(workbook) -> pd.Timestamp:
    return kpi.data_date(workbook)


def from_findings(workbook, found: pd.DataFrame) -> pd.DataFrame:
    """Rows of the action log for the actions ``found`` proposes (a :func:`findings.findings`
    frame, or some of its rows): one per finding, open, with its KPI's value now."""
    rows = pd.DataFrame({
        "action_id": [safe_name(f"{r.rep} {r.period} {r.rule} {r.kpi}")
                      for r in found.itertuples()],
        "rep_id": found["rep"], "created_at": _today(workbook), "period": found["period"],
        "finding": found["rule"], "text": found["action"], "owner": found["owner"],
        "due_at": pd.to_datetime(found["due"]), "kpi": found["kpi"],
        "kpi_before": found["actual"], "direction": found["direction"],
        "criterion": found["criterion"], "status": "open"})
    return rows.reindex(columns=COLUMNS)


def record(workbook, actions: pd.DataFrame):
    """Store ``actions`` (rows of the log; an ``action_id`` already stored is replaced).
    Every bad value is refused at once (:class:`~salesanalysis.DataValidationError`)."""
    return workbook.import_data({"actions": actions}, strict=True,
                                as_of=_today(workbook).date())


def agree(workbook, *, rep: str, period: str, rules=None, only=None) -> pd.DataFrame:
    """Record the actions the findings of ``rep``'s review of ``period`` propose (``only``:
    the rule names agreed; default all); returns the rows recorded."""
    found = findings_module.findings(workbook, rep=rep, period=period, rules=rules)
    if only is not None:
        unknown = sorted(set(only) - set(found["rule"]))
        if unknown:
            raise ValueError(f"no finding {', '.join(unknown)} for {rep} in {period}; the "
                             f"findings are: {', '.join(found['rule']) or 'none'}")
        found = found[found["rule"].isin(only)]
    rows = from_findings(workbook, found)
    if len(rows):
        record(workbook, rows)
    return rows.reset_index(drop=True)


def add(workbook, *, rep: str, text: str, period: str | None = None, kpi_name: str | None = None,
        direction: str | None = None, owner: str | None = None, due=None,
        criterion: str | None = None, finding: str | None = None) -> str:
    """Record one action agreed without a finding; returns its id."""
    known = set(REGISTRY) | set(findings_module.SPECIAL)
    if kpi_name is not None and kpi_name not in known:
        raise ValueError(f"kpi must be a KPI name (salesanalysis.kpi.kpis()) or one of "
                         f"{', '.join(findings_module.SPECIAL)}; got {kpi_name!r}")
    existing = set(log(workbook)["action_id"])
    n = 1  # the rep's own numbering: R004-A0001, R004-A0002 ...
    while f"{rep}-A{n:04d}" in existing:
        n += 1
    action_id = f"{rep}-A{n:04d}"
    before = _kpi_value(workbook, rep, period, kpi_name) if kpi_name and period else None
    record(workbook, pd.DataFrame([{
        "action_id": action_id, "rep_id": rep, "created_at": _today(workbook),
        "period": period, "finding": finding, "text": text, "owner": owner or rep,
        "due_at": due, "kpi": kpi_name,  # checked by the import, like any edited log
        "kpi_before": before, "direction": direction, "criterion": criterion,
        "status": "open"}], columns=COLUMNS))
    return action_id


def log(workbook, *, rep: str | None = None, status: str | None = None) -> pd.DataFrame:
    """The action log, oldest first; ``rep`` and ``status`` narrow it."""
    table = workbook.table("actions")
    if rep is not None:
        table = table.filter(table.rep_id == rep)
    if status is not None:
        _check_status(status)
        table = table.filter(table.status == status)
    # a read-only workbook from an earlier version may lack the columns added since
    frame = table.select(*[c for c in COLUMNS if c in table.columns]).to_pandas()
    frame = frame.reindex(columns=COLUMNS)
    return frame.sort_values(["created_at", "action_id"], kind="stable").reset_index(drop=True)


def _check_status(status):
    if status not in ACTION_STATUSES:
        raise ValueError(f"status must be one of {', '.join(ACTION_STATUSES)}; got {status!r}")


def set_status(workbook, action_ids, status: str, *, notes: str | None = None) -> pd.DataFrame:
    """Mark actions done, dropped or open again, as reviewed today; returns them."""
    _check_status(status)
    ids = [action_ids] if isinstance(action_ids, str) else list(action_ids)
    current = log(workbook)
    unknown = sorted(set(ids) - set(current["action_id"]))
    if unknown:
        raise KeyError(f"no action {', '.join(unknown)} in the log")
    rows = current[current["action_id"].isin(ids)].copy()
    rows["status"], rows["reviewed_at"] = status, _today(workbook)
    if notes is not None:
        rows["notes"] = notes
    record(workbook, rows)
    return rows.reset_index(drop=True)


def export(workbook, path, *, rep: str | None = None) -> Path:
    """Write the log to ``path`` (``.csv``, or ``.xlsx`` with a sheet ``actions``) for
    editing; :func:`import_file` reads it back."""
    path = Path(path)
    frame = log(workbook, rep=rep)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".xlsx":
        frame.to_excel(path, sheet_name=SHEET, index=False)
    elif path.suffix.lower() == ".csv":
        frame.to_csv(path, index=False)
    else:
        raise ValueError(f"export the action log to a .csv or .xlsx file, not {path.name!r}")
    return path


def import_file(workbook, path):
    """Read an edited log back (CSV, or an Excel file with a sheet ``actions``, such as a
    filled-in meeting document): new rows are added, rows with a known ``action_id``
    replaced. Every bad value is refused at once, naming file, row and column."""
    path = Path(path)
    table = "actions" if path.suffix.lower() == ".csv" else None
    return workbook.import_data(path, table=table, strict=True, as_of=_today(workbook).date())


def _kpi_value(workbook, rep, period, name, rules=None):
    """The rep's value of ``name`` in ``period``: the findings' evidence, else the KPI."""
    evidence = findings_module.evidence(workbook, rep=rep, period=period, rules=rules)
    row = evidence[evidence["kpi"] == name]
    if len(row):
        value = row["actual"].iloc[0]
        return None if pd.isna(value) else float(value)
    if name in REGISTRY:
        _, first, last = period_bounds(period)
        frame = kpi.compute(workbook, name, by="rep", start=first, end=last)
        value = frame.loc[frame["rep"] == rep, name]
        return float(value.iloc[0]) if len(value) and pd.notna(value.iloc[0]) else None
    return None


def follow_up(workbook, *, rep: str, period: str, rules=None) -> pd.DataFrame:
    """The actions agreed before ``period`` for ``rep``, each with its status, its KPI's
    value then (``kpi_before``) and in ``period`` (``kpi_now``), the change, and whether
    it moved the way it should (``moved``: yes, no, or empty when not measured)."""
    _, start, _ = period_bounds(period)
    earlier = log(workbook, rep=rep)
    agreed_for = pd.to_datetime(pd.Series(
        [period_bounds(p)[2] if isinstance(p, str) and p else pd.NaT for p in earlier["period"]],
        index=earlier.index, dtype="datetime64[us]"))
    before = agreed_for.fillna(pd.to_datetime(earlier["created_at"])) < start
    earlier = earlier[before.to_numpy(dtype=bool)].reset_index(drop=True)
    now = [_kpi_value(workbook, rep, period, name, rules) if isinstance(name, str) and name
           else None for name in earlier["kpi"]]
    earlier["kpi_now"] = pd.array(now, dtype="Float64")
    earlier["change"] = earlier["kpi_now"] - earlier["kpi_before"].astype("Float64")
    sign = earlier["direction"].map({"up": 1, "down": -1})
    moved = (earlier["change"] * sign.astype("Float64")) > 0
    earlier["moved"] = moved.map({True: "yes", False: "no"}).astype(object).where(
        moved.notna(), None)
    return earlier
