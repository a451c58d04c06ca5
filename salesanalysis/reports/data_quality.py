"""What the data-quality report shows: imports, rejects, completeness per column and
which KPIs the loaded data allows."""

from __future__ import annotations

import pandas as pd

from ..checks import message
from ..errors import UnknownNameError
from ..kpi.registry import REGISTRY, missing
from ..ingest.report import problems_by_reason
from ..schema import SCHEMAS, TABLE_ORDER
from .spec import WORKBOOK, Report

__all__ = ["import_history", "rejects_by_reason", "completeness", "kpi_availability"]


def import_history(workbook) -> pd.DataFrame:
    """Every import: when, as of which date, rows read, accepted, rejected and flagged."""
    return workbook.imports()[["import_id", "finished_at", "as_of", "rows_read", "accepted",
                               "rejected", "flagged"]]


def rejects_by_reason(workbook) -> pd.DataFrame:
    """Rejected rows' problems of the latest import, counted by table, column and reason,
    with one example value each."""
    problems = workbook.rejects()
    counts = problems_by_reason(problems)
    if problems.empty:
        return counts.assign(example=pd.Series(dtype=str))
    keys = [k for k in ("table", "column", "reason", "severity") if k in problems]
    examples = problems.groupby(keys, dropna=False)["value"].first().rename("example")
    return counts.merge(examples.reset_index(), on=keys, how="left")


def completeness(workbook, *, tables=None) -> pd.DataFrame:
    """Share of rows with a value in each column of each loaded table (``filled``),
    required columns marked; empty tables are left out."""
    unknown = [t for t in tables or () if t not in TABLE_ORDER]
    if unknown:
        raise UnknownNameError(message("tables", "completeness", "canonical tables among "
                                       + ", ".join(TABLE_ORDER), unknown))
    counts = workbook.column_counts()
    rows = []
    for table in tables or TABLE_ORDER:
        total = counts[table].get("*", 0)
        if not total:
            continue
        for col in SCHEMAS[table].columns:
            filled = counts[table].get(col.name, 0)
            rows.append({"table": table, "column": col.name, "required": col.required,
                         "rows": total, "with_value": filled, "filled": filled / total})
    return pd.DataFrame(rows, columns=["table", "column", "required", "rows", "with_value",
                                       "filled"])


def kpi_availability(workbook) -> pd.DataFrame:
    """Every registered KPI: whether the loaded data allows it and, if not, what is
    missing."""
    rows = []
    for spec in REGISTRY.values():
        gaps = missing(workbook, spec.columns)
        rows.append({"kpi": spec.name, "label": spec.label, "group": spec.group,
                     "available": not gaps, "missing": "; ".join(gaps)})
    return (pd.DataFrame(rows).sort_values(["available", "group", "kpi"], kind="stable")
            .reset_index(drop=True))


def headline_numbers(*, imports: pd.DataFrame, available: pd.DataFrame) -> dict:
    """The numbers a batch index shows: the rows the latest import rejected (a row with
    two problems is one row), KPIs the data allows and not."""
    return {"rejected": int(imports["rejected"].iloc[-1]) if len(imports) else 0,
            "kpis_available": int(available["available"].sum()),
            "kpis_missing": int((~available["available"]).sum())}


REPORT = Report("data_quality", (WORKBOOK,))
