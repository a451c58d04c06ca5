"""The data date: the day the data stands at, and where that comes from."""

from __future__ import annotations

import duckdb
import pandas as pd

__all__ = ["EVENT_DATES", "latest_event", "data_date_source"]

# the dates of what happened; planned activities and expected closes are not events
EVENT_DATES = {
    "activities": "SELECT max(occurred_at) FROM activities WHERE status = 'done'",
    "opportunities": "SELECT greatest(max(created_at), max(closed_at), max(offer_sent_at)) "
                     "FROM opportunities",
    "opportunity_history": "SELECT max(changed_at) FROM opportunity_history "
                           "WHERE kind = 'change'",
    "orders": "SELECT greatest(max(ordered_at), max(invoiced_at)) FROM orders",
    "feedback": "SELECT greatest(max(received_at), max(resolved_at)) FROM feedback",
}


def latest_event(raw: duckdb.DuckDBPyConnection):
    """The latest date anything happened in the stored data, or None."""
    dates = [raw.execute(f"SELECT CAST(({sql}) AS TIMESTAMP)").fetchone()[0]
             for sql in EVENT_DATES.values()]
    dates = [d for d in dates if d is not None]
    return max(dates) if dates else None


def data_date_source(raw: duckdb.DuckDBPyConnection) -> tuple[pd.Timestamp, str]:
    """(data date, where it comes from).

    The latest import that brought events (activities, deals, their history,
    orders, feedback) decides: its ``as_of`` when it was given one, else the latest
    event in the data. Imports of reps, targets, stages or the action log alone
    never move it. Without any, the latest event, else today.
    """
    events = ", ".join(f"'{t}'" for t in EVENT_DATES)
    latest = raw.execute(
        "SELECT i.import_id, i.as_of FROM _imports i WHERE NOT EXISTS (SELECT 1 FROM "
        "_import_files f WHERE f.import_id = i.import_id) OR EXISTS (SELECT 1 FROM "
        f"_import_files f WHERE f.import_id = i.import_id AND f.table_name IN ({events})) "
        "ORDER BY i.import_id DESC LIMIT 1").fetchone()
    if latest is not None and latest[1] is not None:
        return (pd.Timestamp(latest[1]).normalize(),
                f"the as-of date of import {latest[0]}")
    event = latest_event(raw)
    if event is not None:
        return pd.Timestamp(event).normalize(), "the latest event in the data"
    return pd.Timestamp.today().normalize(), "today (no events loaded)"
