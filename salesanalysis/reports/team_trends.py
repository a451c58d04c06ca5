"""What the team trends report shows: a KPI over time per department, team, rep and
territory, against target, the previous period and the same period last year, and the reps ranked.

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
from ..store.roster import keep_team, members, reps_frame
from .spec import PERIOD, TEAM, WORKBOOK, Param, Report
from ..errors import InvalidArgumentError

__all__ = ["REPORT", "trend", "rep_trend", "ranking", "headline_numbers"]

LEVELS = ("rep", "team", "department", "territory")
BAND = ("peers_low", "peers_high")  # the middle half of a rep's peers, per period


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
    # a territory holds customers, not reps: a team's trend counts its reps' records
    reps = tuple(members(workbook, team=team)["rep_id"]) if team and level == "territory" else None
    frame = _series(workbook, metric=metric, level=level, grain=grain,
                    start=since.date().isoformat(), end=end.date().isoformat(), reps=reps)
    if level != "territory":
        frame = keep_team(frame, workbook, team=team, level=level)
    frame = frame.rename(columns={metric: "actual"})
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
def _series(workbook, *, metric, level, grain, start, end, reps=None) -> pd.DataFrame:
    return kpi.compute(workbook, metric, by=level, period=grain, start=start, end=end,
                       reps=list(reps) if reps else None)


def rep_trend(workbook, *, metric: str, grain: str = "month", period: str, periods: int = 12,
              team: str | None = None) -> pd.DataFrame:
    """:func:`trend` per rep with the rep's name and role, and the middle half of the
    rep's peers (the reps of the same role; everyone shown when no rep has a role) in
    each period (``peers_low`` / ``peers_high``: the 25th and 75th percentile). Reps come
    in the order of the last period's value, best first."""
    frame = trend(workbook, metric=metric, level="rep", grain=grain, period=period,
                  periods=periods, team=team)
    frame = _with_name_and_role(frame, workbook)
    frame["name"] = frame["name"].fillna(frame["rep"])  # a panel needs a title
    peers = frame["role"].fillna("")
    grouped = frame.groupby([peers, "period"])["actual"]
    frame[BAND[0]] = grouped.transform(lambda v: v.quantile(0.25))
    frame[BAND[1]] = grouped.transform(lambda v: v.quantile(0.75))
    latest = frame[frame["period"] == frame["period"].max()].set_index("rep")["actual"]
    order = latest.sort_values(ascending=kpi.get(metric).direction == -1, kind="stable")
    rank = {rep: i for i, rep in enumerate(order.index)}
    frame["_order"] = frame["rep"].map(rank)
    return frame.sort_values(["_order", "period_start"], kind="stable").drop(
        columns="_order").reset_index(drop=True)


def _with_name_and_role(frame: pd.DataFrame, workbook) -> pd.DataFrame:
    """``frame`` (one row per rep and period) with each rep's name and role after ``rep``."""
    roster = reps_frame(workbook).set_index("rep_id")
    frame.insert(2, "name", frame["rep"].map(roster["name"]))
    frame.insert(3, "role", frame["rep"].map(roster["role"]))
    return frame


def ranking(workbook, *, metric: str, period: str, team: str | None = None) -> pd.DataFrame:
    """Reps ranked on ``metric`` for ``period`` (1 = best, by the KPI's direction), with
    target and the change against the previous period."""
    kind = period_bounds(period)[0]
    frame = trend(workbook, metric=metric, level="rep", grain=kind, period=period, periods=1,
                  team=team)
    frame = _with_name_and_role(frame, workbook)
    ascending = kpi.get(metric).direction == -1
    frame["rank"] = frame["actual"].rank(ascending=ascending, method="min").astype("Int64")
    return frame.sort_values(["rank", "rep"]).reset_index(drop=True)


def headline_numbers(ranked: pd.DataFrame) -> dict:
    """The numbers a batch index shows for the report: the metric's total over the ranked
    reps (none for a rate, which does not add up), how many reps and how many on target
    (unknown when no rep has one); ``ranked`` from :func:`ranking`."""
    spec = kpi.get(ranked["metric"].iloc[0]) if len(ranked) else None
    targeted = ranked["vs_target"].notna()
    total = None if spec is None or spec.is_ratio else float(ranked["actual"].sum())
    return {"metric_total": total, "reps": len(ranked),
            "on_target": int((ranked["vs_target"] >= 1).sum()) if targeted.any() else None,
            "units": {"metric_total": spec.unit if spec else "count"}}


REPORT = Report(
    "team_trends",
    (WORKBOOK, TEAM, PERIOD,
     Param("grain", "choice", "month", "the trend's period",
           choices=("week", "month", "quarter", "year")),
     Param("periods", "int", 12, "how many periods to show"),
     Param("metric", "kpi", "revenue", "the KPI to follow")))
