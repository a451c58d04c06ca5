"""Rows that share a key: a change log's rows of one edit merged, duplicate keys said,
rows whose ids were made from their values flagged when they repeat."""

from __future__ import annotations

from .coerce import ident, literal
from ..schema import TableSchema

__all__ = ["merge_changes", "find_duplicates", "flag_repeated_rows"]


def merge_changes(con, schema: TableSchema, typed_table: str) -> None:
    """A change log writes one row per field of one edit: the rows of one key (deal,
    time) become one, each column its value from the row that changed it."""
    key = [ident(k) for k in schema.key]
    others = [ident(c) for c in schema.column_names if c not in schema.key]
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {typed_table} AS
        SELECT min(_row) AS _row, {", ".join(key)},
               {", ".join(f"any_value({c}) FILTER (WHERE {c} IS NOT NULL) AS {c}"
                          for c in others)}, 0::BIGINT AS _mask
        FROM {typed_table} WHERE _mask = 0 GROUP BY ALL
        UNION ALL BY NAME SELECT * FROM {typed_table} WHERE _mask <> 0""")


def find_duplicates(con, schema: TableSchema, typed_table: str, record) -> None:
    """Say every row whose key another row has: a repeated row, or the same key with
    different values; ``record(select)`` stores them as errors."""
    key = ", ".join(ident(k) for k in schema.key)
    on = " AND ".join(f"t.{ident(k)} IS NOT DISTINCT FROM d.{ident(k)}" for k in schema.key)
    every = ", ".join(f"t.{ident(c)}" for c in schema.column_names)
    key_text = " || '/' || ".join(f"coalesce(CAST(t.{ident(k)} AS VARCHAR), '')"
                                  for k in schema.key)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _dups AS
        WITH keys AS (
            SELECT {key} FROM {typed_table} WHERE _mask = 0 GROUP BY ALL HAVING count(*) > 1
        ), rows AS (
            SELECT t._row, {key_text} AS key_text, hash({every}) AS content,
                   {", ".join(f"t.{ident(k)}" for k in schema.key)}
            FROM {typed_table} t JOIN keys d ON {on} WHERE t._mask = 0
        )
        SELECT _row, key_text,
               count(DISTINCT content) OVER w AS versions,
               min(_row) OVER w AS first_row,
               string_agg(CAST(_row AS VARCHAR), ', ' ORDER BY _row) OVER w AS all_rows
        FROM rows WINDOW w AS (PARTITION BY key_text)
    """)
    key_name = "/".join(schema.key)
    record(f"""
        SELECT _row AS row, {literal(key_name)} AS column_name, key_text AS value,
               CASE WHEN versions = 1 THEN 'duplicate_row' ELSE 'duplicate_key' END AS reason,
               CASE WHEN versions = 1 THEN 'repeats row ' || first_row
                    ELSE 'the same {key_name} with different values on rows ' || all_rows
                    END AS message
        FROM _dups WHERE versions > 1 OR _row <> first_row""")


def flag_repeated_rows(con, schema: TableSchema, typed_table: str, record) -> None:
    """Warn of rows whose ids were made from their values and that repeat an earlier
    row: each is kept as a record of its own, and the source may hold a line twice."""
    content = ", ".join(ident(c) for c in schema.column_names if c not in schema.key)
    record(f"""
        SELECT _row AS row, NULL AS column_name, NULL AS value, 'repeated_row' AS reason,
               'the same values as row ' || first_row || ': kept as a record of its own '
               || '(entered twice? delete one line)' AS message
        FROM (SELECT _row, min(_row) OVER (PARTITION BY hash({content})) AS first_row
              FROM {typed_table} WHERE _mask = 0)
        WHERE _row <> first_row""")
