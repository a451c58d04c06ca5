"""SQL expressions that coerce source values to canonical types inside DuckDB.

Coercion runs in the engine, one pass over the staged rows, so that importing ten
million rows costs about what reading them costs. Every expression yields NULL
when a non-empty value cannot be read; validation turns that into a reject.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..schema import Column

__all__ = ["CoercionOptions", "ident", "literal", "clean_text", "coerce", "typed", "parse",
           "source_text"]

TRUE_WORDS = ("yes", "y", "true", "t", "1", "x", "ja", "si", "sí", "oui", "wahr")
FALSE_WORDS = ("no", "n", "false", "f", "0", "", "nein", "non", "falsch")

_TIME_SUFFIXES = ("", " %H:%M", " %H:%M:%S")
_MONTH_NAMES = ("%d-%b-%Y", "%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%d-%b-%y")


@dataclass(frozen=True)
class CoercionOptions:
    """How ambiguous text is read.

    dayfirst: 03/04/2024 is 3 April (True) or 4 March (False). Dotted dates
        (03.04.2024) are always day first.
    decimal: the decimal mark, '.' or ','; the other mark and blanks are read as
        thousands separators.
    min_date / max_date: dates outside this range are rejected as implausible.
    """

    dayfirst: bool = False
    decimal: str = "."
    min_date: str = "1990-01-01"
    max_date: str = "2100-12-31"

    def date_formats(self) -> list[str]:
        slash = "%d/%m/%Y" if self.dayfirst else "%m/%d/%Y"
        bases = [slash, "%d.%m.%Y", "%Y/%m/%d"]
        if self.dayfirst:
            bases.append("%d-%m-%Y")
        formats = [b + t for b in bases for t in _TIME_SUFFIXES]
        return formats + list(_MONTH_NAMES)


def ident(name: str) -> str:
    """A SQL identifier, quoted whatever characters the source used."""
    return '"' + str(name).replace('"', '""') + '"'


def literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def clean_text(expr: str) -> str:
    """Trim blanks (also non-breaking ones); empty text becomes NULL."""
    return f"NULLIF(trim(CAST({expr} AS VARCHAR), ' \t\r\n\u00a0\u202f'), '')"


def recode(text: str, values: dict[str, str]) -> str:
    """Replace source values by canonical ones, ignoring case and surrounding blanks."""
    if not values:
        return text
    cases = " ".join(
        f"WHEN {literal(k.strip().lower())} THEN {literal(v)}" for k, v in values.items()
    )
    return f"(CASE lower({text}) {cases} ELSE {text} END)"


def _number(text: str, options: CoercionOptions) -> str:
    # currency symbols and ISO codes at either end, and blanks used as group separators
    bare = (
        f"regexp_replace(regexp_replace({text}, "
        r"'^[\p{{Sc}}A-Z]{{0,3}}\s*|\s*[\p{{Sc}}A-Z]{{0,3}}$', '', 'g'), "
        r"'[\s\x{{00a0}}\x{{202f}}'']', '', 'g')"
    )
    bare = bare.replace("{{", "{").replace("}}", "}")
    if options.decimal == ",":
        grouped = r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$"
        to_plain = f"replace(replace({bare}, '.', ''), ',', '.')"
    else:
        grouped = r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$"
        to_plain = f"replace({bare}, ',', '')"
    parsed = f"(CASE WHEN regexp_matches({bare}, '{grouped}') THEN TRY_CAST({to_plain} AS DOUBLE) END)"
    if options.decimal == ".":
        # plain numbers, including 1e3, take the fast path
        return f"COALESCE(TRY_CAST({text} AS DOUBLE), {parsed})"
    return parsed


def _timestamp(text: str, options: CoercionOptions) -> str:
    formats = "[" + ", ".join(literal(f) for f in options.date_formats()) + "]"
    return f"COALESCE(TRY_CAST({text} AS TIMESTAMP), try_strptime({text}, {formats}))"


def _bool(text: str) -> str:
    true = ", ".join(literal(w) for w in TRUE_WORDS)
    false = ", ".join(literal(w) for w in FALSE_WORDS if w)
    low = f"lower({text})"
    return f"(CASE WHEN {low} IN ({true}) THEN TRUE WHEN {low} IN ({false}) THEN FALSE END)"


_NUMERIC_SQL = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT",
                "USMALLINT", "UINTEGER", "UBIGINT", "FLOAT", "DOUBLE", "REAL")
_INTEGER_SQL = _NUMERIC_SQL[:9]


def typed(column: Column, source: str, source_type: str) -> str | None:
    """SQL reading ``source`` directly when its type already fits, else None.

    Typed sources (Parquet, frames, databases) skip text parsing this way.
    """
    st = source_type.upper()
    dtype = column.dtype
    if dtype == "float" and (st in _NUMERIC_SQL or st.startswith("DECIMAL")):
        return f"CAST({source} AS DOUBLE)"
    if dtype == "int" and st in _INTEGER_SQL:
        return f"CAST({source} AS BIGINT)"
    if dtype in ("timestamp", "date") and (st.startswith("TIMESTAMP") or st == "DATE"):
        return f"CAST({source} AS {column.sql_type})"
    if dtype == "bool" and st == "BOOLEAN":
        return source
    if dtype == "str" and column.allowed is None and st in _INTEGER_SQL:
        return f"CAST({source} AS VARCHAR)"
    return None


def source_text(source: str, source_type: str) -> str:
    """The cleaned text of a source value, ids read as numbers written without '.0'."""
    if source_type.upper() in ("DOUBLE", "FLOAT", "REAL"):
        source = (f"(CASE WHEN {source} = trunc({source}) THEN "
                  f"CAST(CAST({source} AS BIGINT) AS VARCHAR) ELSE CAST({source} AS VARCHAR) END)")
    return clean_text(source)


def parse(column: Column, text: str, values: dict[str, str], options: CoercionOptions) -> str:
    """SQL for the canonical value of ``column`` from cleaned text ``text``."""
    dtype = column.dtype
    text = recode(text, values)
    if column.allowed is not None:
        # enumerations are lower-case words joined by underscores; most already are
        allowed = ", ".join(literal(v) for v in column.allowed)
        text = (f"(CASE WHEN {text} IN ({allowed}) THEN {text} "
                f"ELSE regexp_replace(lower({text}), '[\\s\\-]+', '_', 'g') END)")
    if dtype == "str":
        return text
    if dtype == "float":
        return _number(text, options)
    if dtype == "int":
        number = _number(text, options)
        return f"(CASE WHEN {number} = trunc({number}) THEN CAST({number} AS BIGINT) END)"
    if dtype == "bool":
        return _bool(text)
    if dtype == "timestamp":
        return _timestamp(text, options)
    if dtype == "date":
        return f"CAST({_timestamp(text, options)} AS DATE)"
    raise ValueError(f"unknown column type {dtype!r}")


def coerce(column: Column, source: str, source_type: str, values: dict[str, str],
           options: CoercionOptions) -> str:
    """SQL for the canonical value of ``column`` read from the expression ``source``."""
    direct = None if values else typed(column, source, source_type)
    return direct or parse(column, source_text(source, source_type), values, options)
