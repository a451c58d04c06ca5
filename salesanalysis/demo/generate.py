"""Realistic demo data, deterministic by seed, with planted patterns to find.

``generate()`` returns one DataFrame per canonical table. Everything is drawn
with NumPy in whole arrays, so the benchmark size (1,000 reps, about ten
million activities) takes minutes, not hours.

Each table is built by one step, in this order, all drawing from one generator:

:mod:`.team` the reps and their managers; :mod:`.book` the prospects each rep finds,
the customers they become and their contacts; :mod:`.deals` the opportunities;
:mod:`.history` their stage changes; :mod:`.activities` the activity log;
:mod:`.orders` the orders and feedback; :mod:`.targets` the targets.

The planted patterns (``planted(reps)`` names where each one is) are described and
planted in :mod:`.patterns`: contact_inflater, sawtooth_prospector, referral_star,
win_rate_collapse, stalled_pipeline and complaints_territory.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InvalidArgumentError
from .activities import activity_log
from .book import customers_and_contacts, prospects
from .catalogue import PRODUCTS, STAGES
from .deals import opportunities
from .draws import Calendar
from .history import opportunity_history
from .orders import orders_and_feedback
from .patterns import COLLAPSE_SEGMENT, planted
from .targets import targets
from .team import reps as team_reps

__all__ = ["generate", "planted", "export_date", "write_tables", "MIN_REPS", "STAGES",
           "COLLAPSE_SEGMENT"]

MIN_REPS = 12


def export_date(start: str = "2024-01-01", weeks: int = 104) -> pd.Timestamp:
    """The day the demo export is taken: ``weeks`` weeks after ``start``."""
    return pd.Timestamp(start) + pd.Timedelta(weeks=weeks)


def write_tables(tables: dict[str, pd.DataFrame], folder, *, format: str = "csv") -> list:
    """Write each table to ``folder/<table>.csv`` (or ``.parquet``); returns the paths."""
    from pathlib import Path

    if format not in ("csv", "parquet"):
        raise InvalidArgumentError(f"format must be 'csv' or 'parquet', got {format!r}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in tables.items():
        path = folder / f"{name}.{format}"
        if format == "csv":
            frame.to_csv(path, index=False)
        else:
            frame.to_parquet(path, index=False)
        paths.append(path)
    return paths


def generate(*, reps: int = 24, weeks: int = 104, seed: int = 0, start: str = "2024-01-01",
             activities_per_week: float = 60.0, opportunities_per_week: float = 2.5
             ) -> dict[str, pd.DataFrame]:
    """Demo tables for ``reps`` reps over ``weeks`` weeks from the Monday ``start``.

    The data date (the day the export was taken) is ``start + weeks`` weeks; a
    few activities are planned after it. Same arguments, same tables.
    """
    if reps < MIN_REPS:
        raise InvalidArgumentError(f"reps must be at least {MIN_REPS} (the planted patterns need them), "
                         f"got {reps}")
    if weeks < 30:
        raise InvalidArgumentError(f"weeks must be at least 30 (two quarters and some), got {weeks}")
    rng = np.random.default_rng(seed)
    cal = _calendar(start, weeks)
    # the steps share the generator, so their order is the order of the draws
    rep_table, team = team_reps(rng, reps, cal.start)
    found = prospects(rng, cal, reps, activities_per_week)
    customers, contacts, book = customers_and_contacts(rng, found, team)
    opps, deals = opportunities(rng, cal, team, found, book, opportunities_per_week)
    history = opportunity_history(seed, deals)
    activities = activity_log(rng, cal, team, found, book, deals, activities_per_week)
    orders, feedback = orders_and_feedback(rng, cal, opps, deals, book, reps)
    return {
        "reps": rep_table, "customers": customers, "contacts": contacts,
        "stages": STAGES.copy(), "products": PRODUCTS.copy(),
        "opportunities": opps, "opportunity_history": history,
        "activities": activities, "targets": targets(rep_table, opps, activities, cal),
        "orders": orders, "feedback": feedback,
    }


def _calendar(start: str, weeks: int) -> Calendar:
    start_ts = pd.Timestamp(start)
    if start_ts.day_of_week != 0:
        raise InvalidArgumentError(f"start must be a Monday, got {start_ts.date()} ({start_ts.day_name()})")
    week_starts = pd.date_range(start_ts, periods=weeks, freq="7D")
    return Calendar(start=start_ts, data_date=export_date(start, weeks), week_starts=week_starts,
                    week_np=week_starts.values.astype("datetime64[us]"))
