"""One import into a workbook, all or nothing: read every source table, check its rows,
store the accepted ones, record the problems, the snapshot and the log."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pandas as pd
from tqdm.auto import tqdm

from ..checks import check_choice, check_date
from ..errors import DataValidationError, SourceError, WorkbookError
from ..ingest.coerce import CoercionOptions, ident
from ..ingest.choose import choose_mapping
from ..ingest.computed import lookup_table, stage_lookup
from ..ingest.mapping import LOOKUP, TableMapping
from ..ingest.report import ImportReport
from ..ingest.sources import discover
from ..ingest.validate import PROBLEM_COLUMNS, PROBLEMS, prepare_table, store_table
from ..schema import SCHEMAS, TABLE_ORDER
from .dates import latest_event

__all__ = ["run_import", "count_columns", "stored_columns", "PROBLEM_NAMES"]

PROBLEM_NAMES = {"table_name": "table", "column_name": "column"}


def _scalar(raw, sql: str):
    return raw.execute(sql).fetchone()[0]


def run_import(raw: duckdb.DuckDBPyConnection, source, *, path: str, mapping=None,
               table=None, strict=False, dayfirst=None, decimal=None, encoding="utf-8",
               as_of=None, keep_deleted=False, progress=False) -> ImportReport:
    """:meth:`Workbook.import_data <salesanalysis.store.workbook.Workbook.import_data>` on
    the workbook's connection ``raw``; ``path`` names it in messages."""
    check_choice(table, TABLE_ORDER, name="table", where="import_data", optional=True)
    check_choice(decimal, (".", ","), name="decimal", where="import_data", optional=True)
    mapping, notes = choose_mapping(source, mapping, table=table, encoding=encoding)
    options = CoercionOptions(
        dayfirst=mapping.dayfirst if dayfirst is None else bool(dayfirst),
        decimal=mapping.decimal if decimal is None else decimal)
    as_of = None if as_of is None else check_date(as_of, name="as_of",
                                                  where="import_data").to_pydatetime()
    started = dt.datetime.now()
    import_id = (_scalar(raw, "SELECT max(import_id) FROM _imports") or 0) + 1
    raw.execute(f"CREATE OR REPLACE TEMP TABLE {PROBLEMS} "
                f"({', '.join(f'{ident(c)} {t}' for c, t in PROBLEM_COLUMNS.items())},"
                " severity VARCHAR)")
    steps, prepared, looked_up = None, [], []
    try:
        found, ignored = discover(raw, source, mapping, table=table, encoding=encoding)
        notes = [*notes, *_stage_lookups(raw, found, into=looked_up)]
        if not found:
            raise SourceError("no canonical table found in the source"
                              + (f"; ignored: {'; '.join(ignored)}" if ignored else ""))
        order = {t: i for i, t in enumerate(TABLE_ORDER)}
        entries = sorted(found, key=lambda e: order[found[e].table])
        steps = tqdm(total=2 * len(entries), desc="import", unit="step", disable=not progress)
        _read_all(raw, found, entries, mapping, options, import_id, keep_deleted, steps,
                  into=prepared)
        prepared.sort(key=lambda p: order[p.schema.name])
        tables = {src.table for src in found.values()}
        # until a reps table is imported, deals and activities bring their reps
        add_reps = "reps" not in tables and not _scalar(raw,
            "SELECT count(*) FROM _import_files WHERE table_name = 'reps'")
        raw.begin()
        try:
            results = _store_all(raw, prepared, import_id, add_reps, as_of, steps)
            derived = sum(r.derived_stages for r in results)
            if derived:
                notes = [*notes, f"stages: {derived} derived from the deals' stage values, "
                         "without win probabilities (import a stages table for the "
                         "weighted pipeline)"]
            if "opportunities" in tables:  # dated when the data stands, not today
                _snapshot(raw, import_id, as_of or pd.Timestamp(
                    latest_event(raw) or dt.date.today()).normalize().to_pydatetime())
            problems = raw.execute(f"SELECT * FROM {PROBLEMS} ORDER BY table_name, source, "
                                   "row").df().rename(columns=PROBLEM_NAMES)
            errors = problems[problems["severity"] == "error"]
            if strict and len(errors):
                raise DataValidationError(errors.drop(columns=["severity", "import_id"])
                                          .reset_index(drop=True))
            _log(raw, import_id, started, as_of, results,
                 also=(["reps"] if add_reps else []) + (["stages"] if derived else []))
            raw.commit()
        except duckdb.Error as exc:  # a full disk, a lost file: nothing was stored
            _rollback(raw)
            raise WorkbookError(f"{path}: the import could not be written "
                                f"({str(exc).splitlines()[0]}); the workbook is "
                                "unchanged") from None
        except BaseException:
            raw.rollback()
            raise
    finally:
        _clean_up(raw, steps, prepared, looked_up)
    return ImportReport(import_id, results, problems.drop(columns="import_id"), ignored, notes)


