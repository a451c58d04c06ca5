"""Coerce, validate and load one staged source table into its canonical table.

Every row read ends up either accepted (inserted or updating the row with the same
key) or rejected with one problem row per broken rule; accepted rows that refer to
something not loaded are flagged. All of it runs as set operations in DuckDB:

1. one pass computes each canonical value and a bit mask of the rules it breaks;
2. duplicates and references are found with joins on the rows that passed;
3. accepted rows replace rows with the same key; problems go to ``_problems``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import partial

import pandas as pd

from ..errors import MappingError
from .computed import DELETED, add_computed_columns, melt_stage_dates
from .derive import (derive_opportunities, derive_reps, derive_stages, derive_status_by_time,
                     fill_lookups, loose)
from .coerce import (CoercionOptions, clean_text, clock_seconds, ident, literal, parse,
                     source_text, typed)
from .keys import find_duplicates, flag_repeated_rows, merge_changes
from .records import leave_out_non_records
from .mapping import CLOCK_UNITS, UNIT_FACTORS, TableMapping, normalize_name
from .rules import bad_type_message, rules_for
from ..schema import Column, TableSchema
from .sources import STAGE, SourceTable, stage_columns, stage_select, temp_name

__all__ = ["TableResult", "PreparedTable", "PROBLEM_COLUMNS", "prepare_table", "store_table"]

PROBLEM_COLUMNS = {
    "import_id": "BIGINT",
    "table_name": "VARCHAR",
    "source": "VARCHAR",
    "row": "BIGINT",
    "column_name": "VARCHAR",
    "value": "VARCHAR",
    "reason": "VARCHAR",
    "message": "VARCHAR",
}
PROBLEMS = "_problems"  # this import's problems, severity 'error' or 'warning'
_BAD = "_bad_rows"
_LINES = "_stage_lines"  # record -> line, for files whose records and lines differ


@dataclass
class TableResult:
    table: str
    source: str
    rows_read: int = 0
    accepted: int = 0
    rejected: int = 0
    flagged: int = 0
    excluded: int = 0  # left out: all of the kinds below and the rows marked deleted
    untracked: int = 0  # a change log's changes of fields the mapping does not take
    totals: int = 0  # a spreadsheet's totals rows ("Total" under the deals)
    empty: int = 0  # rows without a value (a line of separators)
    derived_stages: int = 0  # stages written from the deals' stage values
    unused_columns: list[str] = field(default_factory=list)


def _record(con, result: TableResult, import_id: int, severity: str, select: str) -> None:
    """Append problems; ``select`` yields row, column_name, value, reason, message."""
    con.execute(
        f"INSERT INTO {PROBLEMS} SELECT {import_id}, {literal(result.table)}, "
        f"{literal(result.source)}, p.row, p.column_name, p.value, p.reason, p.message, "
        f"{literal(severity)} FROM ({select}) p")


# columns whose empty value the derive step settles, not the schema's default
_DERIVED = {("opportunities", "outcome")}


def _typed_select(schema, found, stage_types, tmap, options, rules, row,
                  text_columns, keep_deleted, id_columns=()) -> str:
    """Three layers: clean each source text once, read the values, then the rule mask."""
    clean = [f"{row} AS _row"]
    values = []
    if tmap.generate_ids and schema.key[0] not in found:
        # the same row gives the same id, so importing it again changes nothing
        texts = ", ".join(f"coalesce(CAST({ident(c)} AS VARCHAR), '')"
                          for c in sorted(set(found.values()))) or "''"
        if id_columns:  # what identifies the record, read loosely: the rest may change
            texts = ", ".join(f"coalesce({loose(f'CAST({ident(c)} AS VARCHAR)')}, '')"
                              for c in id_columns)
        content = f"md5(concat_ws(chr(31), {texts}))"
        # a line repeated (two calls to one customer on one day) is a record of its
        # own: its n-th occurrence in the source's order adds n to its id
        nth = f"row_number() OVER (PARTITION BY {content} ORDER BY {row})"
        clean.append(f"CASE WHEN {nth} = 1 THEN {content} "
                     f"ELSE md5({content} || chr(31) || {nth}) END AS __generated_id")
    for col in schema.columns:
        name = ident(col.name)
        raw = ident("__raw_" + col.name)
        derived = (schema.name, col.name) in _DERIVED and col.name not in tmap.defaults
        if col.name not in found:
            value = (f"'{schema.name[0].upper()}-' || substr(__generated_id, 1, 12)"
                     if tmap.generate_ids and col.name == schema.key[0]
                     else "NULL" if derived else _default(col, tmap, options))
            values.append(f"CAST({value} AS {col.sql_type}) AS {name}")
            continue
        source, source_type = ident(found[col.name]), stage_types[found[col.name]]
        unit = tmap.units.get(col.name)
        factor = UNIT_FACTORS.get(unit)
        if col.name not in text_columns:
            typed_value = typed(col, source, source_type)
            if factor is not None:
                typed_value = f"CAST({typed_value} * {factor!r} AS {col.sql_type})"
            clean.append(f"{typed_value} AS {name}")
            values.append(name)
            continue
        clean.append(f"{source_text(source, source_type)} AS {raw}")
        value = (clock_seconds(raw) if unit in CLOCK_UNITS
                 else parse(col, raw, tmap.values.get(col.name, {}), options))
        if factor is not None:
            value = f"({value} * {factor!r})"
        if not derived and tmap.defaults.get(col.name, col.default) is not None:
            value = (f"CASE WHEN {raw} IS NULL THEN {_default(col, tmap, options)} "
                     f"ELSE {value} END")
        values.append(f"CAST({value} AS {col.sql_type}) AS {name}")
        values.append(raw)
    mask = " | ".join(
        f"(CASE WHEN {r.condition} THEN {1 << i} ELSE 0 END)::BIGINT"
        for i, r in enumerate(rules)) or "0::BIGINT"
    columns = ", ".join(ident(c) for c in schema.column_names)
    return (f"SELECT _row, {columns}, ({mask}) AS _mask FROM ("
            f"SELECT _row, {', '.join(values)} FROM ("
            f"SELECT {', '.join(clean)} FROM {STAGE}"
            f"{'' if keep_deleted else f' WHERE NOT {ident(DELETED)}'}))")


def _default(col: Column, tmap: TableMapping, options: CoercionOptions) -> str:
    """SQL for the value a row without ``col`` gets: the mapping's default, read as
    a source value would be, or the schema's."""
    if col.name not in tmap.defaults:
        return literal(col.default)
    return parse(col, clean_text(literal(tmap.defaults[col.name])), {}, options)


