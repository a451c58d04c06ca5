"""Results against plan and over time: targets, attainment and pacing, growth, the
order book, open complaints, forecast deviation, lost reasons and prospecting
consistency."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd

from .engine import (aggregate, arguments, complete, compute, dated, divide, ensure_loaded,
                     frame_keys, with_dims)
from ..checks import check_choice, check_grain
from .periods import (AGAINST, baseline_start, period_bounds, period_label, period_labels,
                      period_starts, shift_period, truncate)
from .pipeline import as_of_date, before_the_deals, data_date, state_at
from .registry import KPI, get, missing, register
from ..store.frames import to_pandas
from ..errors import InvalidArgumentError

__all__ = ["targets", "attainment", "coverage", "growth", "period_to_date", "order_book",
           "open_complaints", "forecast_deviation", "lost_reasons", "prospecting_consistency"]

for _kpi in [
    KPI("attainment", "Attainment", "actual / target for the period", "ratio", 1,
        {"targets": ("value",)}, "actual", "target", group="results"),
    KPI("coverage", "Pipeline coverage", "open pipeline expected to close in the period / "
        "(target - won to date)", "ratio", 1,
        {"opportunities": ("created_at", "amount", "expected_close"), "targets": ("value",)},
        "open_due", "remaining", group="pipeline"),
    KPI("open_order_value", "Open order book", "amount of the orders placed and not yet "
        "delivered or cancelled at the date", "currency", 0, {"orders": ("ordered_at",)},
        group="results"),
    KPI("open_complaints", "Open complaints", "complaints and claims received and not "
        "resolved at the date", "count", -1, {"feedback": ("kind", "received_at")},
        group="customers"),
    KPI("forecast_deviation", "Deviation from forecast", "(revenue won - weighted pipeline "
        "due in the period as it stood the day before it began) / that forecast", "ratio", 0,
        {"opportunities": ("closed_at", "outcome", "amount", "expected_close"),
         "stages": ("probability",)}, "deviation", "forecast", group="results"),
    KPI("lost_reasons", "Lost reasons", "deals lost per reason / deals lost", "ratio", 0,
        {"opportunities": ("closed_at", "outcome")}, "lost", "lost_total", group="funnel"),
    KPI("prospecting_cv", "Prospecting consistency", "coefficient of variation (standard "
        "deviation / mean) of weekly new prospects over a trailing window", "ratio", -1,
        {"activities": ("occurred_at", "status", "customer_id")}, group="activity"),
]:
    register(_kpi)

_TARGET_LEVELS = ("rep", "team", "department", "segment", "territory")
_FINER = {"year": ("quarter", "month", "week"), "quarter": ("month", "week"),
          "month": ("week",), "week": ()}


def targets(workbook, *, metric: str, by="rep", labels) -> pd.DataFrame:
    """Target of ``metric`` per group for each period label. A group without a target
    for a period of its own takes the sum of its targets of the finest-but-one level
    that covers the whole period (a quarter: all three of its months, else every week
    starting in it). Missing (NaN) where none is set or the finer ones leave a gap."""
    dims, _, _ = arguments(by, None, None, None, where="targets")
    if len(dims) != 1 or dims[0] not in _TARGET_LEVELS:
        raise InvalidArgumentError(f"targets are set per one of {', '.join(_TARGET_LEVELS)}; got by={by!r}")
    level = dims[0]
    t = workbook.table("targets")
    t = to_pandas(t.filter((t.metric == metric) & (t.scope_level == level)).select(
        "period", "scope_id", "value"))
    t["grain"] = t["period"].map({p: period_bounds(p)[0] for p in t["period"].unique()})
    rows = []
    for label in labels:
        grain, first, last = period_bounds(label)
        found = t[t["period"] == label].groupby("scope_id")["value"].sum()
        for finer in _FINER[grain]:
            needed = {period_label(s, finer) for s in period_starts(first, last, finer)
                      if first <= s <= last}
            part = t[(t["grain"] == finer) & t["period"].isin(needed)
                     & ~t["scope_id"].isin(found.index)]
            whole = part.groupby("scope_id")["period"].nunique() == len(needed)
            part = part[part["scope_id"].isin(whole[whole].index)]
            found = pd.concat([found, part.groupby("scope_id")["value"].sum()])
        rows.append(found.rename("target").rename_axis(level).reset_index().assign(period=label))
    out = (pd.concat(rows, ignore_index=True) if rows
           else pd.DataFrame(columns=[level, "target", "period"]))
    return out[[level, "period", "target"]]


def _elapsed_share(period_start, period, as_of) -> float:
    end = shift_period(period_start, period, 1)
    total = (end - period_start).days
    done = (as_of + pd.Timedelta(days=1) - period_start).days
    return float(np.clip(done / total, 0, 1)) if done > 0 else np.nan


def attainment(workbook, *, metric: str = "revenue", by="rep", period="month", start=None,
               end=None, as_of=None) -> pd.DataFrame:
    """Actual against target per group and period.

    Columns: actual, target, attainment (actual / target), gap (actual - target;
    negative when behind), elapsed (share of the period gone by ``as_of``, the
    data date by default) and pacing (attainment / elapsed: 1 means on track).
    """
    if period is None:
        raise InvalidArgumentError("attainment needs a period (week, month, quarter or year)")
    spec = get(metric)
    if spec.is_ratio:
        raise InvalidArgumentError(f"targets apply to counts and amounts; {metric} is a ratio")
    dims, start, end = arguments(by, period, start, end, where="attainment")
    ensure_loaded(workbook, [metric, "attainment"], dims)
    as_of = as_of_date(workbook, as_of)
    actual = compute(workbook, metric, by=dims, period=period, start=start, end=end)
    goal = targets(workbook, metric=metric, by=dims, labels=sorted(actual["period"].unique()))
    out = actual.rename(columns={metric: "actual"}).merge(goal, on=[*dims, "period"],
                                                          how="left")
    out["attainment"] = divide(out["actual"], out["target"])
    out["gap"] = out["actual"] - out["target"]
    out["elapsed"] = [_elapsed_share(s, period, as_of) for s in out["period_start"]]
    out["pacing"] = divide(out["attainment"], out["elapsed"])
    out.insert(len(dims) + 2, "metric", metric)
    return out


# against -> (the base period of a period starting s, the period whose base s is)
def coverage(workbook, *, by="rep", period="quarter", as_of=None, history_days: int = 365
             ) -> pd.DataFrame:
    """Revenue pipeline coverage of the period holding ``as_of`` (the data date).

    Columns: target, won_to_date, remaining (target - won to date), open_due and
    weighted_due (open deals expected to close in the period, as they stood at
    as_of), coverage = open_due / remaining and weighted_coverage (missing when
    nothing remains to win), historical_win_rate (by value, over the
    ``history_days`` before as_of, of the same group) and required_coverage =
    1 / that win rate: the coverage the group's own record says it needs.
    """
    dims, _, _ = arguments(by, period, None, None, where="coverage")
    if period is None:
        raise InvalidArgumentError("coverage needs a period (week, month, quarter or year)")
    ensure_loaded(workbook, ["coverage"], dims)  # without probabilities: weighted unknown
    as_of = as_of_date(workbook, as_of)
    first = truncate(as_of, period)
    last = shift_period(first, period, 1) - pd.Timedelta(days=1)
    label = period_label(first, period)
    s = state_at(workbook, as_of)
    s = s.filter(s.is_open & (s.expected_close >= first.date()) & (s.expected_close <= last.date()))
    s = with_dims(workbook, s, dims)
    aggs = dict(open_due=s.amount.sum(), weighted_due=s.weighted.sum())
    due = aggregate(s, dims, **aggs)
    out = complete(due, workbook, dims, None, None, None, list(aggs), set())
    if before_the_deals(workbook, as_of):
        out[list(aggs)] = float("nan")
    if missing(workbook, {"stages": ("probability",)}):
        out["weighted_due"] = float("nan")
    won = compute(workbook, "revenue", by=dims, start=first, end=as_of)
    history = compute(workbook, "win_rate_by_value", by=dims,
                      start=as_of - pd.Timedelta(days=history_days - 1), end=as_of)
    goal = targets(workbook, metric="revenue", by=dims, labels=[label]).drop(columns="period")
    out = (out.merge(won.rename(columns={"revenue": "won_to_date"}), on=dims, how="outer")
           .merge(history[[*dims, "win_rate_by_value"]], on=dims, how="left")
           .merge(goal, on=dims, how="left"))
    out["remaining"] = out["target"] - out["won_to_date"]
    left = out["remaining"].where(out["remaining"] > 0)
    out["coverage"] = divide(out["open_due"], left)
    out["weighted_coverage"] = divide(out["weighted_due"], left)
    out = out.rename(columns={"win_rate_by_value": "historical_win_rate"})
    out["required_coverage"] = divide(pd.Series(1.0, index=out.index),
                                      out["historical_win_rate"])
    out.insert(len(dims), "period", label)
    out.insert(len(dims) + 1, "as_of", as_of)
    return out[[*dims, "period", "as_of", "target", "won_to_date", "remaining", "open_due",
                "weighted_due", "coverage", "weighted_coverage", "historical_win_rate",
                "required_coverage"]]


def _value_columns(spec):
    return [spec.numerator, spec.denominator, spec.name] if spec.is_ratio else [spec.name]


def growth(workbook, *, metric: str = "revenue", by="rep", period="month", start=None,
           end=None, against: str = "previous") -> pd.DataFrame:
    """Each period's value against the previous period or the same period last year.

    Columns: actual, base, change (actual - base) and growth (change / base;
    missing where base is 0). Ratios compare their rolled-up values.
    """
    check_choice(against, AGAINST, name="against", where="growth")
    check_grain(period, where="growth", optional=False)
    dims, start, end = arguments(by, period, start, end, where="growth")
    spec = get(metric)
    wide = compute(workbook, metric, by=dims, period=period,
                   start=None if start is None else
                   baseline_start(truncate(start, period), period, against), end=end)
    starts = {s: baseline_start(s, period, against) for s in pd.unique(wide["period_start"])}
    wide["_base_start"] = wide["period_start"].map(starts).astype(wide["period_start"].dtype)
    base = wide[[*dims, "period_start", metric]].rename(
        columns={metric: "base", "period_start": "_base_start"})
    out = wide.merge(base, on=[*dims, "_base_start"], how="left").drop(columns="_base_start")
    if start is not None:
        out = out[out["period_start"] >= truncate(start, period)]
    out = out.rename(columns={metric: "actual"})
    out["change"] = out["actual"] - out["base"]
    out["growth"] = divide(out["change"], out["base"])
    out.insert(len(dims) + 2, "metric", metric)
    keep = [*frame_keys(dims, period), "metric", *_value_columns(spec)[:-1],
            "actual", "base", "change", "growth"]
    return out[keep].reset_index(drop=True)


def period_to_date(workbook, *, metric: str = "revenue", by="rep", period="month",
                   as_of=None) -> pd.DataFrame:
    """Like-for-like: the current period up to ``as_of`` against the first as many
    days of the previous period and of the same period last year (not all of them).

    Columns: days, actual, previous, last_year and the growth against each.
    """
    dims, _, _ = arguments(by, period, None, None, where="period_to_date")
    as_of = as_of_date(workbook, as_of)
    first = truncate(as_of, period)
    days = (as_of - first).days + 1
    windows = {"actual": first, **{a: baseline_start(first, period, a) for a in AGAINST}}
    out = None
    for name, begin in windows.items():
        stop = min(begin + pd.Timedelta(days=days - 1),
                   shift_period(begin, period, 1) - pd.Timedelta(days=1))
        part = compute(workbook, metric, by=dims, start=begin, end=stop)
        part = part[[*dims, metric]].rename(columns={metric: name})
        out = part if out is None else out.merge(part, on=dims, how="outer") if dims \
            else pd.concat([out, part], axis=1)
    out.insert(len(dims), "period", period_label(first, period))
    out.insert(len(dims) + 1, "days", days)
    out.insert(len(dims) + 2, "metric", metric)
    for base in ("previous", "last_year"):
        out[f"growth_vs_{base}"] = divide(out["actual"] - out[base], out[base])
    return out


def order_book(workbook, *, by="rep", as_of=None) -> pd.DataFrame:
    """Open orders at ``as_of`` (placed, not delivered, not cancelled): count, value,
    and those already past their promised date (overdue_orders, overdue_value)."""
    dims, _, _ = arguments(by, None, None, None, where="order_book")
    ensure_loaded(workbook, ["open_order_value"], dims)
    as_of = as_of_date(workbook, as_of)
    o = workbook.table("orders")
    at = as_of.date()
    o = o.filter((o.ordered_at <= at) & (o.status != "cancelled")
                 & (o.delivered_at.isnull() | (o.delivered_at > at)))
    o = with_dims(workbook, o, dims)
    overdue = o.promised_at < at
    aggs = dict(open_orders=o.count(), open_order_value=o.amount.sum(),
                overdue_orders=o.count(where=overdue), overdue_value=o.amount.sum(where=overdue))
    frame = aggregate(o, dims, **aggs)
    out = complete(frame, workbook, dims, None, None, None, list(aggs),
                   {"open_orders", "overdue_orders"})
    out.insert(len(dims), "as_of", as_of)
    return out


def open_complaints(workbook, *, by="rep", as_of=None) -> pd.DataFrame:
    """Complaints and claims open at ``as_of``: count and mean age in days."""
    dims, _, _ = arguments(by, None, None, None, where="open_complaints")
    ensure_loaded(workbook, ["open_complaints"], dims)
    as_of = as_of_date(workbook, as_of)
    end = (as_of + pd.Timedelta(days=1)).to_pydatetime()
    f = workbook.table("feedback")
    f = f.filter(f.kind.isin(("complaint", "claim")) & (f.received_at < end)
                 & (f.resolved_at.isnull() | (f.resolved_at >= end)))
    f = with_dims(workbook, f, dims)
    age = (ibis.literal(end).epoch_seconds() - f.received_at.epoch_seconds()) / 86_400
    aggs = dict(open_complaints=f.count(), age_days_total=age.sum())
    frame = aggregate(f, dims, **aggs)
    out = complete(frame, workbook, dims, None, None, None, list(aggs), {"open_complaints"})
    out["mean_age_days"] = divide(out.pop("age_days_total"), out["open_complaints"])
    out.insert(len(dims), "as_of", as_of)
    return out


def forecast_deviation(workbook, *, by="rep", period="month", start=None, end=None
                       ) -> pd.DataFrame:
    """Revenue won in each period against the forecast made the day before it began:
    the weighted pipeline then open and expected to close in the period.

    Columns: forecast, revenue, deviation (revenue - forecast) and
    forecast_deviation (deviation / forecast).
    """
    if period is None:
        raise InvalidArgumentError("forecast_deviation needs a period (week, month, quarter or year)")
    dims, start, end = arguments(by, period, start, end, where="forecast_deviation")
    ensure_loaded(workbook, ["forecast_deviation"], dims)
    won = compute(workbook, "revenue", by=dims, period=period, start=start, end=end)
    parts = []
    for first in sorted(won["period_start"].unique()):
        first = pd.Timestamp(first)
        last = shift_period(first, period, 1) - pd.Timedelta(days=1)
        s = state_at(workbook, first - pd.Timedelta(days=1))
        s = s.filter(s.is_open & (s.expected_close >= first.date())
                     & (s.expected_close <= last.date()))
        s = with_dims(workbook, s, dims).mutate(period_start=ibis.literal(first.to_pydatetime()))
        parts.append(s.group_by([*dims, "period_start"]).agg(forecast=s.weighted.sum()))
    keys = [*dims, "period_start"]
    if parts:
        fc = to_pandas(ibis.union(*parts) if len(parts) > 1 else parts[0])
        fc["period_start"] = fc["period_start"].astype(won["period_start"].dtype)
        out = won.merge(fc, on=keys, how="left")
    else:
        out = won.assign(forecast=np.nan)
    out["forecast"] = out["forecast"].fillna(0.0)
    out["deviation"] = out["revenue"] - out["forecast"]
    out["forecast_deviation"] = divide(out["deviation"], out["forecast"])
    return out[[*frame_keys(dims, period), "forecast", "revenue", "deviation",
                "forecast_deviation"]]


def lost_reasons(workbook, *, by="rep", period=None, start=None, end=None) -> pd.DataFrame:
    """Deals lost per reason (missing reasons as "unspecified") with their share of the
    group's losses in the period."""
    dims, start, end = arguments(by, period, start, end, where="lost_reasons")
    ensure_loaded(workbook, ["lost_reasons"], dims)
    o = workbook.table("opportunities")
    o = o.filter((o.outcome == "lost") & o.closed_at.notnull())
    t = dated(workbook, o, "closed_at", dims, period, start, end, None)
    t = t.mutate(lost_reason=t.lost_reason.fill_null("unspecified"))
    keys = [*dims, *(["period_start"] if period else []), "lost_reason"]
    frame = to_pandas(t.group_by(keys).agg(lost=t.count(), lost_amount=t.amount.sum()))
    frame["lost_total"] = frame.groupby(keys[:-1], dropna=False)["lost"].transform("sum") \
        if keys[:-1] else frame["lost"].sum()
    frame["lost_reasons"] = divide(frame["lost"], frame["lost_total"])
    if period:
        frame.insert(len(dims), "period", period_labels(frame["period_start"], period))
    order = [*frame_keys(dims, period), "lost", "lost_reason"]
    ascending = [True] * len(frame_keys(dims, period)) + [False, True]
    return frame.sort_values(order, ascending=ascending).reset_index(drop=True)


