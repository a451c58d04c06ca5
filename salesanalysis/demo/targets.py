"""The targets: monthly ones a little above each rep's own average, their quarterly sums
for revenue, and the team and department sums."""

from __future__ import annotations

import pandas as pd

from .draws import Calendar

__all__ = ["targets"]

UPLIFT = 1.1  # targets sit this much above the rep's own monthly average
_KEYS = ["period", "scope_level", "scope_id", "metric"]


def targets(reps: pd.DataFrame, opps: pd.DataFrame, acts: pd.DataFrame,
            cal: Calendar) -> pd.DataFrame:
    """Rep targets per month, then quarterly revenue, then team and department sums."""
    sellers = reps[reps["role"].notna()]
    rep_targets = _rep_targets(sellers, opps, acts, cal)
    revenue = rep_targets[rep_targets["metric"] == "revenue"]
    quarter = pd.PeriodIndex(revenue["period"], freq="M").asfreq("Q").astype(str)
    quarterly = (revenue.assign(period=quarter.str.replace("Q", "-Q"))
                 .groupby(_KEYS, as_index=False)["value"].sum())
    team_of = sellers.set_index("rep_id")["team"]
    dept_of = sellers.set_index("rep_id")["department"]
    levels = []
    for level, of in (("team", team_of), ("department", dept_of)):
        levels.append(rep_targets.assign(scope_id=rep_targets["scope_id"].map(of),
                                         scope_level=level)
                      .groupby(_KEYS, as_index=False)["value"].sum())
    return pd.concat([rep_targets, quarterly, *levels], ignore_index=True)


def _rep_targets(sellers: pd.DataFrame, opps: pd.DataFrame, acts: pd.DataFrame,
                 cal: Calendar) -> pd.DataFrame:
    """Each seller's monthly target per metric; calls for inside reps, visits for field."""
    months = pd.period_range(cal.start, cal.data_date - pd.Timedelta(days=1), freq="M")
    won = opps[opps["outcome"] == "won"]
    done = acts[acts["status"] == "done"]
    per_month = {
        "revenue": won.groupby("rep_id")["amount"].sum(),
        "offers_submitted": opps[opps["offer_sent_at"].notna()].groupby("rep_id").size(),
        "new_opportunities": opps.groupby("rep_id").size(),
        "calls": done[done["activity_type"] == "call"].groupby("rep_id").size(),
        "visits": done[done["activity_type"] == "visit"].groupby("rep_id").size(),
    }
    rows = []
    for metric, totals in per_month.items():
        monthly = (totals.reindex(sellers["rep_id"]).fillna(0) / len(months) * UPLIFT)
        if metric in ("calls", "visits"):
            role = "inside" if metric == "calls" else "field"
            monthly = monthly[sellers.set_index("rep_id")["role"] == role]
        monthly = monthly.round(0 if metric != "revenue" else -2)
        for m in months:
            rows.append(pd.DataFrame({"period": str(m), "scope_level": "rep",
                                      "scope_id": monthly.index, "metric": metric,
                                      "value": monthly.to_numpy()}))
    return pd.concat(rows, ignore_index=True)
