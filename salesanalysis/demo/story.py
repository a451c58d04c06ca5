"""The demo's earlier review: the actions agreed at each rep's review of the month before
the closed one, some since done or dropped, so that every review's follow-up of earlier
actions has something to check."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..analyses import actions, findings
from ..kpi.periods import Period, closed_period
from ..store import cache
from ..store.roster import members

__all__ = ["seed_action_log"]

# how the actions of the earlier review stand a month later
STATUSES = ("done", "open", "dropped")
STATUS_SHARE = (0.5, 0.35, 0.15)
NOTES = {"done": "Done, checked with the manager.", "dropped": "Dropped: no longer relevant.",
         "open": None}


def seed_action_log(workbook, *, seed: int = 0, period: str | None = None) -> pd.DataFrame:
    """Record the actions the findings of every seller's review of the month before
    ``period`` (default: the closed month) propose, agreed at a meeting three days after
    that month, one per action, and give each a status drawn by ``seed``. Returns the
    rows recorded."""
    earlier = Period.parse(period or closed_period(workbook)).shift(-1)
    with cache.for_one_pass():  # the team-wide tables once, not once per rep
        found = [findings.findings(workbook, rep=rep, period=earlier.label)
                 for rep in members(workbook)["rep_id"]]
    found = pd.concat(found, ignore_index=True) if found else pd.DataFrame()
    if found.empty:  # no seller, or no rule fired: nothing was agreed
        return pd.DataFrame(columns=actions.COLUMNS)
    rows = actions.from_findings(workbook, found.drop_duplicates(["rep", "owner", "action"]))
    met = earlier.last.normalize() + pd.Timedelta(days=3)
    rng = np.random.default_rng(seed)
    rows["created_at"] = met
    rows["status"] = rng.choice(STATUSES, size=len(rows), p=STATUS_SHARE)
    settled = rows["status"] != "open"
    rows["reviewed_at"] = pd.Series(met + pd.Timedelta(days=14), index=rows.index).where(settled)
    rows["notes"] = rows["status"].map(NOTES)
    actions.record(workbook, rows)
    return rows.reset_index(drop=True)
