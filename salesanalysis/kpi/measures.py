"""One public function per measure-built KPI, generated from the registry."""

from __future__ import annotations

from .definitions import MEASURE_KPIS
from .engine import compute
from .registry import KPI

__all__ = [k.name for k in MEASURE_KPIS]

PARAMETERS = """\
Parameters
----------
workbook : Workbook
    An open workbook.
by : str or list of str, default "rep"
    Group by any of rep, team, department, segment, territory, customer, source,
    activity_type (or None for one total).
period : {"week", "month", "quarter", "year"} or None
    One row per ISO week (Monday), month, quarter or year; None for the whole range.
start, end : date-like, optional
    First and last day included. Every period from start to end gets a row per
    group, with zeros where nothing happened.
"""


def _returns(kpi: KPI) -> str:
    if kpi.is_ratio:
        return (f"DataFrame with the groups, period and period_start, then {kpi.numerator} "
                f"(numerator), {kpi.denominator} (denominator) and {kpi.name}; missing "
                "where the denominator is 0.")
    return f"DataFrame with the groups, period and period_start, then {kpi.name}."


def _function(kpi: KPI):
    def kpi_function(workbook, *, by="rep", period=None, start=None, end=None):
        return compute(workbook, kpi.name, by=by, period=period, start=start, end=end)

    kpi_function.__name__ = kpi_function.__qualname__ = kpi.name
    kpi_function.__doc__ = (f"{kpi.label}: {kpi.formula} ({kpi.unit}).\n\n{PARAMETERS}\n"
                            f"Returns\n-------\n{_returns(kpi)}\n")
    return kpi_function


globals().update({k.name: _function(k) for k in MEASURE_KPIS})
