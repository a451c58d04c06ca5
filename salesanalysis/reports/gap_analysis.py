"""What the gap analysis report shows: why a metric differs from its target, the previous
period or last year, for a rep, a team or the company (:func:`explain_gap`)."""

from __future__ import annotations

from ..analyses.gap import COMPARISONS, METRICS, GapExplanation, explain_gap
from .spec import PERIOD, WORKBOOK, Param, Report

__all__ = ["REPORT", "explain_gap", "headline_numbers"]


def headline_numbers(gap: GapExplanation) -> dict:
    """The numbers a batch index shows for one gap analysis: the gap, the actual, the
    baseline (in the metric's unit) and how many segments explain it."""
    return {"gap": gap.gap, "actual": gap.actual, "baseline": gap.baseline,
            "segments": len(gap.segments),
            "units": {"gap": gap.unit, "actual": gap.unit, "baseline": gap.unit}}


REPORT = Report(
    "gap_analysis",
    (WORKBOOK,
     Param("scope", "str", None, "a rep id, a team, or None for the company", optional=True),
     PERIOD,
     Param("comparison", "choice", "previous", "what the period is compared with",
           choices=COMPARISONS),
     Param("metric", "choice", "revenue", "the KPI whose gap is explained",
           choices=tuple(METRICS))))