def _check_defaults(con, schema: TableSchema, tmap: TableMapping,
                    options: CoercionOptions) -> None:
    """Refuse, naming the mapping key, a default that is not a value of its column."""
    wrong = []
    for col in schema.columns:
        if col.name in tmap.defaults and tmap.defaults[col.name] is not None:
            if con.execute(f"SELECT {_default(col, tmap, options)}").fetchone()[0] is None:
                wrong.append(f"tables.{schema.name}.defaults.{col.name} = "
                             f"{tmap.defaults[col.name]!r}: {bad_type_message(col, options)}")
    if wrong:
        raise MappingError("the mapping's defaults cannot be read:\n  " + "\n  ".join(wrong))


def _text_columns(schema, found, stage_types, tmap) -> set[str]:
    """Columns read from text; the others are already typed in the source."""
    return {c.name for c in schema.columns if c.name in found and (
        tmap.values.get(c.name) or tmap.defaults.get(c.name) is not None
        or tmap.units.get(c.name) in CLOCK_UNITS
        or typed(c, ident(found[c.name]), stage_types[found[c.name]]) is None)}


def _raw_value(found: dict[str, str], column: str) -> str:
    return f"CAST(s.{ident(found[column])} AS VARCHAR)" if column in found else "NULL"


def _join_stage(row: str) -> str:
    return f"JOIN (SELECT {row} AS _row, * FROM {STAGE}) s ON s._row = t._row"


