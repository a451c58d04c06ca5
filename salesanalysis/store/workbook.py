"""The workbook: canonical tables in an embedded DuckDB file, reached through Ibis."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import duckdb
import ibis
import pandas as pd
from tqdm.auto import tqdm

from ..checks import check_choice, check_date
from ..layout import WORKBOOK_VARIABLE, find_workbook
from ..ingest.coerce import CoercionOptions, ident
from ..errors import DataValidationError, SourceError, UnknownNameError, WorkbookError
from ..ingest.validate import PROBLEM_COLUMNS, PROBLEMS, prepare_table, store_table
from ..ingest.mapping import load_mapping
from ..ingest.report import ImportReport
from ..schema import REQUIRED_TABLES, SCHEMAS, TABLE_ORDER
from ..ingest.sources import discover
from .frames import to_pandas

__all__ = ["Workbook", "open_workbook", "data_date"]

_IMPORTS = {
    "import_id": "BIGINT", "started_at": "TIMESTAMP", "finished_at": "TIMESTAMP",
    "as_of": "TIMESTAMP", "sources": "VARCHAR", "rows_read": "BIGINT",
    "accepted": "BIGINT", "rejected": "BIGINT", "flagged": "BIGINT",
}
_IMPORT_FILES = {
    "import_id": "BIGINT", "table_name": "VARCHAR", "source": "VARCHAR",
    "rows_read": "BIGINT", "accepted": "BIGINT", "rejected": "BIGINT",
    "flagged": "BIGINT", "unused_columns": "VARCHAR",
}
# rows ("*") and non-empty values per column of each table, kept up to date by imports
_PROFILE = {"table_name": "VARCHAR", "column_name": "VARCHAR", "non_null": "BIGINT"}
_PROBLEM_NAMES = {"table_name": "table", "column_name": "column"}
# the dates of what happened; planned activities and expected closes are not events
_EVENT_DATES = {
    "activities": "SELECT max(occurred_at) FROM activities WHERE status = 'done'",
    "opportunities": "SELECT greatest(max(created_at), max(closed_at), max(offer_sent_at)) "
                     "FROM opportunities",
    "opportunity_history": "SELECT max(changed_at) FROM opportunity_history "
                           "WHERE kind = 'change'",
    "orders": "SELECT greatest(max(ordered_at), max(invoiced_at)) FROM orders",
    "feedback": "SELECT greatest(max(received_at), max(resolved_at)) FROM feedback",
}


def latest_event(raw: duckdb.DuckDBPyConnection):
    """The latest date anything happened in the stored data, or None."""
    dates = [raw.execute(f"SELECT CAST(({sql}) AS TIMESTAMP)").fetchone()[0]
             for sql in _EVENT_DATES.values()]
    dates = [d for d in dates if d is not None]
    return max(dates) if dates else None


def _create(name: str, columns: dict[str, str]) -> str:
    cols = ", ".join(f"{ident(c)} {t}" for c, t in columns.items())
    return f"CREATE TABLE IF NOT EXISTS {ident(name)} ({cols})"


def _date_column(table: str) -> str | None:
    for col in SCHEMAS[table].columns:
        if col.dtype in ("date", "timestamp"):
            return col.name
    return "period" if table == "targets" else None


class Workbook:
    """Canonical sales tables in one DuckDB file.

    Open with :func:`open_workbook`; tables are Ibis expressions (``wb.activities``
    or ``wb.table("activities")``), ``wb.to_pandas(name)`` gives a DataFrame.
    """

    def __init__(self, backend, path: str, read_only: bool):
        self.con = backend
        self.path = path
        self.read_only = read_only
        self.last_import: ImportReport | None = None

    @property
    def _raw(self) -> duckdb.DuckDBPyConnection:
        return self.con.con

    # -- reading -----------------------------------------------------------------
    def table(self, name: str) -> ibis.Table:
        if name not in SCHEMAS:
            raise UnknownNameError(f"unknown table {name!r}; the canonical tables are: "
                           f"{', '.join(TABLE_ORDER)}")
        return self.con.table(name)

    def __getattr__(self, name: str):
        if name in SCHEMAS:
            return self.table(name)
        raise AttributeError(name)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(SCHEMAS))

    def to_pandas(self, name: str) -> pd.DataFrame:
        """A canonical table as a DataFrame, without the bookkeeping columns."""
        return to_pandas(self.table(name).drop("_import_id"))

    def row_counts(self) -> dict[str, int]:
        return {t: self._scalar(f"SELECT count(*) FROM {ident(t)}") for t in TABLE_ORDER}

    def imports(self) -> pd.DataFrame:
        return self._raw.execute("SELECT * FROM _imports ORDER BY import_id").df()

    def data_date(self) -> pd.Timestamp:
        """The date the data stands at, from the latest import of events (see
        :meth:`data_date_source`)."""
        return self.data_date_source()[0]

    def data_date_source(self) -> tuple[pd.Timestamp, str]:
        """(data date, where it comes from).

        The latest import that brought events (activities, deals, their history,
        orders, feedback) decides: its ``as_of`` when it was given one, else the latest
        event in the data. Imports of reps, targets, stages or the action log alone
        never move it. Without any, the latest event, else today.
        """
        events = ", ".join(f"'{t}'" for t in _EVENT_DATES)
        latest = self._raw.execute(
            "SELECT i.import_id, i.as_of FROM _imports i WHERE NOT EXISTS (SELECT 1 FROM "
            "_import_files f WHERE f.import_id = i.import_id) OR EXISTS (SELECT 1 FROM "
            f"_import_files f WHERE f.import_id = i.import_id AND f.table_name IN ({events})) "
            "ORDER BY i.import_id DESC LIMIT 1").fetchone()
        if latest is not None and latest[1] is not None:
            return (pd.Timestamp(latest[1]).normalize(),
                    f"the as-of date of import {latest[0]}")
        event = latest_event(self._raw)
        if event is not None:
            return pd.Timestamp(event).normalize(), "the latest event in the data"
        return pd.Timestamp.today().normalize(), "today (no events loaded)"

    def import_files(self) -> pd.DataFrame:
        return (self._raw.execute("SELECT * FROM _import_files ORDER BY import_id")
                .df().rename(columns=_PROBLEM_NAMES))

    def rejects(self, import_id: int | None = None) -> pd.DataFrame:
        """Rejected rows' problems, of one import or (None) of the latest one."""
        return self._problems("rejects", import_id)

    def flags(self, import_id: int | None = None) -> pd.DataFrame:
        """Accepted rows flagged for a missing optional reference."""
        return self._problems("flags", import_id)

    def _problems(self, table: str, import_id: int | None) -> pd.DataFrame:
        if import_id is None:
            import_id = self._scalar("SELECT max(import_id) FROM _imports")
        return (self._raw.execute(
            f"SELECT * FROM {table} WHERE import_id = ? ORDER BY table_name, source, row",
            [import_id]).df().rename(columns=_PROBLEM_NAMES))

    def column_counts(self) -> dict[str, dict[str, int]]:
        """Rows (``"*"``) and non-empty values per column of every canonical table.

        Kept by each import, so KPIs can say what data is missing without a scan.
        """
        cache = getattr(self, "_counts_cache", None)
        last = self._scalar("SELECT max(import_id) FROM _imports")
        if cache and cache[0] == last:
            return cache[1]
        counts: dict[str, dict[str, int]] = {t: {} for t in TABLE_ORDER}
        stored = self._raw.execute("SELECT * FROM _profile").fetchall() \
            if "_profile" in self.con.list_tables() else []
        for table, column, n in stored:
            counts[table][column] = n
        for table in TABLE_ORDER:
            if not counts[table]:
                counts[table] = _count_columns(self._raw, table)
        self._counts_cache = (last, counts)
        return counts

    def info(self) -> pd.DataFrame:
        """Row count and date range of every canonical table."""
        rows = []
        counts = self.row_counts()
        for table in TABLE_ORDER:
            col = _date_column(table)
            first = last = None
            if col:
                first, last = self._raw.execute(
                    f"SELECT min({ident(col)}), max({ident(col)}) FROM {ident(table)}"
                ).fetchone()
            rows.append({"table": table, "rows": counts[table], "date_column": col,
                         "first": first, "last": last})
        return pd.DataFrame(rows)

    def _scalar(self, sql: str, params=None):
        return self._raw.execute(sql, params or []).fetchone()[0]

    # -- writing -----------------------------------------------------------------
    def import_data(self, source, *, mapping=None, table: str | None = None,
                    strict: bool = False, dayfirst: bool | None = None,
                    decimal: str | None = None, encoding: str = "utf-8",
                    as_of: dt.date | str | None = None,
                    progress: bool = False) -> ImportReport:
        """Import every canonical table found in ``source``, all or nothing.

        source: a folder of CSV / Parquet files, a CSV, Parquet or Excel file (a
            sheet per table), a DuckDB file, a SQLAlchemy URL, or a dict of DataFrames
            keyed by table name.
        mapping: a mapping file (see ``templates/mappings/``); default identity.
        table: the canonical table a single file or DataFrame holds, when its name
            does not say.
        strict: raise :class:`DataValidationError` listing every problem instead of
            storing the good rows and recording the rejected ones.
        dayfirst, decimal: override the mapping's reading options.
        as_of: the date the data stands at (the data date) and of the opportunity
            snapshot this import records; default: the latest event in the data.

        Rows whose key is already stored replace the stored row, so importing the
        same data twice changes nothing. A failure leaves the workbook unchanged.
        """
        if self.read_only:
            raise WorkbookError(f"{self.path} is open read-only; open it with "
                                "read_only=False to import")
        check_choice(table, TABLE_ORDER, name="table", where="import_data", optional=True)
        check_choice(decimal, (".", ","), name="decimal", where="import_data", optional=True)
        mapping = load_mapping(mapping)
        options = CoercionOptions(
            dayfirst=mapping.dayfirst if dayfirst is None else bool(dayfirst),
            decimal=mapping.decimal if decimal is None else decimal)
        as_of = None if as_of is None else check_date(as_of, name="as_of",
                                                      where="import_data").to_pydatetime()
        started = dt.datetime.now()
        raw = self._raw
        import_id = (self._scalar("SELECT max(import_id) FROM _imports") or 0) + 1
        raw.execute(f"CREATE OR REPLACE TEMP TABLE {PROBLEMS} "
                    f"({', '.join(f'{ident(c)} {t}' for c, t in PROBLEM_COLUMNS.items())},"
                    " severity VARCHAR)")
        steps = None
        try:
            found, ignored = discover(raw, source, mapping, table=table, encoding=encoding)
            if not found:
                raise SourceError("no canonical table found in the source"
                                  + (f"; ignored: {'; '.join(ignored)}" if ignored else ""))
            tables = [t for t in TABLE_ORDER if t in found]
            steps = tqdm(total=2 * len(tables), desc="import", unit="step", disable=not progress)
            prepared, unreadable = [], []
            for name in tables:  # outside the transaction: only temporary tables change
                steps.set_postfix_str(f"reading {found[name].label}")
                try:
                    prepared.append(prepare_table(raw, found[name], SCHEMAS[name],
                                                  mapping.for_table(name), options,
                                                  import_id))
                except SourceError as exc:  # read the others too: say every file at once
                    unreadable.append(str(exc))
                steps.update()
            if unreadable:
                raise SourceError("\n".join(unreadable))
            # until a reps table is imported, deals and activities bring their reps
            add_reps = "reps" not in found and not self._scalar(
                "SELECT count(*) FROM _import_files WHERE table_name = 'reps'")
            raw.begin()
            try:
                results = []
                for item in prepared:
                    steps.set_postfix_str(f"storing {item.schema.name}")
                    results.append(store_table(raw, item, import_id, add_reps=add_reps))
                    steps.update()
                if "opportunities" in found:  # dated when the data stands, not today
                    self._snapshot(import_id, as_of or pd.Timestamp(
                        latest_event(raw) or dt.date.today()).normalize().to_pydatetime())
                problems = (raw.execute(f"SELECT * FROM {PROBLEMS} "
                                        "ORDER BY table_name, source, row")
                            .df().rename(columns=_PROBLEM_NAMES))
                errors = problems[problems["severity"] == "error"]
                if strict and len(errors):
                    raise DataValidationError(errors.drop(columns=["severity", "import_id"])
                                              .reset_index(drop=True))
                self._log(import_id, started, as_of, results,
                          also=["reps"] if add_reps else [])
                raw.commit()
            except duckdb.Error as exc:  # a full disk, a lost file: nothing was stored
                _rollback(raw)
                raise WorkbookError(f"{self.path}: the import could not be written "
                                    f"({str(exc).splitlines()[0]}); the workbook is "
                                    "unchanged") from None
            except BaseException:
                raw.rollback()
                raise
        finally:
            if steps is not None:
                steps.close()
            raw.execute("DETACH DATABASE IF EXISTS _source_db")
            for t in TABLE_ORDER:
                raw.execute(f"DROP TABLE IF EXISTS temp._typed_{t}")
        return ImportReport(import_id, results, problems.drop(columns="import_id"), ignored)

    def _snapshot(self, import_id: int, at: dt.datetime) -> None:
        """Record the imported opportunities as they stand today, for later slippage."""
        self._raw.execute(
            "DELETE FROM opportunity_history WHERE kind = 'snapshot' AND changed_at = ? "
            "AND opportunity_id IN (SELECT opportunity_id FROM opportunities "
            "WHERE _import_id = ?)", [at, import_id])
        self._raw.execute(
            "INSERT INTO opportunity_history (opportunity_id, changed_at, stage, amount, "
            "expected_close, kind, _import_id) SELECT opportunity_id, ?, stage, amount, "
            "expected_close, 'snapshot', ? FROM opportunities WHERE _import_id = ?",
            [at, import_id, import_id])

    def _log(self, import_id, started, as_of, results, also=()) -> None:
        raw = self._raw
        changed = {r.table for r in results} | set(also)
        if "opportunities" in changed:
            changed.add("opportunity_history")  # the snapshot
        for table in changed:
            raw.execute("DELETE FROM _profile WHERE table_name = ?", [table])
            raw.executemany("INSERT INTO _profile VALUES (?, ?, ?)",
                            [[table, c, n] for c, n in _count_columns(raw, table).items()])
        for severity, table in (("error", "rejects"), ("warning", "flags")):
            raw.execute(f"INSERT INTO {table} SELECT * EXCLUDE (severity) FROM {PROBLEMS} "
                        f"WHERE severity = '{severity}'")
        for r in results:
            raw.execute("INSERT INTO _import_files VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [import_id, r.table, r.source, r.rows_read, r.accepted, r.rejected,
                         r.flagged, json.dumps(r.unused_columns)])
        raw.execute(
            "INSERT INTO _imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [import_id, started, dt.datetime.now(), as_of,
             json.dumps([r.source for r in results]),
             sum(r.rows_read for r in results), sum(r.accepted for r in results),
             sum(r.rejected for r in results), sum(r.flagged for r in results)])

    # -- lifecycle ---------------------------------------------------------------
    @classmethod
    def from_frames(cls, frames: dict[str, pd.DataFrame] | None = None, *,
                    path: str | Path = ":memory:", **options) -> "Workbook":
        """A workbook built from pandas DataFrames keyed by table name.

        ``options`` are passed to :meth:`import_data` (mapping, strict, ...); the
        import report is kept as ``workbook.last_import``.
        """
        wb = open_workbook(path)
        try:
            wb.last_import = wb.import_data(frames or {}, **options)
        except BaseException:
            wb.close()
            raise
        return wb

    def close(self) -> None:
        self.con.disconnect()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def name(self) -> str:
        """The workbook's file name, without the folders: what a shared page shows."""
        return Path(self.path).name

    def __repr__(self) -> str:
        mode = "read-only" if self.read_only else "read-write"
        return f"<Workbook {self.path} ({mode})>"


