"""The tables of a one-to-one review, one function per point of the agenda.

Each public function answers for one rep and one closed period (``2025-11``,
``2025-Q3`` ...). The team-wide tables they filter are computed once per
workbook and period and shared through :mod:`salesanalysis.cache` in batch runs,
so a batch scans the raw tables once, not once per rep.
"""

from __future__ import annotations

import pandas as pd

from .. import kpi
from ..store.cache import cached
from ..errors import MissingDataError
from ..kpi.engine import divide
from ..kpi.registry import missing
from ..kpi.periods import Period, closed_period, period_bounds, period_end, shift_period, truncate
from ..analyses import findings
from ..analyses.findings import stalled_at_end
from ..kpi.scorecard import team_scorecard
from ..store.roster import customer_names, rep_info, reps_frame
from .spec import PERIOD, WORKBOOK, Param, Report
from ..store.frames import to_pandas

__all__ = ["REPORT", "closed_period", "next_period", "rep_info", "who", "headline",
           "activity_against_plan", "against_plan",
           "plan_for_next", "pipeline_due", "order_book_review", "order_book_items",
           "deals_to_disqualify",
           "slipped", "attainment_trend", "attainment_summary", "team_scorecard",
           "revenue_gap", "gap_link_comparison", "prepare", "headline_numbers"]

TARGET_METRICS = ("revenue", "offers_submitted", "new_opportunities", "calls", "visits")
PLAN_KPIS = ["scheduled", "done", "cancelled", "still_planned", "plan_completion"]


def next_period(period) -> str:
    """The label of the period after ``period``."""
    return Period.parse(period).shift(1).label


def who(info: dict) -> str:
    """The rep as a heading names them: name, the id when it differs, the team if known."""
    name, rep_id, team = info.get("name"), info.get("rep_id"), info.get("team")
    text = str(name) if pd.notna(name) else str(rep_id)
    if pd.notna(name) and str(rep_id) != str(name):
        text += f" ({rep_id})"
    return text + (f", {team}" if pd.notna(team) else "")


def _one(frame: pd.DataFrame, rep: str, column: str = "rep") -> pd.DataFrame:
    return frame[frame[column] == rep].reset_index(drop=True)


def headline(workbook, *, rep: str, period: str) -> pd.DataFrame:
    """The rep's headline KPIs for the period against target, previous period, same
    period last year and the median of the rep's team."""
    rep_info(workbook, rep=rep)  # an unknown rep fails clearly
    return _one(team_scorecard(workbook, period=period), rep, "scope_id")


@cached
def _activity_plan(workbook, *, period: str) -> pd.DataFrame:
    kind, first, last = period_bounds(period)
    return kpi.compute(workbook, PLAN_KPIS, by=["rep", "activity_type"], start=first, end=last)


def activity_against_plan(workbook, *, rep: str, period: str) -> pd.DataFrame:
    """Activities due in the period per type: done, cancelled, still planned and the
    plan completion (done / due), with a total row."""
    frame = _one(_activity_plan(workbook, period=period), rep)
    frame = frame[frame["scheduled"] > 0].drop(columns="rep").reset_index(drop=True)
    total = frame[["scheduled", "done", "cancelled", "still_planned"]].sum()
    frame = pd.concat([frame, pd.DataFrame([{"activity_type": "total", **total}])],
                      ignore_index=True)
    frame["plan_completion"] = divide(frame["done"], frame["scheduled"])
    return frame[["activity_type", *PLAN_KPIS]]


@cached
def _against_plan(workbook, *, period: str) -> pd.DataFrame:
    kind, first, last = period_bounds(period)
    metrics = [m for m in TARGET_METRICS if not missing(workbook, kpi.get(m).columns)]
    goals = pd.concat([kpi.targets(workbook, metric=m, by="rep", labels=[period])
                       .assign(metric=m) for m in metrics], ignore_index=True)
    actual = kpi.compute(workbook, metrics, by="rep", start=first, end=last)
    actual = actual.melt(id_vars="rep", value_vars=metrics, var_name="metric",
                         value_name="actual")
    return goals.merge(actual, on=["rep", "metric"], how="left")


