"""What the gap analysis report shows: why a metric differs from its target, the previous
period or last year, for a rep, a team or the company (:func:`explain_gap`)."""

from __future__ import annotations

from dataclasses import replace

from ..analyses.gap import COMPARISONS, METRICS, GapExplanation, explain_gap
from ..errors import NoTargetError
from .spec import PERIOD, WORKBOOK, Param, Report

__all__ = ["REPORT", "explain_gap", "gap_or_fallback", "headline_numbers"]


def gap_or_fallback(workbook, *, metric: str = "revenue", scope=None, period: str,
                    comparison: str = "target", fallback: str = "previous") -> GapExplanation:
    """:func:`explain_gap` against ``comparison``; against ``fallback`` where that is the
    target and the period has none (or the metric is a rate, which has no targets), with
    a note that says so. The review's bridge and the gap analysis it links both use it."""
    if comparison != "target" or metric not in METRICS:  # explain_gap names the metrics
        return explain_gap(workbook, metric=metric, scope=scope, period=period,
                           against=comparison)
    if METRICS[metric].kind == "sum":
        try:
            return explain_gap(workbook, metric=metric, scope=scope, period=period,
                               against="target")
        except NoTargetError as exc:
            why = str(exc).split(";")[0]
            why = why[:1].upper() + why[1:]  # keeps "2025-Q2" as it is
    else:
        why = f"{METRICS[metric].label} is a rate, which has no targets"
    gap = explain_gap(workbook, metric=metric, scope=scope, period=period, against=fallback)
    said = f"{why}: compared with {fallback.replace('_', ' ')} instead."
    return replace(gap, note=" ".join(n for n in (said, gap.note) if n))


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
     Param("comparison", "choice", "target", "what the period is compared with (the "
           "target falls back to the previous period where there is none)",
           choices=COMPARISONS),
     Param("metric", "choice", "revenue", "the KPI whose gap is explained",
           choices=tuple(METRICS))))
