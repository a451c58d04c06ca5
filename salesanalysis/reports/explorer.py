"""What the KPI explorer computes: one KPI for a selection (scope, filters, grain, period
range, comparison) as tiles, a trend and a table one level down, from the same KPI
functions as the batch reports.

A :class:`Selection` says what is looked at; :func:`explore` returns a :class:`View`
of it; :func:`why` explains the gap of its last period. The widgets live in
``present/explorer.py``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import pandas as pd

from .. import kpi
from ..analyses.gap import METRICS as EXPLAINED, explain_gap
from ..checks import check_choice, check_grain
from ..errors import InvalidArgumentError, MissingDataError
from ..kpi.engine import coverage, divide
from ..kpi.facts import FACTS, MEASURES
from ..kpi.periods import Period, closed_period, period_starts
from ..kpi.registry import REGISTRY, missing
from ..kpi.results import targets
from ..store.frames import to_pandas
from ..store.roster import members
from .spec import PERIOD, WORKBOOK, Param, Report

__all__ = ["REPORT", "LEVELS", "FILTERS", "COMPARISONS", "COMPARISON_WORDS", "CLOSE_RATES", "Selection", "View",
           "kpi_menu", "scopes", "filter_values", "period_labels", "default_selection",
           "explore", "why", "filter_problem"]

LEVELS = ("company", "department", "team", "rep")
FILTERS = ("segment", "territory", "product", "source")
COMPARISONS = ("target", "previous", "last_year")
COMPARISON_WORDS = {"target": "target", "previous": "previous period",
                    "last_year": "same period last year"}
# the close rate is read on both denominators: per prospect met and per raw contact
CLOSE_RATES = ("close_rate_per_prospect_met", "close_rate_per_contact")
# where a filter's values come from: (table, column)
_FILTER_SOURCES = {"segment": (("customers", "segment"),),
                   "territory": (("customers", "territory"), ("reps", "territory")),
                   "product": (("opportunities", "product"), ("orders", "product")),
                   "source": (("opportunities", "source"),)}
_EVENT_TABLES = ("activities", "opportunities", "orders", "feedback")


@dataclass(frozen=True)
class Selection:
    """What the explorer looks at. ``first`` / ``last``: period labels of the grain (the
    tiles and the table show ``last``); ``filters``: (dimension, value) pairs."""

    kpi: str = "revenue"
    department: str | None = None
    team: str | None = None
    rep: str | None = None
    grain: str = "month"
    first: str | None = None
    last: str | None = None
    comparison: str = "target"
    filters: tuple[tuple[str, str], ...] = ()

    @property
    def level(self) -> str:
        return ("rep" if self.rep else "team" if self.team else
                "department" if self.department else "company")

    @property
    def scope_id(self) -> str | None:
        return {"company": None, "department": self.department, "team": self.team,
                "rep": self.rep}[self.level]

    def where(self) -> dict[str, tuple]:
        return {d: (v,) for d, v in self.filters}

    def with_changes(self, **changes) -> "Selection":
        return replace(self, **changes)


@dataclass
class View:
    """The numbers of one selection. ``tiles``: one row per KPI shown (the KPI, and
    the other close rate beside a close rate); ``trend``: one row per period;
    ``table``: one row per member one level down; ``notes``: what the reader should
    know (no target for a rate ...); ``message``: set instead of numbers when the
    selection cannot be shown."""

    selection: Selection
    label: str = ""
    unit: str = "count"
    direction: int = 1
    scope: str = ""
    child_level: str | None = None
    tiles: pd.DataFrame = field(default_factory=pd.DataFrame)
    trend: pd.DataFrame = field(default_factory=pd.DataFrame)
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: list[str] = field(default_factory=list)
    message: str = ""
    data_date: pd.Timestamp | None = None
    seconds: float = 0.0


def kpi_menu(workbook) -> pd.DataFrame:
    """The KPIs the explorer follows (those built from measures), in registry order:
    group, name, label, formula, unit, direction, available, needs."""
    rows = []
    for spec in REGISTRY.values():
        parts = (spec.numerator, spec.denominator) if spec.is_ratio else (spec.name,)
        if not set(parts) <= set(MEASURES):
            continue
        lacks = missing(workbook, spec.columns)
        rows.append({"group": spec.group, "name": spec.name, "label": spec.label,
                     "formula": spec.formula, "unit": spec.unit, "direction": spec.direction,
                     "available": not lacks, "needs": "; ".join(lacks)})
    return pd.DataFrame(rows)


def scopes(workbook) -> pd.DataFrame:
    """Every seller with team and department: the choices of the scope dropdowns."""
    return members(workbook).sort_values(["department", "team", "name"], na_position="last",
                                         kind="stable").reset_index(drop=True)


def filter_values(workbook) -> dict[str, list[str]]:
    """The values of each filter the data has (a filter without values is left out)."""
    found = {}
    profile = workbook.column_counts()
    for dim, sources in _FILTER_SOURCES.items():
        values: set[str] = set()
        for table, column in sources:
            if profile[table]["*"] and profile[table][column]:
                t = workbook.table(table)
                values |= set(to_pandas(t.select(v=t[column]).distinct())["v"].dropna())
        if values:
            found[dim] = sorted(map(str, values))
    return found


def period_labels(workbook, grain: str, *, also=()) -> list[str]:
    """The labels of every ``grain`` period from the first event in the data to the data
    date, widened to hold the periods labelled ``also``."""
    days = [coverage(workbook, t)[0] for t in _EVENT_TABLES if workbook.column_counts()[t]["*"]]
    days = [d for d in days if d is not None] + [kpi.data_date(workbook)]
    days += [Period.parse(label).first for label in also if label]
    return [Period.starting(s, grain).label for s in period_starts(min(days), max(days), grain)]


def default_selection(workbook, *, kpi_name: str = "revenue", grain: str = "month",
                      period: str | None = None, periods: int = 12,
                      comparison: str = "target") -> Selection:
    """The first view: the last full period of ``grain`` (or the one holding the end of
    ``period``) and up to ``periods - 1`` before it, from the first in the data on."""
    last = Period.parse(period) if period else Period.parse(closed_period(workbook, grain=grain))
    if last.grain != grain:
        last = Period.containing(last.last, grain)
    labels = period_labels(workbook, grain, also=[last.label])
    first = labels[max(0, labels.index(last.label) + 1 - periods)]
    return Selection(kpi=kpi_name, grain=grain, first=first, last=last.label,
                     comparison=comparison)


def filter_problem(selection: Selection) -> str:
    """Why the selection's filters do not apply to its KPI ('' when they do)."""
    spec = kpi.get(selection.kpi)
    parts = (spec.numerator, spec.denominator) if spec.is_ratio else (spec.name,)
    facts = {FACTS[MEASURES[p].fact] for p in parts}
    for dim, _ in selection.filters:
        lacking = [f for f in facts if dim in ("source", "product") and dim not in f.dims]
        if lacking:
            return (f"The {dim} filter does not apply to {spec.label.lower()}: "
                    f"{lacking[0].doc} have no {dim}. Clear the {dim} filter or choose "
                    "another KPI.")
    return ""