def _record_rule_failures(con, result, import_id, rules, found, row, typed_table) -> None:
    parts = [
        f"SELECT t._row AS row, {literal(r.column)} AS column_name, "
        f"{_raw_value(found, r.column)} AS value, {literal(r.reason)} AS reason, "
        f"{literal(r.message)} AS message FROM {typed_table} t {_join_stage(row)} "
        f"WHERE t._mask & {1 << i} <> 0"
        for i, r in enumerate(rules)
    ]
    for part in parts:
        _record(con, result, import_id, "error", part)


def _reference_problems(con, schema, result, import_id, typed_table, strict: bool):
    for col in schema.columns:
        if col.references is None or col.strict_reference != strict:
            continue
        ref_table, ref_col = col.references.split(".")
        loaded = con.execute(f"SELECT count(*) FROM {ident(ref_table)}").fetchone()[0]
        if not strict and loaded == 0:
            continue  # nothing to check against: the table is not used
        c = ident(col.name)
        # a rejected row reports all its problems; a flag is only worth it on a kept row
        where = "TRUE" if strict else f"t._mask = 0 AND t._row NOT IN (SELECT _row FROM {_BAD})"
        _record(con, result, import_id, "error" if strict else "warning", f"""
            SELECT t._row AS row, {literal(col.name)} AS column_name,
                   CAST(t.{c} AS VARCHAR) AS value, 'unknown_reference' AS reason,
                   {literal(f"not found in {ref_table}.{ref_col} ({loaded} loaded)")} AS message
            FROM {typed_table} t ANTI JOIN {ident(ref_table)} r ON t.{c} = r.{ident(ref_col)}
            WHERE {where} AND t.{c} IS NOT NULL""")


def _row_numbers(con, lines, first_rowid: int, first_row: int) -> str:
    """SQL for a staged row's number in the source, from its rowid."""
    if lines is None or isinstance(lines, range):
        start = first_row if lines is None else lines.start
        return f"(rowid - {first_rowid} + {start})"
    frame = pd.DataFrame({"record": range(len(lines)), "line": lines}, dtype="int64")
    con.register("_lines_frame", frame)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {_LINES} AS SELECT * FROM _lines_frame")
    con.unregister("_lines_frame")
    return f"(SELECT l.line FROM {_LINES} l WHERE l.record = {STAGE}.rowid - {first_rowid})"


@dataclass
class PreparedTable:
    """A source table read and checked row by row, waiting to be stored."""

    result: TableResult
    schema: TableSchema
    typed: str | None  # the temporary table of canonical values; None if unusable
    mapping: TableMapping | None = None
    found: frozenset[str] = frozenset()  # the canonical columns the source has
    # what the source holds for another table (melted stage dates), read after this one
    extra: SourceTable | None = None


def _note(con, result, import_id, notes: list[tuple[str, str]]) -> None:
    """Say, once per import, what the mapping names and the source lacks."""
    for column, note in notes:
        _record(con, result, import_id, "warning",
                f"SELECT NULL::BIGINT AS row, {literal(column)} AS column_name, NULL AS value, "
                f"'mapping_column_absent' AS reason, {literal(note)} AS message")


def _melted_source(con, src, tmap, columns, found, row, keep_deleted) -> SourceTable | None:
    """The opportunities' per-stage date columns as a source of opportunity_history."""
    into = temp_name("_melted", tmap.name)
    if not melt_stage_dates(con, STAGE, tmap, columns, found.get("opportunity_id"), row,
                            into, keep_deleted=keep_deleted):
        return None

    def stage(con):
        stage_select(con, f"SELECT opportunity_id, stage, changed_at FROM {into} ORDER BY _row")
        return [r[0] for r in con.execute(f"SELECT _row FROM {into} ORDER BY _row").fetchall()]
    return SourceTable("opportunity_history", f"{src.label} (stage dates)", stage, 1)


