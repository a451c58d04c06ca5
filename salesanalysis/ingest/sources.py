"""Readers that stage a source's tables inside DuckDB, one canonical table at a time.

A source is a folder of CSV / Parquet files, one CSV, Parquet or Excel file, a
DuckDB file, a SQLAlchemy URL or a dict of pandas DataFrames. Each table found is
a :class:`SourceTable` that knows how to copy its rows into a staging table; the
row numbers it reports are those a person sees: the line of a CSV file and the
row of a sheet (the header is row 1), or the 1-based record number elsewhere.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import duckdb
import pandas as pd

from .coerce import ident, literal
from .csv_files import csv_stager, file_literal
from .excel_files import read_sheet, sheet_names
from ..errors import SourceError
from .mapping import Mapping

__all__ = ["SourceTable", "discover", "stage_columns", "stage_select", "STAGE", "temp_name"]

STAGE = "_stage"
# a source column named rowid would hide the staging table's row order
_HIDDEN_PREFIX = "__source_"
_FRAME_VIEW = "_stage_frame"
_DRIVER_PACKAGES = {"psycopg2": "psycopg2-binary", "psycopg": "psycopg[binary]",
                    "MySQLdb": "mysqlclient", "pymysql": "PyMySQL", "pyodbc": "pyodbc",
                    "oracledb": "oracledb", "snowflake": "snowflake-sqlalchemy"}
_UNSUPPORTED = {".xls": "Excel 97-2003 (.xls)", ".xlsb": "Excel binary (.xlsb)",
                ".ods": "OpenDocument (.ods)", ".numbers": "Apple Numbers"}


@dataclass(frozen=True)
class SourceTable:
    table: str
    label: str
    # fills the staging table; returns each record's row number, or None for
    # consecutive numbers from first_row
    stage: Callable[[duckdb.DuckDBPyConnection], "Sequence[int] | None"]
    first_row: int


def temp_name(prefix: str, entry: str) -> str:
    """The temporary table of one mapping entry (entry names may hold any character)."""
    return f"{prefix}_{hashlib.md5(entry.encode()).hexdigest()[:10]}"


def stage_select(con: duckdb.DuckDBPyConnection, select: str) -> int:
    """Stage what ``select`` reads; returns the number of rows."""
    con.execute(f"DROP TABLE IF EXISTS {STAGE}")
    con.execute(f"CREATE TEMP TABLE {STAGE} AS {select}")
    for name, _ in con.execute(f"SELECT column_name, 1 FROM (DESCRIBE {STAGE})").fetchall():
        if name.lower() == "rowid":
            con.execute(f"ALTER TABLE {STAGE} RENAME COLUMN {ident(name)} "
                        f"TO {ident(_HIDDEN_PREFIX + name)}")
    return con.execute(f"SELECT count(*) FROM {STAGE}").fetchone()[0]


def stage_columns(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str]]:
    """``{source header: (staging column, SQL type)}`` of the staged table."""
    columns = {}
    for name, sql_type in con.execute(
            f"SELECT column_name, column_type FROM (DESCRIBE {STAGE})").fetchall():
        header = name[len(_HIDDEN_PREFIX):] if name.startswith(_HIDDEN_PREFIX) else name
        columns[header] = (name, sql_type)
    return columns


def _select_stager(select: str, failure: str):
    """Stage what ``select`` reads; a DuckDB error becomes ``failure: <error>``."""
    def stage(con):
        try:
            stage_select(con, select)
        except duckdb.Error as exc:
            raise SourceError(f"{failure}: {exc}") from None
    return stage


def _cell_text(value: object) -> object:
    """A spreadsheet or object-column cell as text, keeping what it shows."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _frame_stager(frame: pd.DataFrame, label: str):
    def stage(con):
        df = frame.reset_index(drop=True).copy(deep=False)
        df.columns = [str(c) for c in df.columns]
        for col in df.columns:
            if df[col].dtype == object:
                df[col] = df[col].map(_cell_text).astype(object)
        try:
            con.register(_FRAME_VIEW, df)
            stage_select(con, f"SELECT * FROM {_FRAME_VIEW}")
        except duckdb.Error as exc:
            raise SourceError(f"{label}: cannot be staged: {exc}") from None
        finally:
            con.unregister(_FRAME_VIEW)
    return stage