def _check(selection: Selection) -> None:
    kpi.get(selection.kpi)
    check_grain(selection.grain, name="grain", where="explorer", optional=False)
    check_choice(selection.comparison, COMPARISONS, name="comparison", where="explorer")
    for dim, _ in selection.filters:
        check_choice(dim, FILTERS, name="filters", where="explorer")
    for label in (selection.first, selection.last):
        if Period.parse(label).grain != selection.grain:
            raise InvalidArgumentError(f"period {label} is not a {selection.grain}")


def _scope(workbook, selection: Selection) -> tuple[str, list[str] | None, str | None, list]:
    """(words, the reps in scope or None for everyone, the level one down, its members)."""
    people = scopes(workbook)
    level, scope_id = selection.level, selection.scope_id
    if level == "company":
        inside, words, reps = people, "the whole company", None
    else:
        column = "rep_id" if level == "rep" else level
        inside = people[people[column] == scope_id]
        if inside.empty:
            raise InvalidArgumentError(f"no {level} {scope_id!r} among the sellers")
        words = (f"{inside['name'].iloc[0]} ({scope_id})" if level == "rep"
                 and inside["name"].iloc[0] != scope_id else f"{level} {scope_id}")
        reps = list(inside["rep_id"])
    below = [lv for lv in LEVELS[LEVELS.index(level) + 1:]
             if lv == "rep" or inside[lv].notna().any()]
    child = below[0] if below else None
    column = "rep_id" if child == "rep" else child
    children = list(dict.fromkeys(inside[column].dropna())) if child else []
    return words, reps, child, children


