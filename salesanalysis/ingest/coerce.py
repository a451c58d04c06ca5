"""SQL expressions that coerce source values to canonical types inside DuckDB.

Coercion runs in the engine, one pass over the staged rows, so that importing ten
million rows costs about what reading them costs. Every expression yields NULL
when a non-empty value cannot be read; validation turns that into a reject.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..schema import Column

__all__ = ["CoercionOptions", "ident", "literal", "clean_text", "coerce", "typed", "parse",
           "source_text", "clock_seconds"]

TRUE_WORDS = ("yes", "y", "true", "t", "1", "x", "ja", "si", "sí", "oui", "wahr")
FALSE_WORDS = ("no", "n", "false", "f", "0", "", "nein", "non", "falsch")

_TIME_SUFFIXES = ("", " %H:%M", " %H:%M:%S")
# a two-digit year before a four-digit one: %Y would read 03-Jan-24 as the year 24
_MONTH_NAMES = ("%d-%b-%y", "%d-%b-%Y", "%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y",
                "%b %d %Y", "%B %d %Y")


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
        formats = [f for b in bases for t in _TIME_SUFFIXES
                   for f in ((b.replace("%Y", "%y") + t,) if b.startswith("%d") or
                             b.startswith("%m") else ()) + (b + t,)]
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
    """Replace source values by canonical ones, ignoring case and surrounding blanks;
    the key ``"*"`` stands for every value not listed."""
    if not values:
        return text
    cases = " ".join(
        f"WHEN {literal(k.strip().lower())} THEN {literal(v)}" for k, v in values.items()
        if k != "*")
    other = literal(values["*"]) if "*" in values else text  # "*": every other value
    return (f"(CASE WHEN {text} IS NULL THEN NULL "
            f"ELSE (CASE lower({text}) {cases} ELSE {other} END) END)" if cases else
            f"(CASE WHEN {text} IS NULL THEN NULL ELSE {other} END)")


# ISO 4217 codes in use; any other letters beside a number make it unreadable
CURRENCY_CODES = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD "
    "BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB "
    "EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK "
    "JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA "
    "MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK "
    "PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN "
    "SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST "
    "XAF XCD XOF XPF YER ZAR ZMW ZWL").split()


def _number(text: str, options: CoercionOptions) -> str:
    # a currency symbol (US$, R$ and the like too) or an ISO code at either end, and
    # blanks or apostrophes used as group separators
    codes = "|".join(CURRENCY_CODES)
    money = rf"([A-Z]{{0,2}}\p{{Sc}}|{codes})"
    bare = (f"regexp_replace(regexp_replace({text}, "
            rf"'^{money}\s*|\s*{money}$', '', 'g'), "
            r"'[\s\x{00a0}\x{202f}'']', '', 'g')")
    if options.decimal == ",":
        grouped = r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$"
        to_plain = f"replace(replace({bare}, '.', ''), ',', '.')"
    else:
        grouped = r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$"
        to_plain = f"replace({bare}, ',', '')"
    parsed = f"(CASE WHEN regexp_matches({bare}, '{grouped}') THEN TRY_CAST({to_plain} AS DOUBLE) END)"
    if options.decimal == ".":
        # plain numbers, including 1e3, take the fast path; NaN and infinity read
        # here are refused by the finite-number rule of validation
        return f"COALESCE(TRY_CAST({text} AS DOUBLE), {parsed})"
    return parsed


def _has_offset(text: str) -> str:
    """SQL: the text ends in a time zone (Z, UTC, +01:00, -0500): cheap tests first."""
    return (f"(length({text}) > 16 AND (right({text}, 1) = 'Z' OR right({text}, 3) = 'UTC' "
            f"OR substr({text}, -6, 1) IN ('+', '-') OR substr({text}, -5, 1) IN ('+', '-')))")


def _timestamp(text: str, options: CoercionOptions) -> str:
    """Dates and times as exports write them: ISO with or without ``T``, 0 to 6
    decimals, unpadded hours; a time zone (``Z``, ``UTC``, ``+0000``, ``-05:00``) is
    converted to UTC (the connection's time zone), not dropped; epoch milliseconds;
    then the day-first or month-first forms of ``options``."""
    formats = "[" + ", ".join(literal(f) for f in options.date_formats()) + "]"
    zoned = f"timezone('UTC', TRY_CAST({text} AS TIMESTAMPTZ))"
    epoch_ms = (f"(CASE WHEN regexp_full_match({text}, '1?[0-9]{{12}}') "
                f"THEN make_timestamp(CAST({text} AS BIGINT) * 1000) END)")
    # DuckDB's own cast only for a year first: it reads 01/03/24 as 24 March of year 1
    year_first = f"regexp_matches({text}, '^[0-9]{{4}}[^0-9]')"
    return (f"COALESCE(CASE WHEN {_has_offset(text)} THEN {zoned} "
            f"WHEN {year_first} THEN TRY_CAST({text} AS TIMESTAMP) END, "
            f"try_strptime({text}, {formats}), {epoch_ms})")


def _bool(text: str) -> str:
    true = ", ".join(literal(w) for w in TRUE_WORDS)
    false = ", ".join(literal(w) for w in FALSE_WORDS if w)
    low = f"lower({text})"
    return f"(CASE WHEN {low} IN ({true}) THEN TRUE WHEN {low} IN ({false}) THEN FALSE END)"


_NUMERIC_SQL = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT",
                "USMALLINT", "UINTEGER", "UBIGINT", "FLOAT", "DOUBLE", "REAL")
# the integer types whose every value fits a BIGINT
_INTEGER_SQL = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER")


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
    if dtype == "str" and column.allowed is None and st in _NUMERIC_SQL[:9]:
        return f"CAST({source} AS VARCHAR)"
    return None


def source_text(source: str, source_type: str) -> str:
    """The cleaned text of a source value, ids read as numbers written without '.0'."""
    if source_type.upper() in ("DOUBLE", "FLOAT", "REAL"):
        # 1e20, NaN and infinity keep their own text: they do not fit a BIGINT
        source = (f"(CASE WHEN {source} = trunc({source}) AND abs({source}) < 9e18 THEN "
                  f"CAST(CAST({source} AS BIGINT) AS VARCHAR) ELSE CAST({source} AS VARCHAR) END)")
    return clean_text(source)


def clock_seconds(text: str) -> str:
    """SQL: a duration written H:MM or H:MM:SS in seconds; a plain number is seconds."""
    parts = f"string_split({text}, ':')"
    return (f"(CASE WHEN regexp_full_match({text}, '\\d+:[0-5]?\\d(:[0-5]?\\d(\\.\\d+)?)?') "
            f"THEN CAST({parts}[1] AS DOUBLE) * 3600 + CAST({parts}[2] AS DOUBLE) * 60 "
            f"+ coalesce(TRY_CAST({parts}[3] AS DOUBLE), 0) "
            f"ELSE TRY_CAST({text} AS DOUBLE) END)")


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
        # out of the 64-bit range (1e30, NaN, infinity) reads as unreadable, not as a crash
        return f"(CASE WHEN {number} = trunc({number}) THEN TRY_CAST({number} AS BIGINT) END)"
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