class _Found(dict):
    """``{mapping entry: SourceTable}``; a source named exactly as an entry says beats
    one that only matches its pattern."""

    def __init__(self, mapping: Mapping):
        super().__init__()
        self.mapping = mapping
        self.how: dict[str, str] = {}

    def add(self, entry: str, source: SourceTable, ignored: list, name: str) -> None:
        how = self.mapping.for_table(entry).matches(name) or "exact"
        if entry in self:
            if self.how[entry] == how:
                raise SourceError(f"two sources feed {entry!r}: {self[entry].label} and "
                                  f"{source.label}; rename or move one of them")
            if how == "pattern":
                ignored.append(f"{source.label} (mapping entry {entry!r} already has "
                               f"{self[entry].label})")
                return
            ignored.append(f"{self[entry].label} (mapping entry {entry!r} takes "
                           f"{source.label})")
        self[entry] = source
        self.how[entry] = how

    def table(self, entry: str) -> str:
        return self.mapping.for_table(entry).table


def _match(mapping: Mapping, name: str, found, ignored: list, label: str) -> str | None:
    entry = mapping.table_for_source(name)
    if entry is None:
        ignored.append(f"{label} (no canonical table named {name!r})")
    return entry


def _excel_tables(path: Path, mapping: Mapping, found: dict, ignored: list,
                  table: str | None) -> None:
    names = sheet_names(path)
    if table is not None:  # the sheet named after the table, else the only sheet
        named = [s for s in names if mapping.table_for_source(s) == table]
        if not named and len(names) != 1:
            raise SourceError(f"{path}: no sheet is named after table {table!r}; its "
                              f"sheets are {', '.join(names)}")
        sheets = {(named or names)[0]: table}
    else:
        sheets = {}
        for sheet in names:
            name = _match(mapping, sheet, found, ignored, f"{path.name}[{sheet}]")
            if name:
                sheets[sheet] = name
    for sheet, name in sheets.items():
        label = f"{path.name}[{sheet}]"
        found.add(name, SourceTable(found.table(name), label,
                                    _sheet_stager(path, sheet, label), 2), ignored, sheet)


def _sheet_stager(path: Path, sheet: str, label: str):
    def stage(con):
        frame, numbers = read_sheet(path, sheet, label)
        _frame_stager(frame, label)(con)
        return numbers
    return stage


def _file_table(path: Path, mapping: Mapping, found: dict, ignored: list,
                table: str | None, encoding: str) -> None:
    suffix = "".join(path.suffixes[-2:]).lower() if path.suffix == ".gz" else path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        _excel_tables(path, mapping, found, ignored, table)
        return
    if suffix in _UNSUPPORTED:
        raise SourceError(f"{path}: {_UNSUPPORTED[suffix]} files cannot be read; save it "
                          "as Excel Workbook (.xlsx) or as CSV and import that")
    stem = re.sub(r"(\.csv|\.parquet|\.tsv)?(\.gz)?$", "", path.name, flags=re.I)
    if table is None:
        table = _match(mapping, stem, found, ignored, path.name)
    if table is None:
        return
    if suffix in (".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz"):
        found.add(table, SourceTable(found.table(table), path.name,
                                     csv_stager(path, encoding, stage_select), 2), ignored, stem)
    elif suffix in (".parquet", ".pq"):
        found.add(table, SourceTable(found.table(table), path.name, _select_stager(
            f"SELECT * FROM read_parquet({file_literal(path)})",
            f"{path}: cannot be read as Parquet"), 1), ignored, stem)
    else:
        raise SourceError(f"{path}: unknown file type {suffix!r}; expected .csv, .parquet or .xlsx")