def prospecting_consistency(workbook, *, by="rep", end=None, weeks: int = 26,
                            floor: float | None = None, run_weeks: int = 3,
                            min_runs: int = 2, sawtooth_cv: float = 0.5) -> pd.DataFrame:
    """Weekly new prospects and new opportunities per group over the ``weeks`` ISO weeks
    up to the one holding ``end`` (default: the last full week before the data date).

    Per measure (new_prospects, and new_opportunities where opportunities are
    loaded): weekly mean, std (population),
    cv = std / mean, share of weeks below ``floor`` (default: half the median of
    the groups' weekly means), and for new prospects a ``sawtooth`` flag: cv >=
    ``sawtooth_cv`` and at least ``min_runs`` separate runs of ``run_weeks`` or
    more consecutive weeks below half the group's own mean (prospecting hard,
    then stopping; a steady low prospector is not a sawtooth).
    """
    dims, _, end = arguments(by, "week", None, end, where="prospecting_consistency")
    if end is None:
        end = truncate(data_date(workbook), "week") - pd.Timedelta(days=1)
    last_week = truncate(end, "week")
    first = last_week - pd.Timedelta(weeks=weeks - 1)
    # new opportunities join in when opportunities are loaded
    measures = ["new_prospects"] + ([] if missing(workbook, get("new_opportunities").columns)
                                    else ["new_opportunities"])
    weekly = compute(workbook, measures, by=dims, period="week",
                     start=first, end=last_week + pd.Timedelta(days=6))
    rows = []
    groups = weekly.groupby(dims, dropna=False, sort=True) if dims else [((), weekly)]
    floors = {}
    for measure in measures:
        means = weekly.groupby(dims, dropna=False)[measure].mean() if dims \
            else pd.Series([weekly[measure].mean()])
        means = means.dropna()
        floors[measure] = floor if floor is not None else (
            0.5 * float(np.median(means)) if len(means) else np.nan)
    for key, g in groups:
        row = dict(zip(dims, key if isinstance(key, tuple) else (key,)))
        # weeks the data does not cover are unknown: left out, never counted as 0
        known = g[measures[0]].notna().to_numpy()
        row["weeks"] = int(known.sum())
        for measure in measures:
            x = g[measure].to_numpy(dtype=float)[known]
            mean, std = (x.mean(), x.std()) if len(x) else (np.nan, np.nan)
            row[f"{measure}_mean"] = mean
            row[f"{measure}_std"] = std
            row[f"{measure}_cv"] = std / mean if mean > 0 else np.nan
            row[f"{measure}_below_floor"] = (x < floors[measure]).mean() if len(x) else np.nan
            if measure == "new_prospects":
                row["floor"] = floors[measure]
                row["low_runs"] = _runs(x < 0.5 * mean, run_weeks) if len(x) else np.nan
        row["sawtooth"] = bool(row["new_prospects_cv"] >= sawtooth_cv
                               and row["low_runs"] >= min_runs)
        rows.append(row)
    out = pd.DataFrame(rows)
    out.insert(len(dims), "from_week", period_label(first, "week"))
    out.insert(len(dims) + 1, "to_week", period_label(last_week, "week"))
    return out


def _runs(below: np.ndarray, length: int) -> int:
    """How many separate runs of ``length`` or more consecutive True values."""
    runs, current = 0, 0
    for b in [*below, False]:
        if b:
            current += 1
        else:
            runs += current >= length
            current = 0
    return int(runs)