def explore(workbook, selection: Selection) -> View:
    """The view of ``selection``: tiles, trend and the table one level down. A KPI the
    data cannot give, or filters that do not apply to it, give a view with a
    ``message`` instead of numbers."""
    started = time.perf_counter()
    _check(selection)
    spec = kpi.get(selection.kpi)
    view = View(selection, spec.label, spec.unit, spec.direction,
                data_date=kpi.data_date(workbook))
    try:
        view.scope, reps, view.child_level, children = _scope(workbook, selection)
        view.message = filter_problem(selection)
        if not view.message:
            _fill(workbook, selection, view, reps, children)
    except MissingDataError as exc:
        view.message = f"{spec.label} {_needs(exc)}"
    view.seconds = time.perf_counter() - started
    return view


def _needs(exc: MissingDataError) -> str:
    """What the data lacks, as "needs table x (no rows loaded). Import it, ..."."""
    text = str(exc).split(". Import it")[0]
    return (f"needs {text.split('missing ', 1)[-1].rstrip('.')}. Import it, or choose another "
            "KPI." if "missing " in text else text)


def _fill(workbook, selection, view, reps, children) -> None:
    spec = kpi.get(selection.kpi)
    first, last = Period.parse(selection.first), Period.parse(selection.last)
    grain, where = selection.grain, selection.where()
    since = min(first.baseline("last_year").first, first.shift(-1).first)
    shown = [spec.name, *(c for c in CLOSE_RATES if spec.name in CLOSE_RATES and c != spec.name
                          and not missing(workbook, kpi.get(c).columns))]
    whole = kpi.compute(workbook, shown, by=None, period=grain, start=since, end=last.last,
                        reps=reps, where=where)
    goal, note = _targets(workbook, selection, spec, [p.label for p in _periods(first, last)])
    view.notes += [note] if note else []
    view.trend = _with_baselines(whole, None, grain, first, goal, shown)
    view.tiles = _tile_rows(view.trend[view.trend["period"] == last.label], shown)
    if not (view.trend[spec.name].fillna(0) != 0).any() and not _recorded(view.trend, spec):
        when = (f"in {last.label}" if first == last else
                f"from {first.label} to {last.label}")
        view.message = (f"Nothing recorded for {view.scope}{_filter_words(selection)} {when} "
                        f"(the data runs to {view.data_date.date()}).")
        return
    if view.child_level:
        by = "rep" if view.child_level == "rep" else view.child_level
        part = kpi.compute(workbook, spec.name, by=by, period=grain,
                           start=min(last.baseline("last_year").first, last.shift(-1).first),
                           end=last.last, reps=reps, where=where)
        part = part[part[by].isin(children)]
        child_goal = (_member_targets(workbook, spec, by, last.label) if not where
                      else pd.Series(dtype=float))
        rows = _with_baselines(part, by, grain, last, child_goal, [spec.name])
        view.table = _table_rows(workbook, rows[rows["period"] == last.label], by, spec,
                                 selection.comparison)


def _recorded(trend, spec) -> bool:
    return spec.is_ratio and (trend[spec.denominator].fillna(0) != 0).any()


def _filter_words(selection) -> str:
    return "".join(f", {d} {v}" for d, v in selection.filters)


def _periods(first: Period, last: Period) -> list[Period]:
    return [Period.starting(s, first.grain) for s in period_starts(first.first, last.first,
                                                                  first.grain)]


def _with_baselines(frame, by, grain, first, goal, names) -> pd.DataFrame:
    """``frame`` from ``first`` on, with each row's previous-period and last-year value
    of the first of ``names`` and its target."""
    name = names[0]
    keys = [by] if by else []
    value = frame.set_index([*keys, "period_start"])[name]
    for against in ("previous", "last_year"):
        starts = [Period.starting(s, grain).baseline(against).first for s in frame["period_start"]]
        index = list(zip(frame[by], starts)) if by else starts
        frame[against] = value.reindex(index).to_numpy(dtype=float)
    frame = frame[frame["period_start"] >= first.first].reset_index(drop=True)
    if by:
        frame["target"] = frame[by].map(goal).astype(float) if len(goal) else float("nan")
    else:
        frame["target"] = frame["period"].map(goal).astype(float) if len(goal) else float("nan")
    return frame


