"""Columns a mapping computes from the staged source rows, before they are read.

Real exports spell some canonical columns across several source columns, or not at
all: a name in FirstName and LastName, an opportunity id in a polymorphic WhatId, a
deal's outcome in two yes/no columns, a deletion flag, one "date entered" column per
stage, a change log's field names, a team named in another file (a join on a lookup
entry). Each becomes a staging column named ``__computed_<canonical column>``, so the
rest of the import reads it like any source column.
"""

from __future__ import annotations

import re

from .coerce import TRUE_WORDS, clean_text, ident, literal
from .mapping import COMPUTED_PREFIX, TableMapping, normalize_name
from .sources import STAGE, temp_name

__all__ = ["DELETED", "UNTRACKED", "add_computed_columns", "melt_stage_dates", "lookup_table",
           "stage_lookup"]

DELETED = COMPUTED_PREFIX + "_deleted"  # true for a row the source marks deleted
UNTRACKED = COMPUTED_PREFIX + "_untracked"  # true for a change of a field not mapped
_FALSE = ("false", "f", "0", "no", "n")


def _lookup(columns: dict[str, tuple[str, str]]):
    by_name = {normalize_name(h): stage_col for h, (stage_col, _) in columns.items()}
    return lambda header: by_name.get(normalize_name(header))


def _text(col: str) -> str:
    return clean_text(ident(col))


def _is(col: str, words) -> str:
    return f"lower({_text(col)}) IN ({', '.join(literal(w) for w in words)})"


def _template(template: str, find) -> tuple[str | None, list[str]]:
    parts, absent = [], []
    for piece in re.split(r"(\{[^{}]+\})", template):
        if piece.startswith("{") and piece.endswith("}"):
            # {A|B}: the first of A and B that is not empty
            names = [n.strip() for n in piece[1:-1].split("|")]
            cols = [find(n) for n in names if find(n) is not None]
            if not cols:
                absent.append(" or ".join(names))
            else:
                parts.append(f"coalesce({', '.join(_text(c) for c in cols)}, '')")
        elif piece:
            parts.append(literal(piece))
    if len(absent) == len(re.findall(r"\{[^{}]+\}", template)):
        return None, absent
    return f"NULLIF(trim(regexp_replace(concat({', '.join(parts)}), '\\s+', ' ', 'g')), '')", \
        absent


def _outcome(flags: dict[str, str], find) -> str | None:
    cols = {role: find(header) for role, header in flags.items() if find(header)}
    if not cols:
        return None
    cases = []
    if "won" in cols:
        cases.append(f"WHEN {_is(cols['won'], TRUE_WORDS)} THEN 'won'")
    if "closed" in cols:
        cases.append(f"WHEN {_is(cols['closed'], TRUE_WORDS)} THEN 'lost'")
    if "active" in cols:
        cases.append(f"WHEN {_is(cols['active'], _FALSE)} THEN 'lost'")
    if "closed" in cols:
        cases.append(f"WHEN {_is(cols['closed'], _FALSE)} THEN 'open'")
    # else NULL: the stage decides (an Odoo deal still active, a won flag alone)
    return f"CASE {' '.join(cases)} END"


def _field_columns(fields: dict, find, notes: list) -> dict[str, str]:
    """A change log's rows as columns: the value of a row goes to the canonical column
    its field name maps to; ``_untracked`` marks the rows of other fields."""
    field_col, value_col = find(fields["column"]), find(fields["value"])
    if field_col is None or value_col is None:
        absent = [h for h in (fields["column"], fields["value"]) if find(h) is None]
        notes.append((", ".join(fields["names"].values()), f"mapping fields: the source "
                      f"has no column {', '.join(map(repr, absent))}"))
        return {}
    name = f"lower(trim({_text(field_col)}))"
    by_target: dict[str, list[str]] = {}
    for source_name, target in fields["names"].items():
        by_target.setdefault(target, []).append(literal(source_name.strip().lower()))
    exprs = {target: f"CASE WHEN {name} IN ({', '.join(names)}) THEN {_text(value_col)} END"
             for target, names in by_target.items()}
    every = ", ".join(n for names in by_target.values() for n in names)
    exprs["_untracked"] = f"coalesce({name} NOT IN ({every}), TRUE)"
    return exprs


def lookup_table(entry: str) -> str:
    """The temporary table holding a lookup entry's rows."""
    return temp_name("_lookup", entry)


def stage_lookup(con, source, entry: str) -> int:
    """Read a lookup entry's source into its table; the number of rows."""
    source.stage(con)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {lookup_table(entry)} AS SELECT * FROM {STAGE}")
    return con.execute(f"SELECT count(*) FROM {lookup_table(entry)}").fetchone()[0]


