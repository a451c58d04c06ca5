"""Open deals that are not moving: each deal's stall reasons at a date, judged only on
the data that can tell (no "no next step" where next steps are not recorded), and the
summary per group."""

from __future__ import annotations

import ibis
import pandas as pd

from .engine import arguments, complete, divide, ensure_loaded
from .pipeline import as_of_date, deal_groups
from .registry import missing
from ..store.frames import to_pandas

_OPP = "opportunities"

__all__ = ["STALL_REASONS", "unjudged_stall_reasons", "stalled_deals", "stalled_summary"]

# reason -> what it is, and the columns that must hold values to judge it
STALL_REASONS = {
    "no_next_step": ("no next step recorded", {_OPP: ("next_step",)}),
    "next_step_overdue": ("the next step was due before the date", {_OPP: ("next_step_due",)}),
    "idle": ("no done activity on the deal for idle_days days",
             {"activities": ("opportunity_id",)}),
    "stuck_in_stage": ("longer in its stage than stage_factor x the team's median",
                       None),  # needs stage changes: a snapshot has no time in stage
    "past_expected_close": ("the expected close date has passed", {_OPP: ("expected_close",)}),
}


def unjudged_stall_reasons(workbook) -> dict[str, str]:
    """The stall reasons the loaded data cannot judge, each with what it needs."""
    out = {}
    for reason, (_, needs) in STALL_REASONS.items():
        lacks = missing(workbook, needs) if needs else _stage_changes_missing(workbook)
        if lacks:
            out[reason] = "; ".join(lacks)
    return out


def _stage_changes_missing(workbook) -> list[str]:
    h = workbook.table("opportunity_history")
    changes = to_pandas(h.filter((h.kind == "change") & h.stage.notnull()).count().as_table())
    return [] if changes.iloc[0, 0] else [
        "stage changes in table opportunity_history (only snapshots loaded)"]


def _stage_durations(workbook) -> ibis.Table:
    """Days each deal spent in each stage it left: (opportunity_id, stage, days)."""
    h = workbook.table("opportunity_history")
    h = h.filter((h.kind == "change") & h.stage.notnull())
    w = ibis.window(group_by=h.opportunity_id, order_by=h.changed_at)
    h = h.mutate(_prev=h.stage.lag().over(w), _next_at=h.changed_at.lead().over(w),
                 _next=h.stage.lead().over(w))
    entered = h.filter(h._prev.isnull() | (h._prev != h.stage))
    w2 = ibis.window(group_by=entered.opportunity_id, order_by=entered.changed_at)
    entered = entered.mutate(_left=entered.changed_at.lead().over(w2))
    return entered.select(
        "opportunity_id", "stage", entered_at=entered.changed_at,
        days=(entered._left.epoch_seconds() - entered.changed_at.epoch_seconds()) / 86_400)