def prepare_table(con, src: SourceTable, schema: TableSchema, tmap: TableMapping,
                  options: CoercionOptions, import_id: int, *,
                  keep_deleted: bool = False) -> PreparedTable:
    """Stage one source table, read its values and find the problems of single rows.

    Touches only temporary tables, so it runs outside the import's transaction
    (temporary tables written inside a transaction scan about twice as slowly).
    Rows the source marks deleted (the mapping's ``deleted``) are left out and
    counted, unless ``keep_deleted``.
    """
    result = TableResult(schema.name, src.label)
    _check_defaults(con, schema, tmap, options)
    lines = src.stage(con)
    # rowid follows the source's order; temporary tables number from an offset
    first_rowid = con.execute(f"SELECT min(rowid) FROM {STAGE}").fetchone()[0] or 0
    row = _row_numbers(con, lines, first_rowid, src.first_row)
    source_headers = list(stage_columns(con))
    _note(con, result, import_id, add_computed_columns(con, STAGE, tmap, stage_columns(con)))
    columns = stage_columns(con)
    headers, result.unused_columns = tmap.resolve_columns(list(columns))
    found = {canonical: columns[header][0] for canonical, header in headers.items()}
    stage_types = dict(columns.values())
    counts = leave_out_non_records(con, source_headers, columns, keep_deleted=keep_deleted)
    result.rows_read, result.totals, result.empty, result.untracked = (
        counts[k] for k in ("rows", "totals", "empty", "untracked"))
    result.excluded = counts["excluded"]
    extra = (_melted_source(con, src, tmap, columns, found, row, keep_deleted)
             if tmap.stage_dates else None)
    generated = {schema.key[0]} if tmap.generate_ids else set()
    missing = [c.name for c in schema.columns
               if c.required and c.name not in found and c.name not in generated
               and tmap.defaults.get(c.name, c.default) is None]
    if missing:
        _record(con, result, import_id, "error", f"""
            SELECT NULL::BIGINT AS row, unnest({[m for m in missing]}) AS column_name,
                   NULL AS value, 'missing_column' AS reason,
                   'required column is missing; the source has: '
                   || {literal(', '.join(source_headers))} AS message""")
        result.rejected = result.rows_read - result.excluded
        return PreparedTable(result, schema, None, extra=extra)

    typed_table = temp_name("_typed", tmap.name)
    text_columns = _text_columns(schema, found, stage_types, tmap)
    rules = rules_for(schema, text_columns, options, set(found))
    by_header = {normalize_name(h): c for h, (c, _) in columns.items()}
    select = _typed_select(schema, found, stage_types, tmap, options, rules, row, text_columns,
                           keep_deleted, [by_header[normalize_name(h)] for h in tmap.id_columns
                                          if normalize_name(h) in by_header])
    con.execute(f"CREATE OR REPLACE TEMP TABLE {typed_table} AS {select}")
    if con.execute(f"SELECT count(*) FROM {typed_table} WHERE _mask <> 0").fetchone()[0]:
        _record_rule_failures(con, result, import_id, rules, found, row, typed_table)
    if tmap.fields:
        merge_changes(con, schema, typed_table)
    find_duplicates(con, schema, typed_table, partial(_record, con, result, import_id, "error"))
    if schema.key[0] in generated and schema.key[0] not in found:
        flag_repeated_rows(con, schema, typed_table,
                           partial(_record, con, result, import_id, "warning"))
    con.execute(f"DROP TABLE {STAGE}")
    return PreparedTable(result, schema, typed_table, tmap, frozenset(found), extra)


