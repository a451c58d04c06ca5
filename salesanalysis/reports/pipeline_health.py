"""What the pipeline health report shows: coverage against what remains to win, the
weighted pipeline against target, deals to disqualify, slippage, prospecting consistency
and referral conversion, per rep.

``team`` narrows every table to one team's reps (None: everyone); ``period`` is a
closed period label (``2025-11``) the report is about.
"""

from __future__ import annotations

import pandas as pd

from .. import kpi
from ..kpi.engine import divide
from ..kpi.periods import period_bounds, period_end, period_label, shift_period, truncate
from ..kpi.results import targets
from ..store.roster import keep_team, members, rep_info
from .spec import PERIOD, TEAM, WORKBOOK, Param, Report

__all__ = ["REPORT", "coverage", "pipeline_against_target", "disqualify", "slippage",
           "consistency", "weekly_prospects", "referral_conversion", "headline_numbers"]


def coverage(workbook, *, period: str, team: str | None = None) -> pd.DataFrame:
    """Pipeline coverage per rep of the quarter holding the end of ``period``: what
    remains to win against the open pipeline due in the quarter."""
    as_of = period_end(workbook, period)
    return keep_team(kpi.coverage(workbook, by="rep", as_of=as_of), workbook, team=team)


def pipeline_against_target(workbook, *, period: str, team: str | None = None) -> pd.DataFrame:
    """Per rep at the end of ``period``: open and weighted pipeline against the revenue
    target of the quarter holding it."""
    as_of = period_end(workbook, period)
    pipe = keep_team(kpi.open_pipeline(workbook, by="rep", as_of=as_of), workbook, team=team)
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
    return keep_team(frame, workbook, team=team)


def weekly_prospects(workbook, *, rep: str, period: str, weeks: int = 26) -> pd.DataFrame:
    """One rep's new prospects per ISO week over the ``weeks`` weeks to ``period``'s end."""
    rep_info(workbook, rep=rep)  # a mistyped rep is an error, not a rep without prospects
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
    return keep_team(frame, workbook, team=team)


def headline_numbers(*, stalled, consistency_table, cover) -> dict:
    """The numbers a batch index shows for the report: deals to disqualify, sawtooth reps,
    the open pipeline due and what remains to win; None for a table the data could not
    give (an Unavailable section) or a sum of which nothing is known."""
    def known(frame):
        return isinstance(frame, pd.DataFrame)

    def total(column):  # unknown (None) when no rep's value is known, never 0
        value = cover[column].sum(min_count=1) if known(cover) else None
        return None if value is None or pd.isna(value) else float(value)
    return {"disqualify": len(stalled) if known(stalled) else None,
            "sawtooth_reps": int(consistency_table["sawtooth"].sum())
            if known(consistency_table) else None,
            "open_due": total("open_due"), "remaining": total("remaining")}


REPORT = Report(
    "pipeline_health",
    (WORKBOOK, TEAM, PERIOD, Param("weeks", "int", 26, "weeks of prospecting history")))
