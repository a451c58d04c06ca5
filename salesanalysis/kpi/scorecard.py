"""The scorecard: the headline KPIs of a rep, team or department for one period, with
target, previous period and same period last year."""

from __future__ import annotations

import pandas as pd

from ..store.cache import cached
from ..store.roster import reps_frame
from .engine import compute, divide
from .periods import baseline_start, period_bounds, period_label
from .registry import get, missing
from .results import targets
from ..store.frames import to_pandas
from ..errors import InvalidArgumentError

__all__ = ["HEADLINE", "scorecard", "rep_scorecard", "team_scorecard", "with_team_median"]

HEADLINE = (
    "revenue", "deals_won", "offers_submitted", "offer_win_rate", "win_rate",
    "average_deal_size", "new_opportunities", "new_pipeline", "done", "unique_prospects",
    "new_prospects", "touches_per_prospect", "close_rate_per_prospect_met",
    "close_rate_per_contact", "referral_requests",
)
_LEVELS = ("rep", "team", "department")


def _scope(scope) -> tuple[str, str | None]:
    if isinstance(scope, str) and scope in _LEVELS:
        return scope, None
    if isinstance(scope, dict) and len(scope) == 1:
        scope = next(iter(scope.items()))
    if isinstance(scope, tuple) and len(scope) == 2 and scope[0] in _LEVELS:
        return scope[0], str(scope[1])
    raise InvalidArgumentError("scope must be 'rep', 'team' or 'department' (every member), or one "
                     f"member such as {{'rep': 'R001'}} or ('team', 'North'); got {scope!r}")


def scorecard(workbook, *, scope="rep", period: str, kpis=None) -> pd.DataFrame:
    """One tidy row per member and KPI for the period labelled ``period`` (``2025-11``,
    ``2025-Q3``, ``2025``, ``2025-W05``).

    Columns: scope_level, scope_id, kpi, label, unit, direction, numerator and
    denominator (ratios), actual, target, vs_target (actual / target), previous,
    change_vs_previous, growth_vs_previous, last_year, change_vs_last_year,
    growth_vs_last_year. Every member of the level gets rows, active or not.

    ``kpis`` defaults to the :data:`HEADLINE` KPIs the loaded data allows; those
    left out are listed in ``result.attrs["skipped"]``. KPIs named explicitly
    must all be computable.
    """
    level, member = _scope(scope)
    kind, first, last = period_bounds(period)
    if member is not None:
        reps = workbook.table("reps")
        known = reps.filter(reps[{"rep": "rep_id"}.get(level, level)] == member).count()
        if not to_pandas(known):
            raise InvalidArgumentError(f"no {level} {member!r} in the workbook")
    skipped = []
    if kpis is None:
        skipped = [n for n in HEADLINE if missing(workbook, get(n).columns)]
        kpis = [n for n in HEADLINE if n not in skipped]
    names = list(kpis)
    specs = [get(n) for n in names]
    previous = baseline_start(first, kind, "previous")
    last_year = baseline_start(first, kind, "last_year")
    wide = compute(workbook, names, by=level, period=kind, start=last_year, end=last)
    if member is not None:
        wide = wide[wide[level] == member]
    at = {name: wide[wide["period_start"] == start].set_index(level)
          for name, start in (("actual", first), ("previous", previous),
                              ("last_year", last_year))}
    rows = []
    for spec in specs:
        frame = pd.DataFrame({
            "scope_level": level, "scope_id": at["actual"].index,
            "kpi": spec.name, "label": spec.label, "unit": spec.unit,
            "direction": spec.direction,
            "numerator": at["actual"][spec.numerator].astype(float) if spec.is_ratio else None,
            "denominator": at["actual"][spec.denominator].astype(float) if spec.is_ratio
            else None,
            "actual": at["actual"][spec.name].astype(float),
            "previous": at["previous"][spec.name].reindex(at["actual"].index).astype(float),
            "last_year": at["last_year"][spec.name].reindex(at["actual"].index).astype(float),
        })
        goal = (targets(workbook, metric=spec.name, by=level, labels=[period])
                .set_index(level)["target"] if not spec.is_ratio else pd.Series(dtype=float))
        frame["target"] = goal.reindex(frame["scope_id"]).to_numpy(dtype=float)
        rows.append(frame.reset_index(drop=True))
    out = pd.concat(rows, ignore_index=True)
    out["vs_target"] = divide(out["actual"], out["target"])
    for base in ("previous", "last_year"):
        out[f"change_vs_{base}"] = out["actual"] - out[base]
        out[f"growth_vs_{base}"] = divide(out[f"change_vs_{base}"], out[base])
    out.insert(2, "period", period_label(first, kind))
    order = ["scope_level", "scope_id", "period", "kpi", "label", "unit", "direction",
             "numerator", "denominator", "actual", "target", "vs_target", "previous",
             "change_vs_previous", "growth_vs_previous", "last_year", "change_vs_last_year",
             "growth_vs_last_year"]
    out = out[order].sort_values(["scope_id"], kind="stable").reset_index(drop=True)
    out.attrs["skipped"] = skipped
    return out


def with_team_median(card: pd.DataFrame) -> pd.DataFrame:
    """``card`` (rows per rep and KPI, with ``team``) with the median ``actual`` of
    each rep's team for the same KPI."""
    return card.assign(team_median=card.groupby(["team", "kpi"])["actual"].transform("median"))


def rep_scorecard(workbook, *, period: str, kpis=None) -> pd.DataFrame:
    """The scorecard of every rep for ``period`` (``kpis`` as for
    :func:`scorecard`), with each rep's team."""
    card = scorecard(workbook, scope="rep", period=period, kpis=kpis)
    card.insert(2, "team", card["scope_id"].map(reps_frame(workbook).set_index("rep_id")["team"]))
    return card


@cached
def team_scorecard(workbook, *, period: str) -> pd.DataFrame:
    """The headline scorecard of every rep for ``period``, with each rep's team and
    its median."""
    return with_team_median(rep_scorecard(workbook, period=period))