def against_plan(workbook, *, rep: str, period: str) -> pd.DataFrame:
    """Every metric with a target for the rep in the period that the data allows:
    actual, target, actual / target and the gap (negative when short)."""
    frame = _one(_against_plan(workbook, period=period), rep)
    frame["label"] = [kpi.get(m).label for m in frame["metric"]]
    frame["unit"] = [kpi.get(m).unit for m in frame["metric"]]
    frame["vs_target"] = divide(frame["actual"], frame["target"])
    frame["gap"] = frame["actual"] - frame["target"]
    order = [m for m in TARGET_METRICS if m in set(frame["metric"])]
    frame = frame.set_index("metric").loc[order].reset_index()
    return frame[["metric", "label", "unit", "actual", "target", "vs_target", "gap"]]


def plan_for_next(workbook, *, rep: str, period: str) -> pd.DataFrame:
    """The next period: its targets and the activities already scheduled in it, per
    type (``kind`` = target or scheduled)."""
    following = next_period(period)
    goals = _one(_against_plan(workbook, period=following), rep)
    goals = pd.DataFrame({"kind": "target", "item": [kpi.get(m).label for m in goals["metric"]],
                          "value": goals["target"].astype(float),
                          "unit": [kpi.get(m).unit for m in goals["metric"]]})
    scheduled = _one(_activity_plan(workbook, period=following), rep)
    scheduled = scheduled[scheduled["still_planned"] > 0]
    scheduled = pd.DataFrame({"kind": "scheduled",
                              "item": scheduled["activity_type"].str.replace("_", " "),
                              "value": scheduled["still_planned"].astype(float),
                              "unit": "count"})
    out = pd.concat([goals, scheduled], ignore_index=True)
    out.insert(0, "period", following)
    return out


@cached
def _pipeline_due(workbook, *, period: str) -> pd.DataFrame:
    kind, first, last = period_bounds(period)
    as_of = min(first - pd.Timedelta(days=1), kpi.data_date(workbook))
    state = kpi.state_at(workbook, as_of)
    due = state.filter(state.is_open & (state.expected_close >= first.to_pydatetime())
                       & (state.expected_close <= last.to_pydatetime()))
    found = to_pandas(due.select("rep_id", "opportunity_id", "customer_id", "stage", "amount",
                                 "probability", "weighted", "expected_close").order_by(
        ["rep_id", "expected_close", "opportunity_id"]))
    return _named_customers(workbook, found, at=2)


def _named_customers(workbook, frame: pd.DataFrame, *, at: int) -> pd.DataFrame:
    """``frame`` with a ``customer`` column at ``at`` in place of ``customer_id``: the
    customer's name, the id where the customers table has none."""
    names = customer_names(workbook)
    frame.insert(at, "customer", [names.get(c, c) for c in frame.pop("customer_id")])
    return frame


def pipeline_due(workbook, *, rep: str, period: str) -> pd.DataFrame:
    """Open deals expected to close in ``period``, as they stood the day before it
    began (or at the data date): the pipeline the period's target depends on."""
    return _one(_pipeline_due(workbook, period=period), rep, "rep_id").drop(columns="rep_id")


# the order book's items as a manager reads them: column -> (label, unit)
ORDER_BOOK_ITEMS = {
    "open_orders": ("Open orders", "count"),
    "open_order_value": ("Open order value", "currency"),
    "overdue_orders": ("Overdue orders", "count"),
    "overdue_value": ("Overdue order value", "currency"),
    "open_deals": ("Open deals", "count"),
    "open_pipeline": ("Open pipeline", "currency"),
    "unpriced_deals": ("Open deals without an amount", "count"),
    "weighted_pipeline": ("Weighted pipeline", "currency"),
    "forecast": ("Forecast for the period", "currency"),
    "revenue": ("Revenue won", "currency"),
    "deviation": ("Revenue against forecast", "currency"),
    "forecast_deviation": ("Revenue against forecast, share", "ratio"),
    "slipped_deals": ("Deals whose close date moved later", "count"),
    "days_pushed": ("Days their close dates moved later", "days"),
}