def _rollback(raw: duckdb.DuckDBPyConnection) -> None:
    try:
        raw.rollback()
    except duckdb.Error:  # a failed commit may have ended the transaction already
        pass


def _stored_columns(raw: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return {r[0] for r in raw.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?",
        [table]).fetchall()}


def _count_columns(raw: duckdb.DuckDBPyConnection, table: str) -> dict[str, int]:
    # a read-only workbook from an earlier version may lack the columns added since
    cols = [c for c in SCHEMAS[table].column_names if c in _stored_columns(raw, table)]
    counts = raw.execute(f"SELECT count(*), {', '.join(f'count({ident(c)})' for c in cols)} "
                         f"FROM {ident(table)}").fetchone()
    return {c: 0 for c in SCHEMAS[table].column_names} | {"*": counts[0],
                                                          **dict(zip(cols, counts[1:]))}


def _ensure_schema(raw: duckdb.DuckDBPyConnection) -> None:
    for schema in SCHEMAS.values():
        columns = {c.name: c.sql_type for c in schema.columns} | {"_import_id": "BIGINT"}
        raw.execute(_create(schema.name, columns))
        # a workbook made by an earlier version gains the columns added since
        have = _stored_columns(raw, schema.name)
        for name, sql_type in columns.items():
            if name not in have:
                raw.execute(f"ALTER TABLE {ident(schema.name)} ADD COLUMN {ident(name)} "
                            f"{sql_type}")
    raw.execute(_create("_imports", _IMPORTS))
    raw.execute(_create("_import_files", _IMPORT_FILES))
    raw.execute(_create("_profile", _PROFILE))
    for table in ("rejects", "flags"):
        raw.execute(_create(table, PROBLEM_COLUMNS))


