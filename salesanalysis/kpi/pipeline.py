"""The pipeline as it stood on a date: open and weighted value, stalled and slipped deals,
stage conversion, the change waterfall between two dates, and sales velocity."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd

from .engine import (aggregate, arguments, complete, compute, dated, divide, ensure_loaded,
                     frame_keys, with_dims)
from .engine import coverage as engine_coverage
from ..checks import check_date
from .periods import period_starts, shift_period
from ..store.workbook import data_date
from .registry import KPI, missing, register
from ..store.frames import to_pandas
from ..errors import InvalidArgumentError

__all__ = ["data_date", "as_of_date", "state_at", "open_pipeline", "slipped_deals", "pipeline_waterfall", "stage_conversion",
           "sales_velocity"]

_OPP = "opportunities"
_PIPE = {_OPP: ("created_at", "amount", "stage"), "stages": ("probability",)}

for _kpi in [
    KPI("open_pipeline", "Open pipeline", "amount of the deals open at the date", "currency",
        1, {_OPP: ("created_at", "amount")}, group="pipeline"),
    KPI("weighted_pipeline", "Weighted pipeline", "amount x stage probability of the deals "
        "open at the date", "currency", 1, _PIPE, group="pipeline"),
    KPI("disqualify_candidates", "Deals to disqualify", "open deals with two or more "
        "stall reasons", "count", -1, {_OPP: ("created_at",)}, group="pipeline"),
    KPI("pushes", "Close-date pushes", "times an open deal's expected close moved later "
        "between snapshots or changes", "count", -1,
        {_OPP: ("created_at",), "opportunity_history": ("expected_close",)}, group="pipeline"),
    KPI("stage_conversion", "Stage-to-stage conversion", "deals that reached the next stage / "
        "deals that reached the stage (furthest stage reached; skipped stages count as "
        "passed; backward moves do not undo)", "ratio", 1,
        {_OPP: ("created_at", "stage"), "stages": ("position",)}, "advanced", "reached",
        group="funnel"),
    KPI("sales_velocity", "Sales velocity", "qualified opportunities x average deal size x "
        "win rate / average sales cycle (days)", "currency/day", 1,
        {_OPP: ("created_at", "stage", "closed_at", "outcome", "amount"),
         "stages": ("position",)}, group="pipeline"),
]:
    register(_kpi)


def as_of_date(workbook, as_of) -> pd.Timestamp:
    """``as_of`` as a date, or the data date when it is None."""
    return check_date(as_of, name="as_of") if as_of is not None else data_date(workbook)


def state_at(workbook, at) -> ibis.Table:
    """Every opportunity created by the end of day ``at``, as it stood then.

    Stage, amount and expected close come from the latest history row (change
    or snapshot) on or before ``at``; a deal without one has its current values,
    except the stage of a deal that has closed since, which is unknown then.
    Columns: the opportunity's own plus ``is_open``, ``probability``, ``weighted``.
    """
    end = (check_date(at, name="as_of") + pd.Timedelta(days=1)).to_pydatetime()
    o = workbook.table(_OPP)
    h = workbook.table("opportunity_history")
    h = h.filter(h.changed_at < end)
    # a deal without a creation date existed by the first history row (or snapshot) it has
    o = o.filter((o.created_at < end) | (o.created_at.isnull()
                                        & o.opportunity_id.isin(h.opportunity_id)))
    last = h.group_by(h.opportunity_id.name("_oid")).agg(
        _stage=h.stage.argmax(h.changed_at, where=h.stage.notnull()),
        _amount=h.amount.argmax(h.changed_at, where=h.amount.notnull()),
        _close=h.expected_close.argmax(h.changed_at, where=h.expected_close.notnull()))
    t = o.left_join(last, o.opportunity_id == last._oid)
    closed_by_then = t.closed_at.notnull() & (t.closed_at < end) & t.outcome.isin(("won", "lost"))
    is_open = ~closed_by_then & ((t.outcome == "open") | (t.closed_at >= end))
    t = t.mutate(is_open=is_open.fill_null(False),
                 stage=t._stage.coalesce(ibis.ifelse(t.outcome == "open", t.stage, ibis.null())),
                 amount=t._amount.coalesce(t.amount),
                 expected_close=t._close.coalesce(t.expected_close))
    s = workbook.table("stages").select(_st="stage", probability="probability")
    t = t.left_join(s, t.stage == s._st)
    t = t.mutate(weighted=t.amount * t.probability)
    return t.drop("_oid", "_stage", "_amount", "_close", "_st")


def _evaluation_dates(workbook, period, start, end, as_of) -> list[pd.Timestamp]:
    """The end of every period in range (clipped to the data date), or just as_of."""
    as_of = as_of_date(workbook, as_of)
    if period is None:
        return [as_of]
    first = start if start is not None else as_of - pd.DateOffset(years=1)
    last = min(end if end is not None else as_of, as_of)
    return [min(shift_period(s, period, 1) - pd.Timedelta(days=1), as_of)
            for s in period_starts(first, last, period)]


def open_pipeline(workbook, *, by="rep", period=None, start=None, end=None, as_of=None):
    """Open and weighted pipeline at ``as_of`` (default: the data date), or at the end
    of every ``period`` from ``start`` to ``end``.

    Returns the groups (and period) with open_deals, open_pipeline (the amount of
    the deals whose amount is known), unpriced_deals (open deals without an amount)
    and weighted_pipeline (amount x the stage probability as of that day; deals
    whose stage is unknown then count in open_pipeline only). A sum over deals none
    of which has an amount is missing, not 0, and so is the weighted pipeline when
    no stage probabilities are loaded.
    """
    dims, start, end = arguments(by, period, start, end, where="open_pipeline")
    ensure_loaded(workbook, ["open_pipeline"], dims)
    no_probabilities = bool(missing(workbook, {"stages": ("probability",)}))
    dates = _evaluation_dates(workbook, period, start, end, as_of)
    parts = []
    for at in dates:
        t = state_at(workbook, at)
        t = with_dims(workbook, t.filter(t.is_open), dims)
        t = t.mutate(period_start=ibis.literal(
            (at if period is None else period_starts(at, at, period)[0]).to_pydatetime()))
        parts.append(t.group_by([*dims, "period_start"]).agg(
            open_deals=t.count(), open_pipeline=t.amount.sum(),
            unpriced_deals=t.count(where=t.amount.isnull()),
            weighted_pipeline=t.weighted.sum()))
    frame = to_pandas(ibis.union(*parts) if len(parts) > 1 else parts[0])
    frame["period_start"] = frame["period_start"].astype("datetime64[us]")
    sums, counts = ["open_pipeline", "weighted_pipeline"], ["open_deals", "unpriced_deals"]
    if period is None:
        frame = frame.drop(columns="period_start")
        out = complete(frame, workbook, dims, None, None, None, counts + sums, set(counts))
        out.insert(len(dims), "as_of", dates[0])
    else:
        out = complete(frame, workbook, dims, period, pd.Timestamp(dates[0]),
                       pd.Timestamp(dates[-1]), counts + sums, set(counts))
    none_priced = (out["open_deals"] > 0) & (out["unpriced_deals"] == out["open_deals"])
    out[sums] = out[sums].astype(float).mask(none_priced, axis=0)
    # once per date, not per row: the data's first deal decides
    before = {d: before_the_deals(workbook, d) for d in dates}
    unknown = (pd.Series(before[dates[0]], index=out.index) if period is None else
               out["period_start"].map({period_starts(d, d, period)[0]: before[d]
                                        for d in dates}).fillna(False).astype(bool))
    if unknown.any():  # no deal was open yet is unknown, not an empty pipeline
        out[counts + sums] = out[counts + sums].astype(float).mask(unknown, axis=0)
    if no_probabilities:
        out["weighted_pipeline"] = float("nan")
    keys = [c for c in out.columns if c not in counts + sums]
    return out[keys + ["open_deals", "open_pipeline", "unpriced_deals", "weighted_pipeline"]]


def before_the_deals(workbook, at) -> bool:
    """Whether ``at`` is before the first deal the data records: the pipeline then
    is unknown."""
    first = engine_coverage(workbook, _OPP)[0]
    return first is None or pd.Timestamp(at) < first.normalize()


def deal_groups(workbook, dims) -> pd.DataFrame:
    """opportunity_id and the group of each deal in every dimension of ``dims``."""
    deals = workbook.table(_OPP).select("opportunity_id", "rep_id", "customer_id")
    return to_pandas(with_dims(workbook, deals, dims).select("opportunity_id", *dims))


def slipped_deals(workbook, *, start=None, end=None, rep=None) -> pd.DataFrame:
    """Deals whose expected close moved between consecutive history rows (changes and
    snapshots) dated from ``start`` to ``end``: pushes (moved later), pulls (moved
    earlier), days pushed in total, first and latest expected close. One row per
    deal that moved."""
    _, start, end = arguments(None, None, start, end, where="slipped_deals")
    ensure_loaded(workbook, ["pushes"], [])
    h = workbook.table("opportunity_history")
    h = h.filter(h.expected_close.notnull())
    w = ibis.window(group_by=h.opportunity_id, order_by=[h.changed_at, h.kind])
    h = h.mutate(_prev=h.expected_close.lag().over(w))
    if start is not None:
        h = h.filter(h.changed_at >= start.to_pydatetime())
    if end is not None:
        h = h.filter(h.changed_at < (end + pd.Timedelta(days=1)).to_pydatetime())
    moved = h.filter(h._prev.notnull() & (h._prev != h.expected_close))
    delta = moved.expected_close.delta(moved._prev, unit="day")
    per_deal = moved.group_by("opportunity_id").agg(
        pushes=(delta > 0).sum(), pulls=(delta < 0).sum(),
        days_pushed=delta.sum(where=delta > 0).fill_null(0),
        first_expected_close=moved._prev.argmin(moved.changed_at),
        latest_expected_close=moved.expected_close.argmax(moved.changed_at))
    o = workbook.table(_OPP).select("opportunity_id", "rep_id", "customer_id", "stage",
                                    "amount", "outcome")
    if rep is not None:
        o = o.filter(o.rep_id.isin([rep] if isinstance(rep, str) else list(rep)))
    return to_pandas(per_deal.join(o, "opportunity_id")
                     .select("opportunity_id", "rep_id", "customer_id", "stage", "amount",
                             "outcome", "pushes", "pulls", "days_pushed",
                             "first_expected_close", "latest_expected_close")
                     .order_by(["rep_id", "opportunity_id"]))


WATERFALL_STEPS = ("start", "new", "pulled_in", "amount_changes", "won", "lost",
                   "pushed_out", "removed", "end")


def pipeline_waterfall(workbook, *, start, end, by=None, due_start=None, due_end=None
                       ) -> pd.DataFrame:
    """How the open pipeline due in a close window moved from ``start`` to ``end``.

    The pipeline tracked is the open deals whose expected close falls from
    ``due_start`` to ``due_end`` (default: the calendar quarter holding ``end``).
    start + new + pulled_in + amount_changes + won + lost + pushed_out + removed
    = end, exactly, per group (won, lost, pushed_out and removed are negative):

    - new: created after ``start``; pulled_in: existed but was not in the window;
    - amount_changes: amount at ``end`` (or at closing) minus amount at ``start``;
    - won / lost: closed between the dates; pushed_out: still open but expected
      outside the window; removed: neither open nor closed any more (deleted).
    """
    dims, d1, d2 = arguments(by, None, start, end, where="pipeline_waterfall")
    if d1 is None or d2 is None:
        raise InvalidArgumentError("pipeline_waterfall needs both start and end dates")
    ensure_loaded(workbook, ["open_pipeline"], dims)
    if due_start is None or due_end is None:
        q = period_starts(d2, d2, "quarter")[0]
        due_start = due_start or q
        due_end = due_end or shift_period(q, "quarter", 1) - pd.Timedelta(days=1)
    lo, hi = check_date(due_start, name="due_start"), check_date(due_end, name="due_end")

    def frame_at(at):
        t = state_at(workbook, at)
        return to_pandas(t.select("opportunity_id", "is_open", "amount", "expected_close"))

    a, b = frame_at(d1), frame_at(d2)
    now = workbook.table(_OPP).select("opportunity_id", "rep_id", "customer_id", "created_at",
                                      "closed_at", "outcome", "amount", "expected_close")
    now = to_pandas(now)
    deals = now.merge(a.add_suffix("_1").rename(columns={"opportunity_id_1": "opportunity_id"}),
                      how="left").merge(
        b.add_suffix("_2").rename(columns={"opportunity_id_2": "opportunity_id"}), how="left")
    in_window = lambda close: (close >= lo) & (close <= hi)  # noqa: E731
    in1 = deals["is_open_1"].fillna(False).astype(bool) & in_window(deals["expected_close_1"])
    in2 = deals["is_open_2"].fillna(False).astype(bool) & in_window(deals["expected_close_2"])
    end_ts = d2 + pd.Timedelta(days=1)
    closed = (deals["closed_at"] >= d1 + pd.Timedelta(days=1)) & (deals["closed_at"] < end_ts)
    won, lost = closed & (deals["outcome"] == "won"), closed & (deals["outcome"] == "lost")
    is_new = deals["created_at"] >= d1 + pd.Timedelta(days=1)
    a1 = deals["amount_1"].fillna(0).where(in1, 0)
    a2 = deals["amount_2"].fillna(0).where(in2, 0)
    final = deals["amount"].fillna(0)
    # deals that entered the window after start and closed before end, never seen in it
    passing = ~in1 & ~in2 & (won | lost) & in_window(deals["expected_close"])
    enter = (~in1 & in2) | passing
    entry_amount = a2.where(in2, final)
    leave_open = in1 & ~in2 & ~won & ~lost
    steps = pd.DataFrame({
        "start": a1,
        "new": entry_amount.where(enter & is_new, 0),
        "pulled_in": entry_amount.where(enter & ~is_new, 0),
        "amount_changes": (a2 - a1).where(in1 & in2, 0) + (final - a1).where(in1 & won, 0),
        "won": -final.where((in1 | passing) & won, 0),
        "lost": -a1.where(in1 & lost, 0) - final.where(passing & lost, 0),
        "pushed_out": -a1.where(leave_open & deals["is_open_2"].fillna(False).astype(bool), 0),
        "removed": -a1.where(leave_open & ~deals["is_open_2"].fillna(False).astype(bool), 0),
        "end": a2,
    })
    involved = in1 | in2 | passing
    steps = pd.concat([deals[["opportunity_id", "rep_id", "customer_id"]], steps],
                      axis=1)[involved]
    if dims:
        steps = steps.merge(deal_groups(workbook, dims), on="opportunity_id", how="left")
        frame = steps.groupby(dims, dropna=False)[list(WATERFALL_STEPS)].sum().reset_index()
    else:
        frame = steps[list(WATERFALL_STEPS)].sum().to_frame().T
    out = complete(frame, workbook, dims, None, None, None, list(WATERFALL_STEPS), set())
    out.insert(len(dims), "from_date", d1)
    out.insert(len(dims) + 1, "to_date", d2)
    return out


def _furthest(workbook) -> ibis.Table:
    """Per opportunity: furthest open-stage position reached and whether it was won."""
    stages = workbook.table("stages")
    open_stages = stages.filter(~stages.is_closed.fill_null(False)).select(
        _s="stage", _pos="position")
    o = workbook.table(_OPP)
    h = workbook.table("opportunity_history")
    seen = h.select("opportunity_id", "stage").union(o.select("opportunity_id", "stage"))
    seen = seen.join(open_stages, seen.stage == open_stages._s)
    furthest = seen.group_by("opportunity_id").agg(furthest=seen._pos.max())
    return o.left_join(furthest, "opportunity_id").drop("opportunity_id_right")


def stage_conversion(workbook, *, by="rep", period=None, start=None, end=None
                     ) -> pd.DataFrame:
    """Stage-to-stage conversion of the deals created in each period.

    A deal reached a stage when its furthest open stage (from its history and
    current stage) is at or past it: skipped stages count as passed, moving
    backwards does not undo a stage reached, and a won deal passed every open
    stage. For each open stage: reached, advanced (reached the next open stage,
    or won after the last one) and stage_conversion = advanced / reached.

    A lost deal whose open stages nobody recorded (no history, its stage the closed
    "lost" one, as in most CRM exports) is never dropped: it is assumed to have
    reached the first open stage only, and a row ``stage unknown`` counts the deals
    this assumption applies to (``reached``).
    """
    dims, start, end = arguments(by, period, start, end, where="stage_conversion")
    ensure_loaded(workbook, ["stage_conversion"], dims)
    stages = to_pandas(workbook.table("stages")).sort_values("position")
    open_stages = stages[~stages["is_closed"].fillna(False).astype(bool)]
    t = dated(workbook, _furthest(workbook), "created_at", dims, period, start, end, None)
    won = t.outcome == "won"
    unknown = (t.outcome == "lost") & t.furthest.isnull()
    aggs = {}
    positions = list(open_stages["position"])
    for i, pos in enumerate(positions):
        aggs[f"r{i}"] = (won | (t.furthest >= int(pos)) | (unknown if i == 0 else False)).sum()
    aggs["won"] = won.sum()
    aggs["unknown"] = unknown.sum()
    keys = list(dims) + (["period_start"] if period else [])
    frame = aggregate(t, keys, **aggs)
    frame = complete(frame, workbook, dims, period, start, end, list(aggs), set(aggs))
    rows = []
    for i, stage in enumerate(open_stages["stage"]):
        nxt = f"r{i + 1}" if i + 1 < len(positions) else "won"
        part = frame[frame_keys(dims, period)].copy()
        part["stage"] = stage
        part["next_stage"] = (open_stages["stage"].iloc[i + 1] if i + 1 < len(positions)
                              else "won")
        part["reached"] = frame[f"r{i}"].astype("int64")
        part["advanced"] = frame[nxt].astype("int64")
        rows.append(part)
    unknown = frame[frame_keys(dims, period)].assign(
        stage="stage unknown", next_stage="", reached=frame["unknown"].astype("int64"), advanced=0)
    rows.append(unknown[unknown["reached"] > 0])
    out = pd.concat(rows, ignore_index=True)
    out["stage_conversion"] = divide(out["advanced"], out["reached"]).mask(
        out["stage"] == "stage unknown")
    return out.sort_values(frame_keys(dims, period), kind="stable").reset_index(drop=True)


def sales_velocity(workbook, *, by="rep", period=None, start=None, end=None) -> pd.DataFrame:
    """Sales velocity per period: qualified opportunities (created in the period and
    past the first open stage) x average deal size x win rate / average sales cycle
    in days, the last three from the deals closed in the period."""
    dims, start, end = arguments(by, period, start, end, where="sales_velocity")
    ensure_loaded(workbook, ["sales_velocity"], dims)
    first = to_pandas(workbook.table("stages").filter(~ibis._.is_closed.fill_null(False))
                      .position.min())
    t = dated(workbook, _furthest(workbook), "created_at", dims, period, start, end, None)
    keys = list(dims) + (["period_start"] if period else [])
    qualified = ((t.outcome == "won") | (t.furthest > int(first))).sum()
    frame = aggregate(t, keys, qualified_opportunities=qualified)
    frame = complete(frame, workbook, dims, period, start, end, ["qualified_opportunities"],
                     {"qualified_opportunities"})
    rest = compute(workbook, ["average_deal_size", "win_rate", "average_cycle_days"], by=dims,
                   period=period, start=start, end=end)
    keys = frame_keys(dims, period)
    rest = rest[keys + ["average_deal_size", "win_rate", "average_cycle_days"]]
    out = (frame.merge(rest, on=keys, how="outer") if keys
           else pd.concat([frame, rest], axis=1))
    out["sales_velocity"] = divide(out["qualified_opportunities"] * out["average_deal_size"]
                                   * out["win_rate"], out["average_cycle_days"])
    return out.replace([np.inf, -np.inf], np.nan)