@cached
def _order_book(workbook, *, period: str) -> pd.DataFrame:
    """Each part the data allows (orders, pipeline, forecast, slippage); missing data
    fails only when no part can be computed."""
    kind, first, last = period_bounds(period)
    as_of = period_end(workbook, period)

    def slippage():
        found = _slipped(workbook, period=period)
        pushes = found.groupby("rep_id").agg(
            slipped_deals=("pushes", lambda s: int((s > 0).sum())),
            days_pushed=("days_pushed", "sum")).rename_axis("rep").reset_index()
        return reps_frame(workbook)[["rep_id"]].rename(columns={"rep_id": "rep"}).merge(
            pushes, on="rep", how="left").fillna({"slipped_deals": 0, "days_pushed": 0})

    makers = [lambda: kpi.order_book(workbook, by="rep", as_of=as_of).drop(columns="as_of"),
              lambda: kpi.open_pipeline(workbook, by="rep", as_of=as_of).drop(columns="as_of"),
              lambda: kpi.forecast_deviation(workbook, by="rep", period=kind, start=first,
                                             end=last)
              [["rep", "forecast", "revenue", "deviation", "forecast_deviation"]],
              slippage]
    parts, lacking = [], []
    for make in makers:
        try:
            parts.append(make())
        except MissingDataError as exc:
            lacking.append(exc)
    if not parts:
        raise lacking[0]
    out = parts[0]
    for part in parts[1:]:
        out = out.merge(part, on="rep", how="outer")
    out.insert(1, "as_of", as_of)
    return out


def order_book_items(workbook, *, rep: str, period: str) -> pd.DataFrame:
    """The order book review as item, value and unit rows, in reading order;
    ``attrs["lacking"]``: what each part the data cannot give needs."""
    row = order_book_review(workbook, rep=rep, period=period).iloc[0]
    out = pd.DataFrame([{"item": label, "value": "unknown" if pd.isna(row[column])
                         else row[column], "unit": unit}
                        for column, (label, unit) in ORDER_BOOK_ITEMS.items()
                        if column in row.index])
    out.attrs["lacking"] = {part: "; ".join(gaps) for part, needs in ORDER_BOOK_PARTS.items()
                            if (gaps := missing(workbook, needs))}
    return out


# what each part of the order book stands on
ORDER_BOOK_PARTS = {
    "open orders": kpi.get("open_order_value").columns,
    "forecast": kpi.get("forecast_deviation").columns,
    "slipped deals": {"opportunity_history": ("expected_close",)},
}


def order_book_review(workbook, *, rep: str, period: str) -> pd.DataFrame:
    """One row: open orders and their value (overdue ones apart), the open and weighted
    pipeline at the period's end, the forecast against revenue, and the deals whose
    expected close slipped during the period."""
    return _one(_order_book(workbook, period=period), rep)


def deals_to_disqualify(workbook, *, rep: str, period: str) -> pd.DataFrame:
    """Open deals with two or more stall reasons at the period's end: set a next step
    or disqualify them."""
    frame = _one(stalled_at_end(workbook, period=period), rep, "rep_id")
    return frame[["opportunity_id", "customer", "stage", "amount", "expected_close",
                  "days_idle", "days_in_stage", "reasons"]].sort_values(
        "amount", ascending=False, kind="stable").reset_index(drop=True)


@cached
def _slipped(workbook, *, period: str) -> pd.DataFrame:
    kind, first, last = period_bounds(period)
    return kpi.slipped_deals(workbook, start=first, end=last)


def slipped(workbook, *, rep: str, period: str) -> pd.DataFrame:
    """The rep's deals whose expected close moved during the period, each customer by
    name where the customers table has one."""
    found = _one(_slipped(workbook, period=period), rep, "rep_id").drop(columns="rep_id")
    return _named_customers(workbook, found, at=1)


@cached
def _attainment(workbook, *, period: str, months: int) -> pd.DataFrame:
    kind, first, last = period_bounds(period)
    start = shift_period(truncate(last, "month"), "month", 1 - months)
    return kpi.attainment(workbook, metric="revenue", by="rep", period="month", start=start,
                          end=last)


