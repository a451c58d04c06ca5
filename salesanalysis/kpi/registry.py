"""Every KPI with its name, formula in words, unit, direction and the data it needs.

The registry drives documentation, widgets and reports: ``kpis()`` lists it as a
table, ``get(name)`` returns one entry, ``missing(workbook, columns)`` says what of
the data a KPI needs is not loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..errors import InvalidArgumentError, UnknownNameError
from ..schema import SCHEMAS
from .units import UNITS

__all__ = ["KPI", "REGISTRY", "register", "get", "kpis", "missing", "coverage",
           "describe_coverage", "UNITS"]



@dataclass(frozen=True)
class KPI:
    """One registered KPI.

    numerator / denominator: for a ratio, the names of the columns holding them;
        results carry both so rolling up sums them instead of averaging ratios.
    columns: ``{table: (column, ...)}`` that must hold values for the KPI to be
        computed; each table named must have rows.
    direction: +1 when higher is better, -1 when lower is better, 0 when neither.
    """

    name: str
    label: str
    formula: str
    unit: str
    direction: int
    columns: dict[str, tuple[str, ...]]
    numerator: str | None = None
    denominator: str | None = None
    group: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def tables(self) -> tuple[str, ...]:
        return tuple(self.columns)

    @property
    def is_ratio(self) -> bool:
        return self.denominator is not None


REGISTRY: dict[str, KPI] = {}


def register(kpi: KPI) -> KPI:
    if kpi.unit not in UNITS:
        raise InvalidArgumentError(f"unit of {kpi.name} must be one of {UNITS}, got {kpi.unit!r}")
    for table, cols in kpi.columns.items():
        unknown = set(cols) - set(SCHEMAS[table].column_names)
        if unknown:
            raise InvalidArgumentError(f"{kpi.name}: {table} has no column "
                                       f"{', '.join(sorted(unknown))}")
    REGISTRY[kpi.name] = kpi
    return kpi


def get(name: str) -> KPI:
    try:
        return REGISTRY[name]
    except (KeyError, TypeError):
        raise UnknownNameError(f"unknown KPI {name!r}; the KPIs are: "
                               f"{', '.join(sorted(REGISTRY))}") from None


def kpis(group: str | None = None) -> pd.DataFrame:
    """The registry as a table: name, group, label, formula, unit, direction, tables."""
    rows = [{"name": k.name, "group": k.group, "label": k.label, "formula": k.formula,
             "unit": k.unit, "direction": {1: "higher is better", -1: "lower is better",
                                           0: "neutral"}[k.direction],
             "numerator": k.numerator, "denominator": k.denominator,
             "tables": ", ".join(k.tables)}
            for k in REGISTRY.values() if group is None or k.group == group]
    return pd.DataFrame(rows)


def missing(workbook, columns: dict[str, tuple[str, ...]]) -> list[str]:
    """What of ``columns`` holds no data, in words (empty when everything is there)."""
    profile = workbook.column_counts()
    out = []
    for table, cols in columns.items():
        if profile[table]["*"] == 0:
            out.append(f"table {table} (no rows loaded)")
            continue
        out += [f"column {table}.{c} (no values)" for c in cols if profile[table][c] == 0]
    return out


def coverage(workbook) -> pd.DataFrame:
    """What the loaded data allows: one row per KPI with its group, whether it can be
    computed and, if not, what it needs (the rule the reports use to show a section
    or say what it lacks)."""
    rows = []
    for k in REGISTRY.values():
        lacks = missing(workbook, k.columns)
        rows.append({"group": k.group, "kpi": k.name, "available": not lacks,
                     "needs": "; ".join(lacks)})
    return pd.DataFrame(rows, columns=["group", "kpi", "available", "needs"])


def describe_coverage(workbook) -> str:
    """:func:`coverage` in words, one line per KPI group and one per missing need."""
    table = coverage(workbook)
    lines = ["what the data allows (KPIs by report section):"]
    for group, part in table.groupby("group", sort=False):
        have = int(part["available"].sum())
        lines.append(f"  {group or 'other'}: {have} of {len(part)} KPIs"
                     + ("" if have < len(part) else " (all)"))
        lacking = part[~part["available"]]
        by_need: dict[str, list[str]] = {}
        for row in lacking.itertuples():
            for need in row.needs.split("; "):
                by_need.setdefault(need, []).append(row.kpi)
        for need, names in sorted(by_need.items(), key=lambda item: -len(item[1])):
            shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3
                                            else "")
            lines.append(f"    needs {need}: {shown}")
    return "\n".join(lines)
