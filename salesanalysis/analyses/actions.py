"""The action log: actions agreed in a review, checked at the next one.

Actions live in the workbook's ``actions`` table. They are recorded from the findings of
a review (:func:`agree`), one by one (:func:`add`), or by editing an exported CSV or Excel
file and importing it back (:func:`export` / :func:`import_file`, the same as
``salesanalysis actions export`` / ``import``). :func:`follow_up` gives the next review
every earlier action with its status and whether its KPI moved the way it should.

Text is kept as text in the files written: in Excel a text cell is never a formula,
whatever it starts with, and a C0 control character (which an Excel file cannot hold)
is written as U+FFFD. :func:`add` and :func:`set_status` refuse such characters.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from . import findings as findings_module
from .. import kpi
from ..errors import InvalidArgumentError, SourceError, UnknownNameError
from ..ingest.csv_files import delimiter_of
from ..ingest.excel_files import sheet_names
from ..ingest.mapping import Mapping, TableMapping, normalize_name
from ..layout import safe_name
from ..kpi.periods import period_bounds
from ..kpi.registry import REGISTRY
from ..schema import ACTION_STATUSES, SCHEMAS
from ..store.frames import to_pandas

__all__ = ["COLUMNS", "SHEET", "CONTROL_CHARACTERS", "PLACEHOLDER", "from_findings",
           "record", "agree", "add", "log", "set_status", "export", "import_file",
           "follow_up", "check_text", "printable", "write_xlsx"]

COLUMNS = SCHEMAS["actions"].column_names
SHEET = "actions"
# the C0 control characters an Excel file cannot hold (tab, newline and CR it can)
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
PLACEHOLDER = "\ufffd"
# what a spreadsheet may read as the start of a formula
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# a CSV value export() guards with one leading quote (quotes already there included)
_GUARDED = re.compile(r"'*[=+\-@\t\r]")
# every other table gets a source name no sheet, file or table is called
_ACTIONS_ONLY = Mapping(tables={t: TableMapping(table=t, source="[not read by actions import]")
                                for t in SCHEMAS if t != "actions"}, by_headers=False)


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
            raise InvalidArgumentError(f"no finding {', '.join(unknown)} for {rep} in {period}; the "
                             f"findings are: {', '.join(found['rule']) or 'none'}")
        found = found[found["rule"].isin(only)]
    rows = from_findings(workbook, found)
    if len(rows):
        record(workbook, rows)
    return rows.reset_index(drop=True)


def add(workbook, *, rep: str, text: str, period: str | None = None, kpi_name: str | None = None,
        direction: str | None = None, owner: str | None = None, due=None,
        criterion: str | None = None, finding: str | None = None) -> str:
    """Record one action agreed without a finding; returns its id. Text holding a
    control character is refused (:class:`~salesanalysis.InvalidArgumentError`)."""
    for name, value in (("rep", rep), ("text", text), ("period", period), ("kpi", kpi_name),
                        ("direction", direction), ("owner", owner), ("due", due),
                        ("criterion", criterion), ("finding", finding)):
        check_text(name, value)
    known = set(REGISTRY) | set(findings_module.SPECIAL)
    if kpi_name is not None and kpi_name not in known:
        raise InvalidArgumentError(f"kpi must be a KPI name (salesanalysis.kpi.kpis()) or one of "
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
    frame = to_pandas(table.select(*[c for c in COLUMNS if c in table.columns]))
    frame = frame.reindex(columns=COLUMNS)
    return frame.sort_values(["created_at", "action_id"], kind="stable").reset_index(drop=True)


def _check_status(status):
    if status not in ACTION_STATUSES:
        raise InvalidArgumentError(f"status must be one of {', '.join(ACTION_STATUSES)}; got {status!r}")


def set_status(workbook, action_ids, status: str, *, notes: str | None = None) -> pd.DataFrame:
    """Mark actions done, dropped or open again, as reviewed today; returns them."""
    _check_status(status)
    check_text("notes", notes)
    ids = [action_ids] if isinstance(action_ids, str) else list(action_ids)
    current = log(workbook)
    unknown = sorted(set(ids) - set(current["action_id"]))
    if unknown:
        raise UnknownNameError(f"no action {', '.join(unknown)} in the log")
    rows = current[current["action_id"].isin(ids)].copy()
    rows["status"], rows["reviewed_at"] = status, _today(workbook)
    if notes is not None:
        rows["notes"] = notes
    record(workbook, rows)
    return rows.reset_index(drop=True)


def export(workbook, path, *, rep: str | None = None) -> Path:
    """Write the log to ``path`` (``.csv``, or ``.xlsx`` with a sheet ``actions``) for
    editing; :func:`import_file` reads it back, every text as it was.

    In the Excel file every text is a text cell, never a formula. In the CSV file a text
    a spreadsheet would take for a formula (starting with ``=``, ``+``, ``-``, ``@``, a
    tab or a CR, after any quotes ``'``) gets one more leading ``'``; :func:`import_file`
    removes exactly that one. Control characters are written as U+FFFD. The file is
    written beside ``path`` and renamed into place: it is whole or not there at all."""
    path = Path(path)
    frame = log(workbook, rep=rep)
    if path.suffix.lower() == ".xlsx":
        return write_xlsx(path, {SHEET: frame})
    if path.suffix.lower() != ".csv":
        raise InvalidArgumentError(f"export the action log to a .csv or .xlsx file, not {path.name!r}")
    guarded = _map_text(_map_text(frame, printable), _guard)
    return _write_whole(path, lambda part: guarded.to_csv(part, index=False))


def import_file(workbook, path):
    """Read an edited log back (CSV, or an Excel file with a sheet ``actions``, such as a
    filled-in meeting document): new rows are added, rows with a known ``action_id``
    replaced. Every bad value is refused at once, naming file, row and column.

    Only actions are read: the other sheets of an Excel file (``reps``, ``targets``, the
    meeting document's agenda) are left alone and listed as ignored. In a CSV file one
    leading ``'`` is removed from a value starting with quotes and then ``=``, ``+``,
    ``-``, ``@``, a tab or a CR: the guard :func:`export` adds."""
    path = Path(path)
    as_of = _today(workbook).date()
    if path.suffix.lower() == ".csv":
        with _unguarded(path) as source:
            return workbook.import_data(source, table="actions", strict=True, as_of=as_of)
    sheets = _sheet_names(path) if path.suffix.lower() in (".xlsx", ".xlsm") else None
    if sheets is not None and not any(normalize_name(s) == SHEET for s in sheets):
        raise SourceError(f"{path}: no sheet {SHEET!r}, so no action to import; an action "
                          f"log export or a meeting document has one (sheets: "
                          f"{', '.join(map(repr, sheets)) or 'none'})")
    report = workbook.import_data(path, mapping=_ACTIONS_ONLY, strict=True, as_of=as_of)
    if sheets is not None:
        report.ignored = [f"{path.name}[{s}] (only the {SHEET} sheet is read)"
                          for s in sheets if normalize_name(s) != SHEET]
    return report


def check_text(name: str, value) -> None:
    """Refuse ``value`` when it is text holding a control character; names ``name``."""
    found = CONTROL_CHARACTERS.search(value) if isinstance(value, str) else None
    if found:
        raise InvalidArgumentError(
            f"{name} must not contain control characters; got {value!r} (U+"
            f"{ord(found.group()):04X} at position {found.start() + 1})")


def printable(value):
    """``value`` with each control character replaced by U+FFFD; other values as given."""
    return CONTROL_CHARACTERS.sub(PLACEHOLDER, value) if isinstance(value, str) else value


def write_xlsx(path, sheets: dict[str, pd.DataFrame]) -> Path:
    """Write ``sheets`` ({name: frame}) to the Excel file ``path``: text stays text (a
    leading ``=`` makes no formula), control characters become U+FFFD, and the file is
    renamed into place once complete, so a failure leaves no truncated file."""
    def write(part):
        with pd.ExcelWriter(part, engine="openpyxl") as writer:
            for name, frame in sheets.items():
                _map_text(frame, printable).to_excel(writer, sheet_name=name, index=False)
                _keep_text(writer.sheets[name])
    return _write_whole(Path(path), write)


def _keep_text(sheet) -> None:
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith(_FORMULA_START):
                cell.data_type = "s"  # openpyxl takes any text starting with = for a formula
                cell.quotePrefix = True  # and Excel keeps it text when the cell is edited


def _write_whole(path: Path, write) -> Path:
    """Let ``write`` write a file beside ``path``, then rename it to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(f".{path.stem}.{uuid.uuid4().hex[:8]}.part{path.suffix}")
    try:
        write(part)
        os.replace(part, path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return path


def _map_text(frame: pd.DataFrame, function) -> pd.DataFrame:
    """``frame`` with ``function`` applied to every text value and column name."""
    out = frame.rename(columns=function)
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series):
            out[column] = series.map(function, na_action="ignore")
    return out


def _guard(value):
    return "'" + value if isinstance(value, str) and _GUARDED.match(value) else value


def _unguard(value: str) -> str:
    return value[1:] if value.startswith("'") and _GUARDED.match(value) else value


@contextmanager
def _unguarded(path: Path):
    """``path``, or when a value carries the guard of :func:`export` a copy of it under
    the same name (so messages name the same file and rows) without that guard."""
    copy = _unguarded_rows(path)
    if copy is None:
        yield path
        return
    delimiter, rows = copy
    with tempfile.TemporaryDirectory(prefix="salesanalysis-actions-") as folder:
        target = Path(folder) / path.name
        with target.open("w", encoding="utf-8", newline="") as f:
            csv.writer(f, delimiter=delimiter, lineterminator="\n").writerows(rows)
        yield target


def _unguarded_rows(path: Path):
    """(delimiter, rows without the guard), or None when nothing needs changing or the
    file cannot be parsed here (the import then reads it as it is, and says why)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeError):
        return None
    if not re.search(r"'[=+\-@\t\r']", text):
        return None
    header = text.split("\n", 1)[0]
    delimiter = delimiter_of(header)  # as the import picks it
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        return None
    return delimiter, [[_unguard(v) for v in row] for row in rows]


def _sheet_names(path: Path) -> list[str] | None:
    """The sheets an Excel file lists; None when it cannot say (the import then
    reports what is wrong with the file)."""
    try:
        return sheet_names(path)
    except SourceError:
        return None


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
