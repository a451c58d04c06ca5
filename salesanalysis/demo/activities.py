"""The activity log: the touches that find and follow up prospects, referral requests,
next week's plan and the meetings and demos of each deal, with status, call outcome and
duration."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import patterns
from .book import Book, Prospects
from .deals import Deals
from .draws import Calendar, days, ids, in_week, per_rep_week, recent, starts
from .team import Team

__all__ = ["activity_log"]


@dataclass(frozen=True)
class _Work:
    """Activities whose moment is drawn later, somewhere in the week from ``week_start``."""

    rep: np.ndarray
    cust: np.ndarray
    kind: np.ndarray
    week_start: np.ndarray  # datetime64[us]


def activity_log(rng, cal: Calendar, team: Team, found: Prospects, book: Book, deals: Deals,
                 per_week: float) -> pd.DataFrame:
    """The activities table, sorted by rep and moment."""
    rate = patterns.contact_inflater_activities(
        np.full(len(team), per_week) * rng.uniform(0.8, 1.2, len(team)))
    work = [_touches(rng, cal, team, found, rate), _referral_requests(rng, cal, found),
            _plan(rng, cal, team, found, rate)]
    d_opp, d_type, d_at = _deal_activities(rng, deals)
    rep = np.concatenate([w.rep for w in work] + [deals.rep[d_opp]])
    cust = np.concatenate([w.cust for w in work] + [deals.cust[d_opp]])
    kind = np.concatenate([w.kind for w in work] + [d_type])
    at = np.concatenate([in_week(rng, w.week_start) for w in work] + [d_at])
    opp = np.concatenate([np.full(sum(len(w.rep) for w in work), -1), d_opp])
    status = _status(rng, at, cal)
    outcome, duration = _calls(rng, kind, team.inside[rep], status)
    order = np.lexsort((at, rep))
    return pd.DataFrame({
        "activity_id": ids("A", len(rep)),
        "rep_id": team.ids[rep[order]],
        "activity_type": kind[order],
        "occurred_at": at[order],
        "status": status[order],
        "customer_id": book.ids.values[cust[order]],
        "contact_id": book.contact_ids.values[book.pick_contact(rng, cust[order])],
        "opportunity_id": np.where(opp[order] >= 0, deals.ids.values[np.maximum(opp[order], 0)],
                                   None),
        "duration_s": duration[order],
        "outcome": outcome[order],
    })


def _touches(rng, cal: Calendar, team: Team, found: Prospects, rate: np.ndarray) -> _Work:
    """Calls, emails, visits and meetings with prospects; each week's first ones open the
    prospects found that week, in order of discovery, the rest follow up recent ones."""
    n_new, cum_new = found.new, found.cum
    n_act_rw = np.maximum(rng.poisson(np.repeat(rate[:, None], cal.weeks, axis=1)), n_new)
    flat_n = n_act_rw.ravel()
    a_rep, a_week = per_rep_week(n_act_rw)
    k = np.arange(len(a_rep)) - np.repeat(starts(flat_n), flat_n)
    new_before = (cum_new - n_new)[a_rep, a_week]
    is_first = k < n_new[a_rep, a_week]
    follow_idx = recent(rng, cum_new[a_rep, a_week], 25.0)
    follow_idx = patterns.contact_inflater_follow_ups(rng, a_rep, follow_idx)
    a_cust = found.offset[a_rep] + np.where(is_first, new_before + k, follow_idx)
    a_type = _touch_types(rng, is_first, team.inside[a_rep])
    return _Work(rep=a_rep, cust=a_cust, kind=a_type, week_start=cal.week_np[a_week])


def _touch_types(rng, is_first: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """Inside reps mostly call and email, field reps visit and meet; a new prospect is
    called, or by field reps visited half of the time."""
    u = rng.random(len(is_first))
    inside_type = np.select([u < 0.60, u < 0.95, u < 0.98], ["call", "email", "meeting"], "demo")
    field_type = np.select([u < 0.30, u < 0.50, u < 0.75, u < 0.95],
                           ["visit", "meeting", "call", "email"], "demo")
    first_type = np.where(inside, "call", np.where(u < 0.5, "visit", "call"))
    return np.where(is_first, first_type, np.where(inside, inside_type, field_type))


def _referral_requests(rng, cal: Calendar, found: Prospects) -> _Work:
    rate = patterns.referral_star_requests(len(found.new))
    n_ref_rw = rng.poisson(np.repeat(rate[:, None], cal.weeks, axis=1))
    r_rep, r_week = per_rep_week(n_ref_rw)
    r_cust = found.offset[r_rep] + recent(rng, found.cum[r_rep, r_week], 10.0)
    return _Work(rep=r_rep, cust=r_cust, kind=np.full(len(r_rep), "referral_request"),
                 week_start=cal.week_np[r_week])


def _plan(rng, cal: Calendar, team: Team, found: Prospects, rate: np.ndarray) -> _Work:
    """The calls and visits planned for the week after the data date."""
    n_plan = rng.poisson(rate * 0.8)
    pl_rep = np.repeat(np.arange(len(team)), n_plan)
    pl_cust = found.offset[pl_rep] + recent(rng, found.cum[pl_rep, -1], 10.0)
    pl_type = np.where(team.inside[pl_rep], "call", "visit")
    return _Work(rep=pl_rep, cust=pl_cust, kind=pl_type,
                 week_start=np.full(len(pl_rep), cal.end, dtype="datetime64[us]"))


def _deal_activities(rng, deals: Deals):
    """A meeting when each deal opens, a demo for most, a meeting at the offer:
    (deal, type, moment)."""
    n_opp = len(deals)
    has_demo = rng.random(n_opp) < 0.6
    has_offer = ~np.isnat(deals.offer_at)
    d_opp = np.concatenate([np.arange(n_opp), np.flatnonzero(has_demo),
                            np.flatnonzero(has_offer)])
    d_type = np.concatenate([np.full(n_opp, "meeting"), np.full(has_demo.sum(), "demo"),
                             np.full(len(d_opp) - n_opp - has_demo.sum(), "meeting")])
    d_at = np.concatenate([
        deals.created,
        deals.created[has_demo] + days(rng.integers(2, 12, has_demo.sum())),
        deals.offer_at[has_offer]])
    return d_opp, d_type, d_at


def _status(rng, at: np.ndarray, cal: Calendar) -> np.ndarray:
    """Done, cancelled or planned; everything from the data date on is planned."""
    future = at >= cal.end
    v = rng.random(len(at))
    return np.where(future, "planned", np.select([v < 0.91, v < 0.95], ["done", "cancelled"],
                                                 "planned"))


def _calls(rng, kind: np.ndarray, inside: np.ndarray, status: np.ndarray):
    """Outcome of each call and duration of each activity, for the done ones only;
    inside reps connect less often."""
    n_all = len(kind)
    is_call = kind == "call"
    connected = is_call & (rng.random(n_all) < np.where(inside, 0.35, 0.5))
    outcome = np.where(is_call, np.where(connected, "connected", np.where(
        rng.random(n_all) < 0.6, "no_answer", "voicemail")), None)
    base_duration = {"call": 0, "meeting": 3600, "visit": 5400, "demo": 2700}
    duration = np.select([kind == t for t in base_duration],
                         [np.full(n_all, float(d)) for d in base_duration.values()], np.nan)
    duration = np.where(connected, np.round(rng.lognormal(np.log(240), 0.6, n_all)),
                        np.where(is_call, np.round(rng.uniform(5, 40, n_all)),
                                 duration * rng.uniform(0.6, 1.3, n_all).round(2)))
    done = status == "done"
    return np.where(done, outcome, None), np.where(done, duration, np.nan)
