"""The workbook: canonical tables in an embedded DuckDB file, reached through Ibis."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb
import ibis
import pandas as pd

from ..errors import WorkbookError
from ..ingest.coerce import ident
from ..ingest.report import ImportReport
from ..ingest.validate import PROBLEM_COLUMNS
from ..layout import WORKBOOK_VARIABLE, find_workbook
from ..schema import REQUIRED_TABLES, SCHEMAS, TABLE_ORDER
from .dates import data_date_source
from .tables import CanonicalTables
from .importer import PROBLEM_NAMES, count_columns, run_import, stored_columns

__all__ = ["Workbook", "open_workbook", "data_date"]

_IMPORTS = {
    "import_id": "BIGINT", "started_at": "TIMESTAMP", "finished_at": "TIMESTAMP",
    "as_of": "TIMESTAMP", "sources": "VARCHAR", "rows_read": "BIGINT",
    "accepted": "BIGINT", "rejected": "BIGINT", "flagged": "BIGINT",
}
_IMPORT_FILES = {
    "import_id": "BIGINT", "table_name": "VARCHAR", "source": "VARCHAR",
    "rows_read": "BIGINT", "accepted": "BIGINT", "rejected": "BIGINT",
    "flagged": "BIGINT", "unused_columns": "VARCHAR", "excluded": "BIGINT",
}
# rows ("*") and non-empty values per column of each table, kept up to date by imports
_PROFILE = {"table_name": "VARCHAR", "column_name": "VARCHAR", "non_null": "BIGINT"}
_SETTINGS = {"key": "VARCHAR", "value": "VARCHAR"}
def _create(name: str, columns: dict[str, str]) -> str:
    cols = ", ".join(f"{ident(c)} {t}" for c, t in columns.items())
    return f"CREATE TABLE IF NOT EXISTS {ident(name)} ({cols})"


def _date_column(table: str) -> str | None:
    for col in SCHEMAS[table].columns:
        if col.dtype in ("date", "timestamp"):
            return col.name
    return "period" if table == "targets" else None


class Workbook(CanonicalTables):
    """Canonical sales tables in one DuckDB file.

    Open with :func:`open_workbook`; tables are Ibis expressions (``wb.activities``
    or ``wb.table("activities")``), ``wb.to_pandas(name)`` gives a DataFrame.
    """

    def __init__(self, backend, path: str, read_only: bool):
        self.con = backend
        self.path = path
        self.read_only = read_only
        self.last_import: ImportReport | None = None
        self._cache: dict = {}

    @property
    def _raw(self) -> duckdb.DuckDBPyConnection:
        return self.con.con

    # -- reading (table, to_pandas: CanonicalTables) ----------------------------------
    def row_counts(self) -> dict[str, int]:
        return {t: self._scalar(f"SELECT count(*) FROM {ident(t)}") for t in TABLE_ORDER}

    def imports(self) -> pd.DataFrame:
        return self._raw.execute("SELECT * FROM _imports ORDER BY import_id").df()

    def data_date(self) -> pd.Timestamp:
        """The date the data stands at, from the latest import of events (see
        :meth:`data_date_source`)."""
        return self.data_date_source()[0]

    def data_date_source(self) -> tuple[pd.Timestamp, str]:
        """(data date, where it comes from): see :func:`salesanalysis.store.dates.data_date_source`."""
        return data_date_source(self._raw)

    def import_files(self) -> pd.DataFrame:
        return (self._raw.execute("SELECT * FROM _import_files ORDER BY import_id")
                .df().rename(columns=PROBLEM_NAMES))

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
            [import_id]).df().rename(columns=PROBLEM_NAMES))

    def column_counts(self) -> dict[str, dict[str, int]]:
        """Rows (``"*"``) and non-empty values per column of every canonical table.

        Kept by each import, so KPIs can say what data is missing without a scan.
        """
        return self.cached("column_counts", self._column_counts)

    def cached(self, key: str, make):
        """``make()``, computed once per state of the data: again after an import."""
        last = self._scalar("SELECT max(import_id) FROM _imports")
        if self._cache.get("_import") != last:
            self._cache = {"_import": last}
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def _column_counts(self) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {t: {} for t in TABLE_ORDER}
        stored = self._raw.execute("SELECT * FROM _profile").fetchall() \
            if "_profile" in self.con.list_tables() else []
        for table, column, n in stored:
            counts[table][column] = n
        for table in TABLE_ORDER:
            if not counts[table]:
                counts[table] = count_columns(self._raw, table)
        return counts

    def settings(self) -> dict[str, str]:
        """The workbook's settings (``currency``: the ISO code amounts are in)."""
        if "_settings" not in self.con.list_tables():
            return {}  # a workbook older than settings, opened read-only
        return dict(self._raw.execute("SELECT key, value FROM _settings").fetchall())

    def set_setting(self, key: str, value: str | None) -> None:
        """Store ``key`` (None removes it)."""
        self._raw.execute("DELETE FROM _settings WHERE key = ?", [key])
        if value is not None:
            self._raw.execute("INSERT INTO _settings VALUES (?, ?)", [key, str(value)])

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
                    as_of: dt.date | str | None = None, keep_deleted: bool = False,
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
        keep_deleted: keep the rows the source marks deleted (the mapping's
            ``deleted``); by default they are left out and counted as excluded.

        Rows whose key is already stored replace the stored row, so importing the
        same data twice changes nothing. A failure leaves the workbook unchanged.
        """
        if self.read_only:
            raise WorkbookError(f"{self.path} is open read-only; open it with "
                                "read_only=False to import")
        return run_import(self._raw, source, path=self.path, mapping=mapping, table=table,
                          strict=strict, dayfirst=dayfirst, decimal=decimal,
                          encoding=encoding, as_of=as_of, keep_deleted=keep_deleted,
                          progress=progress)

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


def _ensure_schema(raw: duckdb.DuckDBPyConnection) -> None:
    for schema in SCHEMAS.values():
        columns = {c.name: c.sql_type for c in schema.columns} | {"_import_id": "BIGINT"}
        raw.execute(_create(schema.name, columns))
        # a workbook made by an earlier version gains the columns added since
        have = stored_columns(raw, schema.name)
        for name, sql_type in columns.items():
            if name not in have:
                raw.execute(f"ALTER TABLE {ident(schema.name)} ADD COLUMN {ident(name)} "
                            f"{sql_type}")
    for table, columns in (("_imports", _IMPORTS), ("_import_files", _IMPORT_FILES),
                           ("_profile", _PROFILE), ("_settings", _SETTINGS),
                           ("rejects", PROBLEM_COLUMNS),
                           ("flags", PROBLEM_COLUMNS)):
        raw.execute(_create(table, columns))
        for name in columns.keys() - stored_columns(raw, table):
            raw.execute(f"ALTER TABLE {ident(table)} ADD COLUMN {ident(name)} "
                        f"{columns[name]}")


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