def attainment_trend(workbook, *, rep: str, period: str, months: int = 12) -> pd.DataFrame:
    """Monthly revenue against target for the ``months`` months up to the period's end."""
    return _one(_attainment(workbook, period=period, months=months), rep).drop(columns="rep")


def attainment_summary(workbook, *, rep: str, period: str) -> pd.DataFrame:
    """Revenue against target for the period, the quarter to date and the year to date
    (months up to the period's end)."""
    kind, first, last = period_bounds(period)
    monthly = attainment_trend(workbook, rep=rep, period=period, months=12)
    rows = []
    for name, since in (("period", first), ("quarter to date", truncate(last, "quarter")),
                        ("year to date", truncate(last, "year"))):
        part = monthly[(monthly["period_start"] >= since) & (monthly["period_start"] <= last)]
        rows.append({"span": name, "from": since.date(), "to": last.date(),
                     "actual": float(part["actual"].sum()),
                     "target": float(part["target"].sum(min_count=1))})
    out = pd.DataFrame(rows)
    out["attainment"] = divide(out["actual"], out["target"])
    out["gap"] = out["actual"] - out["target"]
    return out


@cached
def revenue_gap(workbook, *, rep: str, period: str, comparison: str = "previous"):
    """Why the rep's revenue in ``period`` differs from target (from ``comparison`` where
    the period has no target): :func:`.gap_analysis.gap_or_fallback`. Cached in a batch:
    the review and the pack written beside it share it."""
    from .gap_analysis import gap_or_fallback

    return gap_or_fallback(workbook, metric="revenue", scope=rep, period=period,
                           comparison="target", fallback=comparison)


def gap_link_comparison(gap) -> str:
    """The ``comparison`` of the gap analysis that shows the same bridge as ``gap`` (a
    review's :func:`revenue_gap`): ``target`` (which falls back to the previous period
    as the review does) unless the review compared with last year."""
    return "last_year" if gap.against == "last_year" else "target"


def prepare(workbook, *, period: str) -> list[str]:
    """Compute the team-wide tables of every review of ``period`` (a batch's shared
    work) so each rep's run only filters them. What the data cannot give is left to
    each review's section to say; returns those reasons."""
    following = next_period(period)
    steps = [(team_scorecard, {}), (_activity_plan, {}), (_activity_plan, {"period": following}),
             (_against_plan, {}), (_against_plan, {"period": following}),
             (_pipeline_due, {"period": following}), (_order_book, {}), (_slipped, {}),
             (stalled_at_end, {}), (_attainment, {"months": 12})]
    lacking = []
    for step, options in steps:
        try:
            step(workbook, **{"period": period, **options})
        except MissingDataError as exc:
            lacking.append(str(exc))
    return lacking


def headline_numbers(card: pd.DataFrame, found: pd.DataFrame) -> dict:
    """The numbers a batch index shows for one review: revenue against target, offers,
    wins, the offer win rate and how many strengths and points to develop were found
    (``card`` from :func:`headline`, ``found`` from the findings)."""
    value = card.set_index("kpi")

    def cell(metric, column="actual"):
        return float(value.at[metric, column]) if metric in value.index else None

    return {"revenue": cell("revenue"), "revenue_target": cell("revenue", "target"),
            "attainment": cell("revenue", "vs_target"),
            "offers_submitted": cell("offers_submitted"), "deals_won": cell("deals_won"),
            "offer_win_rate": cell("offer_win_rate"),
            "strengths": int((found["kind"] == "strength").sum()),
            "developments": int((found["kind"] == "development").sum())}


def _shared_work(workbook, parameters: dict) -> None:
    period = parameters["period"]
    prepare(workbook, period=period)
    try:
        findings.prepare(workbook, period=period, rules=parameters.get("rules"))
    except MissingDataError:  # each review's findings section says what is missing
        pass


REPORT = Report(
    "rep_review",
    (WORKBOOK,
     Param("rep", "str", "R001", "the rep's id"),
     PERIOD,
     Param("comparison", "choice", "previous", "the comparison period",
           choices=("previous", "last_year")),
     Param("rules", "path", None, "a findings rules file; None: templates/findings.yaml",
           optional=True)),
    shared_work=_shared_work,
    outputs=("meeting_pack",))
