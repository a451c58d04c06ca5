"""What the team trends report shows: a KPI over time per department, team and rep,
against target, the previous period and the same period last year, and the reps ranked.

``team`` narrows every table to one team's reps (None: everyone); ``period`` is a
closed period label (``2025-11``) the report is about.
"""

from __future__ import annotations

import pandas as pd

from .. import kpi
from ..store.cache import cached
from ..kpi.engine import divide
from ..kpi.periods import AGAINST, baseline_start, period_bounds, shift_period, truncate
from ..kpi.results import targets
from ..store.roster import keep_team, rep_names
from .spec import PERIOD, TEAM, WORKBOOK, Param, Report
from ..errors import InvalidArgumentError

__all__ = ["REPORT", "trend", "ranking", "headline_numbers"]

LEVELS = ("rep", "team", "department")


def trend(workbook, *, metric: str, level: str = "team", grain: str = "month", period: str,
          periods: int = 12, team: str | None = None) -> pd.DataFrame:
    """``metric`` per member of ``level`` for the ``periods`` periods of ``grain`` up to
    the end of ``period``, with target (counts and amounts), previous period and the
    same period last year."""
    if level not in LEVELS:
        raise InvalidArgumentError(f"level must be one of {', '.join(LEVELS)}; got {level!r}")
    last = truncate(period_bounds(period)[2], grain)
    first = shift_period(last, grain, 1 - periods)
    since = min(baseline_start(first, grain, a) for a in AGAINST)
    end = shift_period(last, grain, 1) - pd.Timedelta(days=1)
    frame = _series(workbook, metric=metric, level=level, grain=grain,
                    start=since.date().isoformat(), end=end.date().isoformat())
    frame = keep_team(frame, workbook, team=team, level=level).rename(columns={metric: "actual"})
    by_start = frame.set_index([level, "period_start"])["actual"]
    for against in AGAINST:
        frame[against] = [by_start.get((m, baseline_start(s, grain, against)))
                          for m, s in zip(frame[level], frame["period_start"])]
    frame = frame[frame["period_start"] >= first].reset_index(drop=True)
    spec = kpi.get(metric)
    if spec.is_ratio or grain == "week":
        frame["target"] = float("nan")
    else:
        goals = targets(workbook, metric=metric, by=level,
                        labels=sorted(frame["period"].unique()))
        frame = frame.merge(goals, on=[level, "period"], how="left")
    frame[["actual", "previous", "last_year", "target"]] = frame[
        ["actual", "previous", "last_year", "target"]].astype(float)
    frame["vs_target"] = divide(frame["actual"], frame["target"])
    frame.insert(0, "metric", metric)
    return frame[["metric", level, "period", "period_start", "actual", "target", "vs_target",
                  "previous", "last_year"]]


@cached
def _series(workbook, *, metric, level, grain, start, end) -> pd.DataFrame:
    return kpi.compute(workbook, metric, by=level, period=grain, start=start, end=end)


def ranking(workbook, *, metric: str, period: str, team: str | None = None) -> pd.DataFrame:
    """Reps ranked on ``metric`` for ``period`` (1 = best, by the KPI's direction), with
    target and the change against the previous period."""
    kind = period_bounds(period)[0]
    frame = trend(workbook, metric=metric, level="rep", grain=kind, period=period, periods=1,
                  team=team)
    names = rep_names(workbook)
    frame.insert(2, "name", frame["rep"].map(names))
    ascending = kpi.get(metric).direction == -1
    frame["rank"] = frame["actual"].rank(ascending=ascending, method="min").astype("Int64")
    return frame.sort_values(["rank", "rep"]).reset_index(drop=True)


def headline_numbers(ranked: pd.DataFrame) -> dict:
    """The numbers a batch index shows for the report: the metric's total over the ranked
    reps, how many reps and how many on target (``ranked`` from :func:`ranking`)."""
    return {"metric_total": float(ranked["actual"].sum()), "reps": len(ranked),
            "on_target": int((ranked["vs_target"] >= 1).sum())}


REPORT = Report(
    "team_trends",
    (WORKBOOK, TEAM, PERIOD,
     Param("grain", "choice", "month", "the trend's period",
           choices=("week", "month", "quarter", "year")),
     Param("periods", "int", 12, "how many periods to show"),
     Param("metric", "kpi", "revenue", "the KPI to follow")))
