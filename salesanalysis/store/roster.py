"""Who sells: the reps table as a frame, the sellers among them and one team's members.

A seller is a rep with a role (inside / field) or anyone who owns an activity or a
deal, whatever the role says (a CRM export often has none); the KPI layer reports
every seller, active or not, and the batch runs one review per seller.
"""

from __future__ import annotations

import pandas as pd

from ..errors import UnknownNameError
from .cache import cached
from .frames import to_pandas

__all__ = ["reps_frame", "seller_filter", "seller_ids", "sellers_frame", "members", "keep_team",
           "rep_info", "rep_names", "customer_names", "rep_label"]


@cached
def reps_frame(workbook) -> pd.DataFrame:
    """The ``reps`` table as pandas (a copy: kept until the next import)."""
    return workbook.cached("reps_frame", lambda: workbook.to_pandas("reps")).copy()


def _owner_tables(workbook) -> list:
    return [workbook.table(t).rep_id for t in ("activities", "opportunities")]


def seller_filter(workbook, reps):
    """The Ibis condition that keeps sellers of the ``reps`` table expression."""
    condition = reps.role.notnull()
    for owners in _owner_tables(workbook):
        condition = condition | reps.rep_id.isin(owners)
    return condition


@cached
def seller_ids(workbook) -> frozenset:
    """The rep ids of every seller (a scan of every activity and deal: kept until the
    next import)."""
    def scan():
        reps = workbook.table("reps")
        return frozenset(to_pandas(reps.filter(seller_filter(workbook, reps)).rep_id))
    return workbook.cached("seller_ids", scan)


def sellers_frame(workbook) -> pd.DataFrame:
    """The sellers' rows of the ``reps`` table."""
    reps = reps_frame(workbook)
    return reps[reps["rep_id"].isin(seller_ids(workbook))].reset_index(drop=True)


def members(workbook, *, team: str | None = None) -> pd.DataFrame:
    """The sellers of ``team`` (every team when None): rep_id, name, team, department."""
    if team is not None:
        teams = sorted(reps_frame(workbook)["team"].dropna().unique())
        if team not in set(teams):
            raise UnknownNameError(f"no team {team!r} in the workbook (teams: {', '.join(teams)})")
    sellers = sellers_frame(workbook)
    if team is not None:
        sellers = sellers[sellers["team"] == team]
    return sellers[["rep_id", "name", "team", "department"]].reset_index(drop=True)


def keep_team(frame: pd.DataFrame, workbook, *, team: str | None, level: str = "rep"
              ) -> pd.DataFrame:
    """The rows of ``frame`` (one per ``level`` member) that belong to ``team``'s sellers;
    every row when ``team`` is None."""
    if team is None:
        return frame.reset_index(drop=True)
    people = members(workbook, team=team)
    allowed = {"rep": set(people["rep_id"]), "team": {team},
               "department": set(people["department"])}[level]
    return frame[frame[level].isin(allowed)].reset_index(drop=True)


def rep_info(workbook, *, rep: str) -> dict:
    """The rep's row of ``reps`` as a dict; a clear error for an unknown rep."""
    reps = reps_frame(workbook)
    row = reps[reps["rep_id"] == rep]
    if row.empty:
        known = ", ".join(reps["rep_id"].astype(str).head(20))
        raise UnknownNameError(f"no rep {rep!r} in the workbook (reps: {known} ...)")
    return row.iloc[0].to_dict()


@cached
def customer_names(workbook) -> dict:
    """customer_id -> name of every customer that has a name."""
    customers = to_pandas(workbook.table("customers").select("customer_id", "name"))
    return dict(customers.dropna(subset=["name"]).itertuples(index=False, name=None))


def rep_names(workbook) -> pd.Series:
    """rep_id -> name of every rep."""
    return reps_frame(workbook).set_index("rep_id")["name"]


def rep_label(name, rep_id) -> str:
    """A rep as people read one: ``Ana Lopez (R001)``, or the name alone when the name is
    the id (a spreadsheet's salespeople)."""
    return str(rep_id) if pd.isna(name) or name == rep_id else f"{name} ({rep_id})"