def data_date(workbook) -> pd.Timestamp:
    """:meth:`Workbook.data_date` of ``workbook``."""
    return workbook.data_date()


def _open_failure(exc: Exception, read_only: bool) -> str:
    text = str(exc)
    if "lock" not in text.lower():
        return f"is it a DuckDB workbook file? ({text.splitlines()[0]})"
    pid = re.search(r"PID (\d+)", text)
    who = f"another process (PID {pid.group(1)})" if pid else "another process"
    if read_only:
        return (f"{who} is writing to it (an import); try again when it has finished")
    return (f"{who} has it open (a notebook, a batch run or an import); a workbook takes "
            "imports only while nothing else has it open: close the others and try again")


def open_workbook(path: str | Path = ":memory:", *, read_only: bool = False) -> Workbook:
    """Open (or, unless ``read_only``, create) the workbook stored at ``path``.

    Many processes may open one workbook read-only at the same time (batch runs
    do); a read-write open holds it alone.
    """
    in_memory = str(path) == ":memory:"
    path = str(path if in_memory or not read_only else find_workbook(path))
    if not in_memory and Path(path).is_dir():
        raise WorkbookError(f"{path} is a folder; a workbook is a file, such as "
                            f"{Path(path) / 'sales.duckdb'}")
    if read_only and (in_memory or not Path(path).is_file()):
        raise WorkbookError(f"workbook not found: {path} (looked for from {Path.cwd()} and "
                            f"the folders above it); build one with `make demo` or "
                            f"`salesanalysis import`, or name it in ${WORKBOOK_VARIABLE}")
    if not in_memory and not read_only:
        try:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WorkbookError(f"cannot create the folder of workbook {path}: "
                                f"{exc.strerror or exc}") from None
    try:
        backend = ibis.duckdb.connect(path, read_only=read_only)
    except duckdb.IOException as exc:
        raise WorkbookError(f"cannot open workbook {path}: {_open_failure(exc, read_only)}"
                            ) from None
    # a long query in a batch worker or a notebook must not draw its own progress bar
    backend.con.execute("SET enable_progress_bar = false")
    # times with an offset are stored in UTC, whatever the machine's zone
    backend.con.execute("SET TimeZone = 'UTC'")
    if read_only:
        tables = set(backend.list_tables())
        missing = set(REQUIRED_TABLES) | {"_imports"}
        if not missing <= tables:
            backend.disconnect()
            raise WorkbookError(f"{path} is not a salesanalysis workbook "
                                f"(no {', '.join(sorted(missing - tables))} table)")
    else:
        _ensure_schema(backend.con)
    return Workbook(backend, path, read_only)