def stalled_deals(workbook, *, as_of=None, idle_days: int = 30, stage_factor: float = 2.0,
                  rep=None) -> pd.DataFrame:
    """Open deals that are not moving, each with its reasons.

    Reasons (:data:`STALL_REASONS`): no_next_step; next_step_overdue (due before
    as_of); idle (no done activity on the deal for ``idle_days`` days);
    stuck_in_stage (days in the current stage > ``stage_factor`` x the team's median
    time in that stage, from the history of deals that left it);
    past_expected_close. A reason the data cannot judge
    (:func:`unjudged_stall_reasons`) is never given. A deal with two or more reasons
    is a candidate to disqualify (``disqualify``).
    """
    as_of = as_of_date(workbook, as_of)
    ensure_loaded(workbook, ["disqualify_candidates"], [])
    at = as_of.to_pydatetime()
    o = workbook.table(_OPP)
    o = o.filter((o.outcome == "open") & ((o.created_at < at + pd.Timedelta(days=1))
                                          | o.created_at.isnull()))
    if rep is not None:
        o = o.filter(o.rep_id.isin([rep] if isinstance(rep, str) else list(rep)))
    acts = workbook.table("activities")
    done = acts.filter((acts.status == "done") & acts.opportunity_id.notnull()
                       & (acts.occurred_at < at + pd.Timedelta(days=1)))
    last = done.group_by(_oid=done.opportunity_id).agg(last_activity_at=done.occurred_at.max())
    durations = _stage_durations(workbook)
    reps = workbook.table("reps").select(_rid="rep_id", team="team")
    opp_rep = workbook.table(_OPP).select(_o="opportunity_id", _r="rep_id")
    spent = durations.filter(durations.days.notnull())
    spent = spent.join(opp_rep, spent.opportunity_id == opp_rep._o)
    spent = spent.join(reps, spent._r == reps._rid)
    medians = spent.group_by(["team", "stage"]).agg(stage_median_days=spent.days.median())
    current = durations.filter(durations.days.isnull()).select(
        _cid="opportunity_id", _cstage="stage", stage_entered_at="entered_at")
    t = o.left_join(last, o.opportunity_id == last._oid)
    t = t.left_join(current, (t.opportunity_id == current._cid) & (t.stage == current._cstage))
    t = t.left_join(reps, t.rep_id == reps._rid)
    medians = medians.select(_mt="team", _ms="stage", stage_median_days="stage_median_days")
    t = t.left_join(medians, (t.team == medians._mt) & (t.stage == medians._ms))
    frame = to_pandas(t.select(
        "opportunity_id", "rep_id", "team", "customer_id", "stage", "amount", "created_at",
        "expected_close", "next_step", "next_step_due", "last_activity_at", "stage_entered_at",
        "stage_median_days").order_by(["rep_id", "opportunity_id"]))
    since_activity = frame["last_activity_at"].fillna(frame["created_at"])
    frame["days_idle"] = (as_of - since_activity).dt.days
    entered = frame["stage_entered_at"].fillna(frame["created_at"])
    frame["days_in_stage"] = (as_of - entered).dt.days
    reasons = pd.DataFrame({
        "no_next_step": frame["next_step"].isna() | (frame["next_step"].astype(str).str.strip()
                                                     == ""),
        "next_step_overdue": frame["next_step_due"] < as_of,
        "idle": frame["days_idle"] > idle_days,
        "stuck_in_stage": frame["days_in_stage"] > stage_factor * frame["stage_median_days"],
        "past_expected_close": frame["expected_close"] < as_of,
    })
    for reason in unjudged_stall_reasons(workbook):
        reasons[reason] = False
    frame = pd.concat([frame, reasons.fillna(False).astype(bool)], axis=1)
    frame["reason_count"] = reasons.sum(axis=1).astype("int64")
    frame["reasons"] = [", ".join(c.replace("_", " ") for c in reasons.columns if row[c])
                        for _, row in reasons.iterrows()] if len(frame) else []
    frame["disqualify"] = frame["reason_count"] >= 2
    frame.insert(0, "as_of", as_of)
    return frame


def stalled_summary(workbook, *, by="rep", as_of=None, **options) -> pd.DataFrame:
    """Per group: open deals, stalled deals (one reason or more), disqualify candidates
    (two or more) and their amounts; options as for :func:`stalled_deals`."""
    dims, _, _ = arguments(by, None, None, None, where="stalled_summary")
    deals = stalled_deals(workbook, as_of=as_of, **options)
    if dims:
        deals = deals.drop(columns=[d for d in ("team",) if d in dims]).merge(
            deal_groups(workbook, dims), on="opportunity_id", how="left")
    stalled = deals["reason_count"] > 0
    frame = deals.assign(stalled=stalled, stalled_amount=deals["amount"].where(stalled, 0),
                         disqualify_amount=deals["amount"].where(deals["disqualify"], 0))
    agg = dict(open_deals=("opportunity_id", "size"), stalled_deals=("stalled", "sum"),
               disqualify_candidates=("disqualify", "sum"),
               stalled_amount=("stalled_amount", "sum"),
               disqualify_amount=("disqualify_amount", "sum"))
    frame = (frame.groupby(dims, dropna=False).agg(**agg).reset_index() if dims
             else frame.agg(**agg).T.reset_index(drop=True))
    counts = ["open_deals", "stalled_deals", "disqualify_candidates"]
    out = complete(frame, workbook, dims, None, None, None,
                   counts + ["stalled_amount", "disqualify_amount"], set(counts))
    out["stalled_share"] = divide(out["stalled_deals"], out["open_deals"])
    return out


