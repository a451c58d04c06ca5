"""Team-level tables for the trend and pipeline-health reports.

``team`` narrows every table to one team's reps (None: everyone); ``period`` is a
closed period label (``2025-11``) the report is about.
"""

from __future__ import annotations

import pandas as pd

from . import kpi
from .cache import cached
from .kpi.engine import divide
from .kpi.periods import period_bounds, period_label, shift_period, truncate
from .kpi.results import targets
from .review import _reps, period_end

__all__ = ["members", "trend", "ranking", "coverage", "pipeline_against_target",
           "disqualify", "slippage", "consistency", "weekly_prospects", "referral_conversion"]

LEVELS = ("rep", "team", "department")


def members(workbook, *, team: str | None = None) -> pd.DataFrame:
    """The sellers of ``team`` (every team when None): rep_id, name, team, department."""
    reps = _reps(workbook)
    if team is not None:
        if team not in set(reps["team"]):
            raise ValueError(f"no team {team!r} in the workbook (teams: "
                             f"{', '.join(sorted(reps['team'].dropna().unique()))})")
        reps = reps[reps["team"] == team]
    sellers = reps[reps["role"].notna()]
    return sellers[["rep_id", "name", "team", "department"]].reset_index(drop=True)


def _keep(frame: pd.DataFrame, workbook, team, level: str) -> pd.DataFrame:
    if team is None:
        return frame.reset_index(drop=True)
    people = members(workbook, team=team)
    allowed = {"rep": set(people["rep_id"]), "team": {team},
               "department": set(people["department"])}[level]
    return frame[frame[level].isin(allowed)].reset_index(drop=True)


def trend(workbook, *, metric: str, level: str = "team", grain: str = "month", period: str,
          periods: int = 12, team: str | None = None) -> pd.DataFrame:
    """``metric`` per member of ``level`` for the ``periods`` periods of ``grain`` up to
    the end of ``period``, with target (counts and amounts), previous period and the
    same period last year."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}; got {level!r}")
    last = truncate(period_bounds(period)[2], grain)
    first = shift_period(last, grain, 1 - periods)
    since = min(shift_period(first, grain, -1), truncate(first - pd.DateOffset(years=1), grain))
    end = shift_period(last, grain, 1) - pd.Timedelta(days=1)
    frame = _series(workbook, metric=metric, level=level, grain=grain,
                    start=since.date().isoformat(), end=end.date().isoformat())
    frame = _keep(frame, workbook, team, level).rename(columns={metric: "actual"})
    by_start = frame.set_index([level, "period_start"])["actual"]
    frame["previous"] = [by_start.get((m, shift_period(s, grain, -1)))
                         for m, s in zip(frame[level], frame["period_start"])]
    frame["last_year"] = [by_start.get((m, truncate(s - pd.DateOffset(years=1), grain)))
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
    names = _reps(workbook).set_index("rep_id")["name"]
    frame.insert(2, "name", frame["rep"].map(names))
    ascending = kpi.get(metric).direction == -1
    frame["rank"] = frame["actual"].rank(ascending=ascending, method="min").astype("Int64")
    return frame.sort_values(["rank", "rep"]).reset_index(drop=True)


def coverage(workbook, *, period: str, team: str | None = None) -> pd.DataFrame:
    """Pipeline coverage per rep of the quarter holding the end of ``period``: what
    remains to win against the open pipeline due in the quarter."""
    as_of = period_end(workbook, period)
    return _keep(kpi.coverage(workbook, by="rep", as_of=as_of), workbook, team, "rep")


def pipeline_against_target(workbook, *, period: str, team: str | None = None) -> pd.DataFrame:
    """Per rep at the end of ``period``: open and weighted pipeline against the revenue
    target of the quarter holding it."""
    as_of = period_end(workbook, period)
    pipe = _keep(kpi.open_pipeline(workbook, by="rep", as_of=as_of), workbook, team, "rep")
    quarter = period_label(truncate(as_of, "quarter"), "quarter")
    goal = targets(workbook, metric="revenue", by="rep", labels=[quarter])
    out = pipe.merge(goal.drop(columns="period"), on="rep", how="left")
    out.insert(2, "target_quarter", quarter)
    out["weighted_vs_target"] = divide(out["weighted_pipeline"], out["target"])
    return out


def disqualify(workbook, *, period: str, team: str | None = None) -> pd.DataFrame:
    """The team's open deals to disqualify at the end of ``period``, with their reasons."""
    as_of = period_end(workbook, period)
    people = members(workbook, team=team)
    deals = kpi.stalled_deals(workbook, as_of=as_of, rep=list(people["rep_id"]))
    deals = deals[deals["disqualify"]]
    return deals[["rep_id", "opportunity_id", "customer_id", "stage", "amount",
                  "expected_close", "days_idle", "reasons"]].sort_values(
        ["rep_id", "amount"], ascending=[True, False]).reset_index(drop=True)


def slippage(workbook, *, period: str, team: str | None = None) -> pd.DataFrame:
    """Per rep: deals whose expected close moved in ``period``, pushes and days pushed."""
    _, first, last = period_bounds(period)
    people = members(workbook, team=team)
    moved = kpi.slipped_deals(workbook, start=first, end=last, rep=list(people["rep_id"]))
    out = moved.groupby("rep_id").agg(deals_moved=("opportunity_id", "size"),
                                      pushes=("pushes", "sum"), pulls=("pulls", "sum"),
                                      days_pushed=("days_pushed", "sum"))
    out = out.reindex(people["rep_id"], fill_value=0).rename_axis("rep").reset_index()
    return out.sort_values(["days_pushed", "rep"], ascending=[False, True]).reset_index(drop=True)


def consistency(workbook, *, period: str, team: str | None = None, weeks: int = 26
                ) -> pd.DataFrame:
    """Weekly prospecting per rep over ``weeks`` weeks to the end of ``period``: mean,
    coefficient of variation, weeks below the floor and the sawtooth flag."""
    end = period_end(workbook, period)
    frame = kpi.prospecting_consistency(workbook, by="rep", end=end, weeks=weeks)
    return _keep(frame, workbook, team, "rep")


def weekly_prospects(workbook, *, rep: str, period: str, weeks: int = 26) -> pd.DataFrame:
    """One rep's new prospects per ISO week over the ``weeks`` weeks to ``period``'s end."""
    end = period_end(workbook, period)
    last = truncate(end, "week")
    first = last - pd.Timedelta(weeks=weeks - 1)
    frame = kpi.new_prospects(workbook, by="rep", period="week", start=first,
                              end=last + pd.Timedelta(days=6))
    return frame[frame["rep"] == rep].reset_index(drop=True)


def referral_conversion(workbook, *, period: str, team: str | None = None, months: int = 12
                        ) -> pd.DataFrame:
    """Per rep over the ``months`` months to ``period``'s end: referral requests, the
    referral share of new pipeline, and the win rate of referral deals against other
    sources."""
    _, _, last = period_bounds(period)
    first = shift_period(truncate(last, "month"), "month", 1 - months)
    frame = kpi.compute(workbook, ["referral_requests", "referral_share", "referral_win_rate",
                                   "other_win_rate"], by="rep", start=first, end=last)
    return _keep(frame, workbook, team, "rep")