def _targets(workbook, selection, spec, labels) -> tuple[pd.Series, str]:
    """The selection's target per period label, and a note when it has none."""
    if spec.is_ratio:
        return pd.Series(dtype=float), "Targets are set for counts and amounts, not for a rate."
    if selection.filters:
        return pd.Series(dtype=float), ("Targets are set per rep, team or department, not for a "
                                        "filtered selection.")
    if workbook.column_counts()["targets"]["*"] == 0:
        return pd.Series(dtype=float), "No targets are loaded."
    level = selection.level
    if level != "company":
        goal = targets(workbook, metric=spec.name, by=level, labels=labels)
        goal = goal[goal[level] == selection.scope_id].set_index("period")["target"]
        return goal, "" if len(goal) else f"No {spec.label.lower()} target for this {level}."
    people = scopes(workbook)
    for coarse in ("department", "team", "rep"):  # the coarsest level every member has
        everyone = set(people["rep_id" if coarse == "rep" else coarse].dropna())
        goal = targets(workbook, metric=spec.name, by=coarse, labels=labels).dropna()
        whole = goal.groupby("period")[coarse].agg(lambda ids: everyone <= set(ids))
        goal = goal[goal["period"].isin(whole[whole].index)]
        if everyone and len(goal):
            return goal.groupby("period")["target"].sum(), (
                f"The company's target is the sum of the {coarse} targets.")
    return pd.Series(dtype=float), (f"No {spec.label.lower()} target covers the whole "
                                    "company (every department, team or rep).")


def _member_targets(workbook, spec, level, label) -> pd.Series:
    if spec.is_ratio or workbook.column_counts()["targets"]["*"] == 0:
        return pd.Series(dtype=float)
    return targets(workbook, metric=spec.name, by=level, labels=[label]).set_index(level)["target"]


def _tile_rows(last_rows, shown) -> pd.DataFrame:
    """One row per KPI shown: value, numerator, denominator and the three baselines
    (for the other close rate, only its value and parts)."""
    row = last_rows.iloc[0] if len(last_rows) else pd.Series(dtype=float)
    out = []
    for i, name in enumerate(shown):
        spec = kpi.get(name)
        out.append({"kpi": name, "label": spec.label, "unit": spec.unit,
                    "direction": spec.direction, "period": row.get("period"),
                    "actual": float(row.get(name, float("nan"))),
                    "numerator": float(row[spec.numerator]) if spec.is_ratio else None,
                    "denominator": float(row[spec.denominator]) if spec.is_ratio else None,
                    **{c: float(row.get(c, float("nan"))) if i == 0 else float("nan")
                       for c in COMPARISONS}})
    return pd.DataFrame(out)


def _table_rows(workbook, rows, by, spec, comparison) -> pd.DataFrame:
    people = scopes(workbook)
    names = people.set_index("rep_id")["name"] if by == "rep" else None
    out = pd.DataFrame({
        "level": by, "member": rows[by].to_numpy(),
        "name": rows[by].map(names).fillna(rows[by]).to_numpy() if names is not None
        else rows[by].to_numpy(),
        "actual": rows[spec.name].astype(float).to_numpy()})
    if spec.is_ratio:
        out["numerator"] = rows[spec.numerator].astype(float).to_numpy()
        out["denominator"] = rows[spec.denominator].astype(float).to_numpy()
    out["reference"] = rows[comparison].astype(float).to_numpy()
    out["change"] = out["actual"] - out["reference"]
    out["vs_reference"] = divide(out["actual"], out["reference"])
    return out


def why(workbook, selection: Selection):
    """:func:`~salesanalysis.analyses.gap.explain_gap` for the selection's last period,
    or a sentence saying why it cannot explain this selection."""
    if selection.kpi not in EXPLAINED:
        return (f"Why? explains {', '.join(kpi.get(m).label.lower() for m in EXPLAINED)}; "
                f"choose one of them.")
    if selection.level == "department":
        return "Why? explains a rep, a team or the whole company; choose a team or a rep."
    if selection.filters:
        return "Why? explains the whole scope and finds the segments itself; clear the filters."
    try:
        return explain_gap(workbook, metric=selection.kpi, scope=selection.scope_id,
                           period=selection.last, against=selection.comparison)
    except MissingDataError as exc:
        return f"Why? cannot explain this gap: it {_needs(exc)}"


REPORT = Report(
    "explorer",
    (WORKBOOK, PERIOD,
     Param("metric", "kpi", "revenue", "the KPI shown first"),
     Param("grain", "choice", "month", "the trend's period",
           choices=("week", "month", "quarter", "year")),
     Param("periods", "int", 12, "how many periods to show"),
     Param("comparison", "choice", "target", "what the KPI is compared with",
           choices=COMPARISONS)))