def store_table(con, prepared: PreparedTable, import_id: int, *,
                add_reps: bool = False, data_date=None) -> TableResult:
    """Check references against the workbook, then store the accepted rows.

    Runs inside the import's transaction, in table order, so that a row may
    refer to rows stored earlier in the same import. ``data_date`` (the import's
    as-of date, else its day) decides which calendar entries have been held.
    """
    result, schema, typed_table = prepared.result, prepared.schema, prepared.typed
    if typed_table is None:
        return result
    flag = partial(_record, con, result, import_id, "warning")
    if "rep_id" in prepared.found and schema.name not in ("reps", "actions"):
        derive_reps(con, typed_table, add=add_reps, import_id=import_id, flag=flag)
    _reference_problems(con, schema, result, import_id, typed_table, strict=True)
    if schema.name == "opportunities":
        derive_opportunities(con, typed_table, won=prepared.mapping.won_stages,
                             lost=prepared.mapping.lost_stages, flag=flag)
    if prepared.mapping.status_by_time:
        # the data date's whole day counts; without one, the moment of the import
        derive_status_by_time(con, typed_table, cutoff=(
            data_date + dt.timedelta(days=1) if data_date is not None
            else dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)))
    fill_lookups(con, typed_table, schema, prepared.mapping.lookups)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {_BAD} AS
        SELECT DISTINCT row AS _row FROM {PROBLEMS}
        WHERE severity = 'error' AND import_id = {import_id}
          AND table_name = {literal(schema.name)} AND source = {literal(result.source)}""")
    result.rejected = con.execute(f"SELECT count(*) FROM {_BAD}").fetchone()[0]
    accepted = (f"SELECT * FROM {typed_table} t ANTI JOIN {_BAD} b ON t._row = b._row"
                if result.rejected else f"SELECT * FROM {typed_table}")
    _upsert(con, schema, accepted, import_id, merge=bool(prepared.mapping.fields))
    result.accepted = result.rows_read - result.rejected - result.excluded
    if schema.name == "opportunities":
        result.derived_stages = derive_stages(con, import_id, typed_table)

    _reference_problems(con, schema, result, import_id, typed_table, strict=False)
    result.flagged = con.execute(
        f"SELECT count(DISTINCT row) FROM {PROBLEMS} WHERE severity = 'warning' "
        f"AND import_id = {import_id} AND table_name = {literal(schema.name)} "
        f"AND source = {literal(result.source)}").fetchone()[0]
    con.execute(f"DROP TABLE {typed_table}")
    return result


def _upsert(con, schema: TableSchema, accepted: str, import_id: int, *,
            merge: bool = False) -> None:
    """Accepted rows replace the stored rows with the same key: re-imports are idempotent.
    With ``merge`` (a change log, which says only what changed), a stored row keeps the
    values the accepted row leaves empty."""
    table = ident(schema.name)
    columns = ", ".join(ident(c) for c in schema.column_names)
    stored = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    if merge and stored:
        on = " AND ".join(f"s.{ident(k)} IS NOT DISTINCT FROM a.{ident(k)}" for k in schema.key)
        kept = ", ".join(f"a.{ident(c)}" if c in schema.key else
                         f"coalesce(a.{ident(c)}, s.{ident(c)}) AS {ident(c)}"
                         for c in schema.column_names)
        accepted = f"SELECT {kept} FROM ({accepted}) a LEFT JOIN {table} s ON {on}"
        con.execute(f"CREATE OR REPLACE TEMP TABLE _merged AS {accepted}")
        accepted = "SELECT * FROM _merged"
    if stored:
        on = " AND ".join(f"{table}.{ident(k)} IS NOT DISTINCT FROM a.{ident(k)}"
                          for k in schema.key)
        con.execute(f"DELETE FROM {table} USING ({accepted}) a WHERE {on}")
    con.execute(f"INSERT INTO {table} ({columns}, _import_id) "
                f"SELECT {columns}, {import_id} FROM ({accepted})")
