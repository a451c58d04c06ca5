"""Compute measures grouped by dimensions and periods, one query per fact.

Grouping, filtering and aggregating run in the workbook's engine; what comes
back is one small row per group and period, which pandas completes with zero
rows for the periods where nothing happened. Zero only where the data could have
recorded something: a period before a source table's first event or after its last
(:func:`coverage`) is outside what the data covers, and its measures are missing.
"""

from __future__ import annotations

import ibis
import pandas as pd

from ..errors import InvalidArgumentError, MissingDataError
from ..store.roster import sellers_frame
from .facts import FACTS, MEASURES
from ..checks import check_dates, check_dimensions, check_grain, message
from .periods import PERIODS, period_labels, period_starts
from .registry import get, missing
from ..store.frames import to_pandas

__all__ = ["DIMENSIONS", "compute", "check_where", "aggregate", "arguments", "ensure_loaded", "dated", "complete",
           "divide", "frame_keys", "with_dims"]

# by= value -> what it is
DIMENSIONS = {
    "rep": "the rep who owns the record (rep_id)",
    "team": "the rep's team",
    "department": "the rep's department",
    "segment": "the customer's segment",
    "territory": "the customer's territory, or the rep's where the customer is unknown",
    "customer": "the customer (customer_id)",
    "source": "the opportunity's lead source",
    "product": "the product of the deal or order",
    "activity_type": "the activity's type",
}
_REP_LEVEL = ("rep", "team", "department")
_CUSTOMER_LEVEL = ("segment", "territory")
_FACT_DIMS = ("source", "product", "activity_type")  # columns of some facts only


def with_dims(workbook, t: ibis.Table, dims: list[str], fact=None) -> ibis.Table:
    """``t`` with one column per dimension in ``dims``, named after it."""
    for d in dims:
        if d in _FACT_DIMS and fact is not None and d not in fact.dims:
            raise InvalidArgumentError(f"by={d!r} does not apply to {fact.doc} (the {fact.name} fact); "
                             f"it applies to {_facts_with(d)}")
    cols = {}
    if set(dims) & {"team", "department", "territory"}:
        reps = workbook.table("reps").select(
            _rid="rep_id", _team="team", _department="department", _rep_territory="territory")
        t = t.left_join(reps, t.rep_id == reps._rid)
    if set(dims) & {"segment", "territory"}:
        cust = workbook.table("customers").select(
            _cid="customer_id", _segment="segment", _territory="territory")
        t = t.left_join(cust, t.customer_id == cust._cid)
    for d in dims:
        cols[d] = {
            "rep": lambda: t.rep_id,
            "team": lambda: t._team,
            "department": lambda: t._department,
            "segment": lambda: t._segment,
            "territory": lambda: t._territory.coalesce(t._rep_territory),
            "customer": lambda: t.customer_id,
            "source": lambda: t.source,
            "product": lambda: t.product,
            "activity_type": lambda: t.activity_type,
        }[d]()
    return t.mutate(**cols)


def _facts_with(dim: str) -> str:
    return ", ".join(f.doc for f in FACTS.values() if dim in f.dims)


def dated(workbook, t: ibis.Table, date: str, dims, period, start, end, fact) -> ibis.Table:
    """``t`` within [start, end] on ``date``, with the dimension and period_start columns."""
    if start is not None:
        t = t.filter(t[date] >= start.to_pydatetime())
    if end is not None:
        t = t.filter(t[date] < (end + pd.Timedelta(days=1)).to_pydatetime())
    t = with_dims(workbook, t, dims, fact)
    if period is not None:
        t = t.mutate(period_start=t[date].truncate(PERIODS[period][0]).cast("timestamp"))
    return t


def aggregate(t: ibis.Table, keys, **aggs) -> pd.DataFrame:
    """``aggs`` over ``t`` grouped by ``keys`` (one row when there are none), as pandas."""
    return to_pandas(t.group_by(list(keys)).agg(**aggs) if keys else t.aggregate(**aggs))


def _aggregate(workbook, fact_name, measures, dims, period, start, end,
               reps=None, where=None) -> pd.DataFrame:
    fact = FACTS[fact_name]
    needs = set().union(*(MEASURES[m].needs for m in measures))
    t = fact.build(workbook, needs)
    if reps is not None:
        t = t.filter(t.rep_id.isin(list(reps)))
    where = where or {}
    t = dated(workbook, t, fact.date, [*dims, *(d for d in where if d not in dims)], period,
              start, end, fact)
    for d, values in where.items():
        t = t.filter(t[d].isin(list(values)))
    keys = list(dims) + (["period_start"] if period else [])
    return aggregate(t, keys, **{m: MEASURES[m].agg(t) for m in measures})


