"""Rows a source holds that are no records, left out and counted before the values are
read: rows the source marks deleted, a spreadsheet's totals rows and rows without a
value, a change log's changes of fields the mapping does not take."""

from __future__ import annotations

from .coerce import ident, literal
from .computed import DELETED, UNTRACKED
from .sources import STAGE

__all__ = ["TOTAL_WORDS", "leave_out_non_records"]

# what a spreadsheet's totals row says in its first cells
TOTAL_WORDS = ("total", "totals", "grand total", "subtotal", "sum", "summe", "gesamt",
               "gesamtsumme", "zwischensumme", "somme", "totaal", "totale", "suma")


def _conditions(headers: list[str], columns) -> tuple[str, str]:
    """SQL conditions of the rows that are no records: the totals of the others (a total
    word in one of the first three cells, at most half the cells filled; looked for in
    the first and last rows only) and rows with no value at all (a line of separators)."""
    staged = [columns[h] for h in headers if h in columns]
    if not staged:
        return "FALSE", "FALSE"

    def value(col, sql_type):  # a blank text is no value
        return f"nullif(trim({ident(col)}), '')" if sql_type == "VARCHAR" else ident(col)
    empty = " AND ".join(f"{value(c, t)} IS NULL" for c, t in staged)
    words = ", ".join(literal(w) for w in TOTAL_WORDS)
    said = [f"lower(trim({ident(c)})) IN ({words})" for c, t in staged[:3] if t == "VARCHAR"]
    filled = " + ".join(f"({value(c, t)} IS NOT NULL)::INT" for c, t in staged)
    totals = (f"({' OR '.join(said)}) AND ({filled}) * 2 <= {len(staged)}"
              if said and len(staged) > 1 else "FALSE")
    return totals, empty


def leave_out_non_records(con, headers: list[str], columns, *, keep_deleted: bool) -> dict:
    """Count the staged rows and leave out those that are no records (deleted ones are
    left to the read, which skips them unless ``keep_deleted``); the counts by kind and
    ``excluded``, all that is left out."""
    rows, deleted, first, last = con.execute(
        f"SELECT count(*), count(*) FILTER ({ident(DELETED)}), min(rowid), max(rowid) "
        f"FROM {STAGE}").fetchone()
    totals, empty = _conditions(headers, columns)
    # a totals row sits at the top or the bottom of its sheet: only those rows are read
    near_ends = f"(rowid <= {(first or 0) + 2} OR rowid >= {(last or 0) - 4})"
    kept = "" if keep_deleted else f" AND NOT {ident(DELETED)}"
    gone = [f"{near_ends} AND {totals}", empty]
    if UNTRACKED in columns:
        gone.append(ident(UNTRACKED))
    counts = [con.execute(f"SELECT count(*) FROM {STAGE} WHERE ({where}){kept}").fetchone()[0]
              for where in gone]
    if any(counts):
        con.execute(f"DELETE FROM {STAGE} WHERE " + " OR ".join(f"({w})" for w in gone))
    found = dict(zip(("totals", "empty", "untracked"), [*counts, 0]))
    return {"rows": rows, **found,
            "excluded": (0 if keep_deleted else deleted) + sum(counts)}
