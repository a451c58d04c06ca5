"""The row rules of a canonical table, each a SQL condition over the values read:
one pass computes a bit mask of the rules each row breaks."""

from __future__ import annotations

from dataclasses import dataclass

from .coerce import CoercionOptions, ident, literal
from ..schema import Column, TableSchema

__all__ = ["Rule", "rules_for", "bad_type_message"]

_BAD_TYPE_REASON = {"float": "bad_number", "int": "bad_integer", "bool": "bad_boolean",
                    "date": "bad_date", "timestamp": "bad_date"}


@dataclass(frozen=True)
class Rule:
    column: str
    reason: str
    condition: str  # SQL over the canonical values (and __raw_<column> texts)
    message: str


def bad_type_message(col: Column, options: CoercionOptions) -> str:
    if col.dtype in ("date", "timestamp"):
        slash = "DD/MM/YYYY" if options.dayfirst else "MM/DD/YYYY"
        return (f"not a date; expected YYYY-MM-DD, {slash} or DD.MM.YYYY "
                f"(dayfirst={options.dayfirst})")
    if col.dtype in ("float", "int"):
        kind = "a whole number" if col.dtype == "int" else "a number"
        return (f"not {kind} with decimal mark {options.decimal!r}; "
                "set the decimal option if the source writes 1.234,56")
    if col.dtype == "bool":
        return "not a yes/no value (yes/no, y/n, true/false, 1/0)"
    return "cannot be read"


def rules_for(schema: TableSchema, present: set[str], options: CoercionOptions,
           found: set[str]) -> list[Rule]:
    """The rules of ``schema``; ``present`` are the columns read from text, ``found``
    every column the source has."""
    rules: list[Rule] = []
    for col in schema.columns:
        c = ident(col.name)
        if col.required and col.default is None:
            empty = f"{ident('__raw_' + col.name)} IS NULL" if col.name in present else "TRUE"
            rules.append(Rule(col.name, "missing_value", f"{c} IS NULL AND {empty}",
                               f"{col.name} is empty but required"))
        if col.dtype != "str" and col.name in present:
            rules.append(Rule(col.name, _BAD_TYPE_REASON[col.dtype],
                               f"{c} IS NULL AND {ident('__raw_' + col.name)} IS NOT NULL",
                               bad_type_message(col, options)))
        if col.dtype == "float" and col.name in found:
            rules.append(Rule(col.name, "bad_number", f"NOT isfinite({c})",
                               "not a finite number (NaN, infinity or too large)"))
        if col.allowed is not None:
            allowed = ", ".join(literal(v) for v in col.allowed)
            rules.append(Rule(col.name, "not_allowed", f"{c} NOT IN ({allowed})",
                               f"not one of: {', '.join(col.allowed)} "
                               "(recode source values in the mapping file)"))
        if col.minimum is not None:
            what = "negative" if col.minimum == 0 else f"below the minimum {col.minimum:g}"
            rules.append(Rule(col.name, "below_minimum", f"{c} < {col.minimum!r}", what))
        if col.maximum is not None:
            rules.append(Rule(col.name, "above_maximum", f"{c} > {col.maximum!r}",
                               f"above the maximum {col.maximum:g}"))
        if col.dtype in ("date", "timestamp"):
            lo, hi = literal(options.min_date), literal(options.max_date)
            rules.append(Rule(col.name, "implausible_date",
                               f"({c} < DATE {lo} OR {c} > DATE {hi})",
                               f"outside the plausible range {options.min_date} to "
                               f"{options.max_date}"))
        if col.pattern is not None:
            rules.append(Rule(col.name, "bad_format",
                               f"NOT regexp_full_match({c}, {literal(col.pattern)})",
                               f"does not match the expected form {col.pattern}"))
    for check in schema.checks:
        rules.append(Rule(check.later, check.reason,
                           f"{ident(check.later)} < {ident(check.earlier)}", check.message))
    if len(rules) > 62:
        raise AssertionError(f"{schema.name}: more rules than fit a 64-bit mask")
    return rules