def coverage(workbook, table: str) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """The first and last event the source ``table`` records, on any date a fact reads
    from it (None, None: no dated row). Deals created in January cover January's
    closings too, even if the first deal closed in March."""
    return workbook.cached(f"coverage:{table}", lambda: _coverage(workbook, table))


def _coverage(workbook, table: str) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    dates = sorted({f.date for f in FACTS.values() if f.table == table})
    t = workbook.table(table)
    found = to_pandas(t.aggregate(
        **{f"first_{d}": t[d].min() for d in dates}, **{f"last_{d}": t[d].max() for d in dates}))
    firsts = [found[f"first_{d}"].iloc[0] for d in dates]
    lasts = [found[f"last_{d}"].iloc[0] for d in dates]
    firsts = [pd.Timestamp(v) for v in firsts if pd.notna(v)]
    lasts = [pd.Timestamp(v) for v in lasts if pd.notna(v)]
    return (min(firsts), max(lasts)) if firsts else (None, None)


def uncovered(out, covered, period, start, end) -> pd.Series:
    """Which rows of ``out`` lie wholly outside ``covered`` (first, last event): their
    zeros would say nothing happened where the data cannot tell."""
    first, last = covered
    if first is None:
        return pd.Series(True, index=out.index)
    if period is not None:
        begins = pd.to_datetime(out["period_start"])
        ends = begins + PERIODS[period][1]
        return (ends <= first) | (begins > last)
    outside = (end is not None and end + pd.Timedelta(days=1) <= first) or \
        (start is not None and start > last)
    return pd.Series(outside, index=out.index)


def group_members(workbook, dims: list[str]) -> pd.DataFrame | None:
    """Every group a KPI reports on even when it did nothing: sellers and their teams,
    segments and territories. None when a dimension has no fixed list (customer...)."""
    if not dims or any(d not in _REP_LEVEL + _CUSTOMER_LEVEL for d in dims):
        return None
    frames = []
    rep_dims = [d for d in dims if d in _REP_LEVEL]
    sellers = sellers_frame(workbook).rename(columns={"rep_id": "rep"})
    if rep_dims:
        frames.append(sellers[rep_dims].drop_duplicates())
    for d in (d for d in dims if d in _CUSTOMER_LEVEL):
        values = workbook.table("customers")[d].name(d)
        found = to_pandas(values.as_table().distinct())
        if d == "territory":
            found = pd.concat([found, sellers[["territory"]].drop_duplicates()])
        frames.append(found.dropna().drop_duplicates())
    out = frames[0]
    for f in frames[1:]:
        out = out.merge(f, how="cross")
    return out[dims]


def frame_keys(dims, period) -> list[str]:
    return list(dims) + (["period", "period_start"] if period else [])


def complete(frame, workbook, dims, period, start, end, additive, integers) -> pd.DataFrame:
    """Add zero rows for the groups and periods where nothing happened."""
    groups = frame[dims].drop_duplicates() if dims else pd.DataFrame(index=[0])
    members = group_members(workbook, dims)
    if members is not None:
        groups = pd.concat([members, groups]).drop_duplicates()
    if period is not None:
        observed = frame["period_start"].dropna()
        first = start if start is not None else observed.min() if len(observed) else None
        last = end if end is not None else observed.max() if len(observed) else None
        starts = (period_starts(first, last, period) if first is not None and last is not None
                  else pd.DatetimeIndex([]))
        grid = pd.DataFrame({"period_start": starts.astype(frame["period_start"].dtype)})
        grid = groups.merge(grid, how="cross") if dims else grid
    else:
        grid = groups if dims else pd.DataFrame(index=[0])
    keys = list(dims) + (["period_start"] if period else [])
    out = grid.merge(frame, on=keys, how="left") if keys else frame.reindex(index=[0])
    for column in additive:
        out[column] = out[column].fillna(0)
        if column in integers:
            out[column] = out[column].astype("int64")
    if period is not None:
        out.insert(len(dims), "period", period_labels(out["period_start"], period))
    return out.sort_values(keys, kind="stable").reset_index(drop=True) if keys else out