def _joined(con, stage: str, target: str, join: dict, find, notes: list) -> str | None:
    """The value ``join`` takes from its lookup table for each staged row."""
    table = lookup_table(join["from"])
    here = f"mapping joins.{target}"
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?",
                       [table]).fetchone()[0]:
        notes.append((target, f"{here}: the source has no file for {join['from']!r}"))
        return None
    theirs = {normalize_name(n): n for (n,) in con.execute(
        f"SELECT column_name FROM (DESCRIBE {table})").fetchall()}
    key, take = (theirs.get(normalize_name(join[k])) for k in ("key", "take"))
    local = find(join["by"])
    absent = [join[k] for k, c in (("by", local), ("key", key), ("take", take)) if c is None]
    if absent:
        notes.append((target, f"{here}: no column {', '.join(map(repr, absent))}"))
        return None
    return (f"(SELECT any_value(CAST(l.{ident(take)} AS VARCHAR)) FROM {table} l "
            f"WHERE trim(CAST(l.{ident(key)} AS VARCHAR)) = "
            f"trim(CAST({stage}.{ident(local)} AS VARCHAR)))")


def add_computed_columns(con, stage: str, tmap: TableMapping,
                         columns: dict[str, tuple[str, str]]) -> list[tuple[str, str]]:
    """Add the mapping's computed columns to the staged table ``stage``.

    Returns what the source lacks for them, ``(canonical column, note)`` each (the
    column is then computed from what is there, or not at all).
    """
    find = _lookup(columns)
    exprs: dict[str, str] = {}
    notes: list[tuple[str, str]] = []
    for target, template in tmap.templates.items():
        expr, absent = _template(template, find)
        if absent:
            notes.append((target, f"mapping templates.{target}: the source has no "
                                  f"column {', '.join(map(repr, absent))}"))
        if expr:
            exprs[target] = expr
    routed: dict[str, list[str]] = {}
    for header, routes in tmap.prefixes.items():
        col = find(header)
        if col is None:
            notes.append((", ".join(routes.values()),
                          f"mapping prefixes: the source has no column {header!r}"))
            continue
        for prefix, target in routes.items():
            routed.setdefault(target, []).append(
                f"CASE WHEN starts_with({_text(col)}, {literal(prefix)}) THEN {_text(col)} END")
    exprs |= {t: f"coalesce({', '.join(e)})" if len(e) > 1 else e[0]
              for t, e in routed.items()}
    if tmap.outcome_from:
        absent = [h for h in tmap.outcome_from.values() if find(h) is None]
        if absent:
            notes.append(("outcome", f"mapping outcome_from: the source has no column "
                                     f"{', '.join(map(repr, absent))}; the stage decides"))
        outcome = _outcome(tmap.outcome_from, find)
        if outcome:
            exprs["outcome"] = outcome
    if tmap.fields:
        exprs |= _field_columns(tmap.fields, find, notes)
    for target, join in tmap.joins.items():
        if (expr := _joined(con, stage, target, join, find, notes)) is not None:
            exprs[target] = expr
    deleted = [_is(find(h), values if values != ("true",) else TRUE_WORDS)
               for h, values in tmap.deleted.items() if find(h)]
    exprs["_deleted"] = " OR ".join(f"coalesce({d}, FALSE)" for d in deleted) or "FALSE"
    for target, expr in exprs.items():
        name = ident(COMPUTED_PREFIX + target)
        sql_type = "BOOLEAN" if target in ("_deleted", "_untracked") else "VARCHAR"
        con.execute(f"ALTER TABLE {stage} ADD COLUMN {name} {sql_type}")
    con.execute(f"UPDATE {stage} SET " + ", ".join(
        f"{ident(COMPUTED_PREFIX + t)} = {e}" for t, e in exprs.items()))
    return notes


def melt_stage_dates(con, stage: str, tmap: TableMapping, columns, id_column: str | None,
                     row: str, into: str, *, keep_deleted: bool = False) -> int:
    """Melt the wide per-stage date columns into rows ``(_row, opportunity_id, stage,
    changed_at)`` of the temporary table ``into``; returns how many columns were melted.

    A stage named by two column families (HubSpot's old and new date properties)
    with the same date gives one row.
    """
    pattern = re.compile(tmap.stage_dates)
    melted = [(stage_col, match.group("stage").strip())
              for header, (stage_col, _) in columns.items()
              if (match := pattern.search(header))]
    if not melted or id_column is None:
        return 0
    selects = " UNION ALL ".join(
        f"SELECT {row} AS _row, {_text(id_column)} AS opportunity_id, "
        f"{literal(label)} AS stage, {_text(col)} AS changed_at FROM {stage} "
        f"WHERE {'TRUE' if keep_deleted else f'NOT {ident(DELETED)}'} "
        f"AND {_text(col)} IS NOT NULL"
        for col, label in melted)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {into} AS SELECT min(_row) AS _row, "
                f"opportunity_id, stage, changed_at FROM ({selects}) GROUP BY ALL "
                "ORDER BY 1, changed_at")
    return len(melted)
