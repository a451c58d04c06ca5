"""The orders of the won deals, with their delivery and invoicing, and the feedback after
deliveries: surveys and complaints."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import patterns
from .book import Book
from .deals import Deals
from .draws import Calendar, days, ids

__all__ = ["orders_and_feedback"]


def orders_and_feedback(rng, cal: Calendar, opps: pd.DataFrame, deals: Deals, book: Book,
                        reps: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The orders table and the feedback table, by the moment received."""
    w = np.flatnonzero(deals.won)
    orders, delivered, known, late = _orders(rng, cal.end, opps, w)
    territory = book.territory[deals.cust[w]]
    feedback = _feedback(rng, cal.end, orders, delivered, known, late, territory, reps)
    return orders, feedback


def _orders(rng, end: np.datetime64, opps: pd.DataFrame, w: np.ndarray):
    """An order within days of each won deal, delivered about when promised (a fifth of
    them late) and invoiced after: (orders, delivered at, delivery known, late)."""
    n = len(w)
    closed = opps["closed_at"].to_numpy()[w].astype("datetime64[us]")
    ordered = np.minimum(closed + days(rng.integers(0, 6, n)), end - np.timedelta64(1, "D"))
    ordered = ordered.astype("datetime64[D]").astype("datetime64[us]")
    promised = ordered + days(rng.integers(10, 31, n))
    late = rng.random(n) < 0.2
    delivered = promised + days(np.where(late, rng.integers(3, 21, n), -rng.integers(0, 4, n)))
    delivered_known = delivered <= end
    invoiced = delivered + days(rng.integers(0, 8, n))
    invoiced_known = delivered_known & (invoiced <= end)
    orders = pd.DataFrame({
        "order_id": ids("SO", n),
        "customer_id": opps["customer_id"].to_numpy()[w],
        "rep_id": opps["rep_id"].to_numpy()[w],
        "product": opps["product"].to_numpy()[w],
        "ordered_at": ordered,
        "amount": opps["amount"].to_numpy()[w],
        "status": np.where(invoiced_known, "invoiced",
                           np.where(delivered_known, "delivered", "open")),
        "promised_at": promised,
        "delivered_at": np.where(delivered_known, delivered, np.datetime64("NaT")),
        "invoiced_at": np.where(invoiced_known, invoiced, np.datetime64("NaT")),
    })
    return orders, delivered, delivered_known, late


def _feedback(rng, end: np.datetime64, orders: pd.DataFrame, delivered: np.ndarray,
              known: np.ndarray, late: np.ndarray, territory: np.ndarray,
              reps: int) -> pd.DataFrame:
    """Surveys after 35% of deliveries, lower after a late one; complaints after some, and
    East's rising ones; each resolved some days later."""
    d = np.flatnonzero(known)
    survey = d[rng.random(len(d)) < 0.35]
    score = np.clip(np.round(rng.normal(8.2, 1.3, len(survey)) - 1.5 * late[survey]), 1, 10)
    complain = d[rng.random(len(d)) < np.where(late[d], 0.10, 0.03)]
    east_pick, east_at = patterns.complaints_territory(rng, delivered, known, territory, end,
                                                       reps)
    idx = np.concatenate([survey, complain, east_pick]).astype(np.int64)
    kind = np.concatenate([np.full(len(survey), "survey"), np.full(len(complain), "complaint"),
                           np.full(len(east_pick), "complaint")])
    at = np.concatenate([delivered[survey] + days(rng.integers(3, 21, len(survey))),
                         delivered[complain] + days(rng.integers(1, 30, len(complain))),
                         east_at])
    at = at + (rng.integers(8 * 3600, 18 * 3600, len(at)) * 1_000_000).astype("timedelta64[us]")
    keep = at < end
    resolve = at + (rng.lognormal(np.log(5), 0.7, len(at)) * 86_400e6).astype("timedelta64[us]")
    is_complaint = kind == "complaint"
    feedback = pd.DataFrame({
        "customer_id": orders["customer_id"].to_numpy()[idx],
        "rep_id": orders["rep_id"].to_numpy()[idx],
        "received_at": at,
        "kind": kind,
        "score": np.concatenate([score, np.full(len(idx) - len(survey), np.nan)]),
        "resolved_at": np.where(is_complaint & (resolve < end), resolve, np.datetime64("NaT")),
    })[keep]
    feedback = feedback.drop_duplicates(["customer_id", "received_at", "kind"])
    return feedback.sort_values("received_at", kind="stable").reset_index(drop=True)