def divide(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / denominator, missing (NaN) where the denominator is 0 or missing."""
    den = denominator.astype(float)
    return numerator.astype(float).div(den.where(den != 0))


def needed_columns(names, dims) -> dict[str, tuple[str, ...]]:
    """Tables and columns the KPIs (and the grouping) read."""
    needs: dict[str, set] = {}
    for name in names:
        for table, cols in get(name).columns.items():
            needs.setdefault(table, set()).update(cols)
    if set(dims) & {"team", "department"}:
        needs.setdefault("reps", set()).update(d for d in dims if d in ("team", "department"))
    if "segment" in dims:
        needs.setdefault("customers", set()).add("segment")
    return {t: tuple(sorted(c)) for t, c in needs.items()}


def arguments(by, period, start, end, where: str | None = None):
    """Checked ``by``, ``period`` (a grain), ``start`` and ``end``: (dims, start, end)."""
    dims = check_dimensions(by, DIMENSIONS, where=where)
    check_grain(period, where=where)
    start, end = check_dates(start, end, where=where)
    return dims, start, end


def ensure_loaded(workbook, names, dims, extra=None) -> None:
    """Raise MissingDataError naming every table or column the KPIs need and lack."""
    needs = needed_columns(names, dims)
    for table, cols in (extra or {}).items():
        needs[table] = tuple(sorted(set(needs.get(table, ())) | set(cols)))
    gaps = missing(workbook, needs)
    if gaps:
        raise MissingDataError(f"{', '.join(names)} cannot be computed: missing "
                               + "; ".join(gaps) + ". Import it, or choose other KPIs.")


def check_where(where, *, context: str | None = None) -> dict[str, tuple]:
    """``where`` ({dimension: value or values}) with every value as a tuple."""
    if where is None:
        return {}
    if not isinstance(where, dict):
        raise InvalidArgumentError(message("where", context, "a dict such as "
                                           "{'segment': ['SMB']}", where))
    check_dimensions(list(where), DIMENSIONS, name="where", where=context)
    return {d: (v,) if isinstance(v, str) or not hasattr(v, "__iter__") else tuple(v)
            for d, v in where.items()}


def compute(workbook, names, *, by="rep", period=None, start=None, end=None,
            reps=None, where=None) -> pd.DataFrame:
    """Registered KPIs ``names`` grouped ``by`` and per ``period`` in one frame.

    Measures of one fact are computed in one query; a ratio KPI brings its
    numerator and denominator columns. Missing tables or columns are reported
    together before anything runs. ``reps``: only these reps' records count (the
    groups of other reps are there, with zeros). ``where``: only the records whose
    dimensions have these values count (``{"segment": ["SMB"], "product": "Widget"}``);
    a dimension a KPI's records lack (``product`` of activities) is refused.
    """
    names = [names] if isinstance(names, str) else list(names)
    context = names[0] if len(names) == 1 else "compute"
    dims, start, end = arguments(by, period, start, end, where=context)
    where = check_where(where, context=context)
    kpis = [get(n) for n in names]
    own = [k.name for k in kpis if not set(_parts(k)) <= set(MEASURES)]
    if own:
        raise InvalidArgumentError(f"{', '.join(own)} has a function of its own "
                         f"(kpi.{own[0]}(...)); compute() combines the KPIs built from measures")
    ensure_loaded(workbook, names, dims)
    shown = list(dict.fromkeys(m for k in kpis for m in _parts(k)))
    measures = list(dict.fromkeys(
        [*shown, *(MEASURES[m].unknown_where for m in shown if MEASURES[m].unknown_where)]))
    by_fact: dict[str, list[str]] = {}
    for m in measures:
        by_fact.setdefault(MEASURES[m].fact, []).append(m)
    keys = list(dims) + (["period_start"] if period else [])
    frame, integers = None, set()
    for fact_name, fact_measures in by_fact.items():
        part = _aggregate(workbook, fact_name, fact_measures, dims, period, start, end, reps,
                          where)
        integers |= {c for c in fact_measures if pd.api.types.is_integer_dtype(part[c])}
        frame = part if frame is None else frame.merge(part, on=keys, how="outer") if keys \
            else pd.concat([frame, part], axis=1)
    additive = [m for m in measures if MEASURES[m].additive]
    out = complete(frame, workbook, dims, period, start, end, additive, integers)
    for fact_name, fact_measures in by_fact.items():
        outside = uncovered(out, coverage(workbook, FACTS[fact_name].table), period, start, end)
        if outside.any():
            for m in fact_measures:
                out[m] = out[m].astype(float).where(~outside)
    for m in shown:
        if MEASURES[m].unknown_where:
            out[m] = out[m].astype(float).where(~(out[MEASURES[m].unknown_where] > 0))
    for k in kpis:
        if k.is_ratio:
            out[k.name] = divide(out[k.numerator], out[k.denominator])
            scale = k.extra.get("scale")
            if scale:
                out[k.name] = out[k.name] * scale
    columns = dict.fromkeys(c for k in kpis for c in (*_parts(k), k.name))
    return out[frame_keys(dims, period) + list(columns)]


def _parts(kpi) -> tuple[str, ...]:
    """The measures a KPI is computed from."""
    return (kpi.numerator, kpi.denominator) if kpi.is_ratio else (kpi.name,)