def _duckdb_tables(con, path: Path, mapping: Mapping, found: dict, ignored: list) -> None:
    alias = "_source_db"
    try:
        con.execute(f"ATTACH {literal(str(path))} AS {alias} (READ_ONLY)")
    except duckdb.Error as exc:
        raise SourceError(f"{path}: cannot be opened as a DuckDB database: {exc}") from None
    names = [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ?", [alias]).fetchall()]
    for name in names:
        label = f"{path.name}:{name}"
        table = _match(mapping, name, found, ignored, label)
        if table:
            found.add(table, SourceTable(found.table(table), label, _select_stager(
                f"SELECT * FROM {ident(alias)}.{ident(name)}", f"{label}: cannot be read"), 1),
                ignored, name)


def _sqlalchemy_tables(url: str, mapping: Mapping, found: dict, ignored: list) -> None:
    try:
        import sqlalchemy as sa
    except ImportError:
        raise SourceError("reading a SQL database needs SQLAlchemy: "
                          "pip install 'salesanalysis[sql]'") from None
    try:
        engine = sa.create_engine(url)
        shown = engine.url.render_as_string(hide_password=True)
        names = sa.inspect(engine).get_table_names()
        for name in names:
            label = f"{shown}#{name}"
            table = _match(mapping, name, found, ignored, label)
            if table:
                frame = pd.read_sql_table(name, engine)
                found.add(table, SourceTable(found.table(table), label,
                                             _frame_stager(frame, label), 1), ignored, name)
    except sa.exc.SQLAlchemyError as exc:
        raise SourceError(f"cannot read the SQL database: {exc}") from None
    except ImportError as exc:  # the URL's database driver is not installed
        package = _DRIVER_PACKAGES.get(exc.name, exc.name)
        raise SourceError(f"reading {url.split(':', 1)[0]} databases needs the Python "
                          f"package {package}: pip install '{package}'") from None


def discover(con, source, mapping: Mapping, *, table: str | None = None,
             encoding: str = "utf-8") -> tuple[dict[str, SourceTable], list[str]]:
    """Find the canonical tables in ``source``.

    Returns ``({mapping entry: SourceTable}, [what was found but feeds no table])``;
    an entry is named after its canonical table unless the mapping says otherwise.
    """
    found = _Found(mapping)
    ignored: list[str] = []
    if isinstance(source, pd.DataFrame):
        if table is None:
            raise SourceError("a single DataFrame needs table=... to say which table it is")
        source = {table: source}
    if isinstance(source, dict):
        for name, frame in source.items():
            if not isinstance(frame, pd.DataFrame):
                raise SourceError(f"frames[{name!r}] is a {type(frame).__name__}, "
                                  "not a pandas DataFrame")
            label = f"<DataFrame {name}>"
            tname = _match(mapping, name, found, ignored, label)
            if tname:
                found.add(tname, SourceTable(found.table(tname), label,
                                             _frame_stager(frame, label), 1), ignored, name)
        return found, ignored
    if isinstance(source, str) and "://" in source:
        _sqlalchemy_tables(source, mapping, found, ignored)
        return found, ignored
    path = Path(source)
    if not path.exists():
        raise SourceError(f"source not found: {path}")
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
        if not files:
            raise SourceError(f"{path}: the folder holds no files")
        for f in files:
            if re.search(r"\.(csv|tsv|txt|parquet|pq|xlsx|xlsm)(\.gz)?$", f.name, re.I):
                _file_table(f, mapping, found, ignored, None, encoding)
            elif f.suffix.lower() in _UNSUPPORTED:
                ignored.append(f"{f.name} ({_UNSUPPORTED[f.suffix.lower()]} files cannot be "
                               "read; save it as .xlsx or CSV)")
            else:
                ignored.append(f"{f.name} (not a CSV, Parquet or Excel file)")
    elif path.suffix.lower() in (".duckdb", ".db", ".ddb"):
        _duckdb_tables(con, path, mapping, found, ignored)
    else:
        _file_table(path, mapping, found, ignored, table, encoding)
    return found, ignored
