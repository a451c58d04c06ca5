"""The demo cut down to what real teams have: one data profile per kind of team.

No team has every table the demo fills. Each profile keeps what one kind of team
keeps, shaped as that team keeps it, so every report can be tried on it:

full
    every table of the demo.
crm
    a CRM opportunity export: reps, customers, products and deals with their stage,
    amount and dates only; the outcome comes from the stage, lost deals carry no
    amount and one open deal in ten has none; no activities, targets, orders,
    feedback, stage probabilities or history.
activities
    reps and their call and meeting log only.
spreadsheet
    a small company's two spreadsheets, deals and calls (a line per customer called
    a day), salespeople and customers by name and no ids, read with the shipped ``spreadsheet`` mapping: no targets,
    stages, orders or history.
no-targets
    every table but targets.
snapshot
    every table but the opportunity history: today's deals only.
one-rep
    the demo's first rep alone, with their own deals, activities and targets.
new-hire
    every table, and a rep who joined a week before the data date with nothing yet
    (:data:`NEW_HIRE`).

A period outside the data is not a profile: any profile asked for such a period
shows it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InvalidArgumentError
from ..layout import TEMPLATES
from .generate import export_date, generate

__all__ = ["PROFILES", "NEW_HIRE", "profile", "build_profile"]

PROFILES = {
    "full": "every table of the demo",
    "crm": "reps, customers, products and deals with stage, amount and dates only",
    "activities": "reps and a call and meeting log only",
    "spreadsheet": "deals and calls kept in two spreadsheets, names as ids",
    "no-targets": "every table but targets",
    "snapshot": "every table but the opportunity history",
    "one-rep": "one rep alone",
    "new-hire": "every table and a rep who joined a week ago with nothing yet",
}
NEW_HIRE = {"rep_id": "N001", "name": "Nina Hale"}
_CRM_DEAL_COLUMNS = ["opportunity_id", "rep_id", "customer_id", "product", "created_at",
                     "stage", "amount", "closed_at"]
_LOG_COLUMNS = ["activity_id", "rep_id", "activity_type", "occurred_at", "status",
                "duration_s", "outcome"]


def profile(tables: dict[str, pd.DataFrame], name: str, *, data_date) -> tuple[dict, object]:
    """The demo ``tables`` (from :func:`generate`) as profile ``name`` keeps them.

    Returns ``(sources, mapping)``: the frames to import and the mapping to read them
    with (None: the canonical tables themselves).
    """
    if name not in PROFILES:
        raise InvalidArgumentError(f"profile must be one of {', '.join(PROFILES)}; "
                                   f"got {name!r}")
    tables = {key: frame.copy() for key, frame in tables.items()}
    data_date = pd.Timestamp(data_date)
    if name == "full":
        return tables, None
    if name == "no-targets":
        return _without(tables, "targets"), None
    if name == "snapshot":
        return _without(tables, "opportunity_history"), None
    if name == "crm":
        return _crm(tables), None
    if name == "activities":
        log = tables["activities"]
        log = log[log["activity_type"].isin(["call", "meeting"])][_LOG_COLUMNS]
        return {"reps": tables["reps"], "activities": log.reset_index(drop=True)}, None
    if name == "spreadsheet":
        return _spreadsheets(tables), TEMPLATES / "mappings" / "spreadsheet.yaml"
    if name == "one-rep":
        return _one_rep(tables), None
    return _with_new_hire(tables, data_date), None


def build_profile(path, name: str, *, reps: int = 24, weeks: int = 104, seed: int = 0,
                  start: str = "2024-01-01", progress: bool = False):
    """Write the workbook of profile ``name`` at ``path`` (replaced) and return the
    import report."""
    from ..store.workbook import open_workbook

    path = Path(path)
    data_date = export_date(start, weeks)
    sources, mapping = profile(generate(reps=reps, weeks=weeks, seed=seed, start=start),
                               name, data_date=data_date)
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    with open_workbook(path) as wb:
        return wb.import_data(sources, mapping=mapping, as_of=data_date.date(),
                              progress=progress)


def _without(tables: dict, *names: str) -> dict:
    return {key: frame for key, frame in tables.items() if key not in names}


def _crm(tables: dict) -> dict:
    deals = tables["opportunities"][_CRM_DEAL_COLUMNS].copy()
    deals.loc[deals["stage"] == "lost", "amount"] = np.nan
    is_open = ~deals["stage"].isin(["won", "lost"])
    deals.loc[is_open & (np.arange(len(deals)) % 10 == 0), "amount"] = np.nan
    reps = tables["reps"][["rep_id", "name", "team", "territory"]]
    return {"reps": reps, "customers": tables["customers"],
            "products": tables["products"], "opportunities": deals}


def _spreadsheets(tables: dict) -> dict:
    names = tables["reps"].set_index("rep_id")["name"]
    customers = tables["customers"].set_index("customer_id")["name"]
    opps = tables["opportunities"]
    deals = pd.DataFrame({
        "Date": opps["created_at"].dt.strftime("%Y-%m-%d"),
        "Salesperson": opps["rep_id"].map(names),
        "Customer": opps["customer_id"].map(customers),
        "Stage": opps["stage"].str.capitalize(),
        "Amount": opps["amount"].round(0),
        "Closed date": opps["closed_at"].dt.strftime("%Y-%m-%d"),
    })
    log = tables["activities"]
    log = log[(log["activity_type"] == "call") & (log["status"] == "done")]
    calls = pd.DataFrame({
        "Date": log["occurred_at"].dt.strftime("%Y-%m-%d"),
        "Salesperson": log["rep_id"].map(names),
        "Customer": log["customer_id"].map(customers),
        "Duration in minutes": (log["duration_s"] / 60).round(1),
    })
    # one line per call: two calls to one customer on one day are written once
    calls = calls.drop_duplicates(["Date", "Salesperson", "Customer"])
    return {"deals": deals.reset_index(drop=True), "calls": calls.reset_index(drop=True)}


def _one_rep(tables: dict) -> dict:
    reps = tables["reps"]
    rep = reps.loc[reps["role"].notna(), "rep_id"].iloc[0]
    out = {}
    for key, frame in tables.items():
        if key == "reps":
            frame = frame[frame["rep_id"] == rep].assign(manager_id=None)
        elif key == "targets":
            frame = frame[(frame["scope_level"] == "rep") & (frame["scope_id"] == rep)]
        elif key == "opportunity_history":
            own = tables["opportunities"].loc[tables["opportunities"]["rep_id"] == rep,
                                              "opportunity_id"]
            frame = frame[frame["opportunity_id"].isin(own)]
        elif "rep_id" in frame:
            frame = frame[frame["rep_id"] == rep]
        out[key] = frame.reset_index(drop=True)
    return out


def _with_new_hire(tables: dict, data_date: pd.Timestamp) -> dict:
    reps = tables["reps"]
    peer = reps[reps["role"] == "field"].iloc[0]
    hire = {**peer.to_dict(), **NEW_HIRE,
            "active_from": (data_date - pd.Timedelta(days=7)).normalize()}
    tables["reps"] = pd.concat([reps, pd.DataFrame([hire])], ignore_index=True)
    return tables