def _clean_up(raw, steps, prepared, looked_up) -> None:
    """Close the progress bar and drop what the import left in temporary tables."""
    if steps is not None:
        steps.close()
    raw.execute("DETACH DATABASE IF EXISTS _source_db")
    for item in prepared:
        if item.typed:
            raw.execute(f"DROP TABLE IF EXISTS temp.{item.typed}")
    for entry in looked_up:
        raw.execute(f"DROP TABLE IF EXISTS temp.{lookup_table(entry)}")


def _stage_lookups(raw, found, *, into: list) -> list[str]:
    """Read the lookup entries' sources (for other entries' joins) before the tables,
    taking them out of ``found``; a note for each."""
    notes = []
    for entry in [e for e in found if found[e].table == LOOKUP]:
        source = found.pop(entry)
        into.append(entry)
        rows = stage_lookup(raw, source, entry)
        notes.append(f"{entry}: {source.label} read for lookups ({rows:,} rows)")
    return notes


def _read_all(raw, found, entries, mapping, options, import_id, keep_deleted, steps, *,
              into: list) -> None:
    """Read, map and check every source table into temporary tables, appended to
    ``into`` as they are made (so a failure still drops them); every unreadable file is
    said at once. Outside the transaction: only temporary tables change."""
    unreadable = []
    for entry in entries:
        steps.set_postfix_str(f"reading {found[entry].label}")
        try:
            item = prepare_table(raw, found[entry], SCHEMAS[found[entry].table],
                                 mapping.for_table(entry), options, import_id,
                                 keep_deleted=keep_deleted)
            into.append(item)
            if item.extra is not None:  # the deals' stage dates, as history rows
                into.append(prepare_table(
                    raw, item.extra, SCHEMAS[item.extra.table],
                    TableMapping(item.extra.table, item.extra.label), options, import_id))
        except SourceError as exc:
            unreadable.append(str(exc))
        steps.update()
    if unreadable:
        raise SourceError("\n".join(unreadable))


def _store_all(raw, prepared, import_id, add_reps, as_of, steps) -> list:
    results = []
    for item in prepared:
        steps.set_postfix_str(f"storing {item.schema.name}")
        results.append(store_table(raw, item, import_id, add_reps=add_reps, data_date=as_of))
        steps.update()
    return results


def _snapshot(raw, import_id: int, at: dt.datetime) -> None:
    """Record the imported opportunities as they stand today, for later slippage."""
    raw.execute(
        "DELETE FROM opportunity_history WHERE kind = 'snapshot' AND changed_at = ? "
        "AND opportunity_id IN (SELECT opportunity_id FROM opportunities "
        "WHERE _import_id = ?)", [at, import_id])
    raw.execute(
        "INSERT INTO opportunity_history (opportunity_id, changed_at, stage, amount, "
        "expected_close, kind, _import_id) SELECT opportunity_id, ?, stage, amount, "
        "expected_close, 'snapshot', ? FROM opportunities WHERE _import_id = ?",
        [at, import_id, import_id])


def _log(raw, import_id, started, as_of, results, also=()) -> None:
    changed = {r.table for r in results} | set(also)
    if "opportunities" in changed:
        changed.add("opportunity_history")  # the snapshot
    for table in changed:
        raw.execute("DELETE FROM _profile WHERE table_name = ?", [table])
        raw.executemany("INSERT INTO _profile VALUES (?, ?, ?)",
                        [[table, c, n] for c, n in count_columns(raw, table).items()])
    for severity, table in (("error", "rejects"), ("warning", "flags")):
        raw.execute(f"INSERT INTO {table} SELECT * EXCLUDE (severity) FROM {PROBLEMS} "
                    f"WHERE severity = '{severity}'")
    for r in results:
        raw.execute("INSERT INTO _import_files (import_id, table_name, source, rows_read, "
                    "accepted, rejected, flagged, unused_columns, excluded) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [import_id, r.table, r.source, r.rows_read, r.accepted, r.rejected,
                     r.flagged, json.dumps(r.unused_columns), r.excluded])
    raw.execute(
        "INSERT INTO _imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [import_id, started, dt.datetime.now(), as_of,
         json.dumps([r.source for r in results]),
         sum(r.rows_read for r in results), sum(r.accepted for r in results),
         sum(r.rejected for r in results), sum(r.flagged for r in results)])


def _rollback(raw: duckdb.DuckDBPyConnection) -> None:
    try:
        raw.rollback()
    except duckdb.Error:  # a failed commit may have ended the transaction already
        pass


def stored_columns(raw: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return {r[0] for r in raw.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?",
        [table]).fetchall()}


def count_columns(raw: duckdb.DuckDBPyConnection, table: str) -> dict[str, int]:
    """Rows ("*") and non-empty values per column of ``table``."""
    # a read-only workbook from an earlier version may lack the columns added since
    cols = [c for c in SCHEMAS[table].column_names if c in stored_columns(raw, table)]
    counts = raw.execute(f"SELECT count(*), {', '.join(f'count({ident(c)})' for c in cols)} "
                         f"FROM {ident(table)}").fetchone()
    return {c: 0 for c in SCHEMAS[table].column_names} | {"*": counts[0],
                                                          **dict(zip(cols, counts[1:]))}
