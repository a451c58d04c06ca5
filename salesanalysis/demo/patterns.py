"""The planted patterns: which rep (or territory) carries each, and how it bends the rates
and draws the steps use. Each step calls these at the point its pattern applies, so the
draws keep one order.

contact_inflater
    An inside rep who logs many more activities than peers by touching the same
    eight prospects again and again, and finds few new prospects: the most
    touches per unique prospect.
sawtooth_prospector
    A field rep who prospects hard in odd months and almost not at all in even
    months (new prospects and new opportunities x1.95 / x0.05): the highest
    week-to-week variation of new prospects.
referral_star
    A field rep who asks for introductions every week (3 referral requests a
    week against 0.3) and draws 55% of opportunities from referrals, 80% of which
    are won: the best referral conversion and share of pipeline from referrals.
win_rate_collapse
    A field rep whose Mid-Market deals closing in one quarter (the second-last
    full quarter of the range) are all lost.
stalled_pipeline
    A field rep who lets deals drift: 60% of the deals that should have closed
    stay open past their expected close date, mostly with no next step or an
    overdue one, and nothing logged against them.
complaints_territory
    The territory East, whose complaints rise steadily over the last 26 weeks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .catalogue import SEGMENTS
from .draws import Calendar, days, rep_ids

__all__ = ["PLANTED_INDEX", "COLLAPSE_SEGMENT", "COMPLAINTS_TERRITORY", "planted",
           "contact_inflater_prospects", "contact_inflater_activities",
           "contact_inflater_follow_ups", "sawtooth_prospector", "referral_star_share",
           "referral_star_skill", "referral_star_wins", "referral_star_requests",
           "win_rate_collapse", "stalled_pipeline_deals", "stalled_pipeline_stage",
           "stalled_pipeline_steps", "stalled_pipeline_due", "complaints_territory"]

# rep index of each planted pattern; roles are fixed by index (every third rep is inside)
PLANTED_INDEX = {"contact_inflater": 3, "sawtooth_prospector": 4, "referral_star": 7,
                 "win_rate_collapse": 8, "stalled_pipeline": 10}
COLLAPSE_SEGMENT = "Mid-Market"
COMPLAINTS_TERRITORY = "East"


def planted(reps: int = 24) -> dict[str, str]:
    """Where each planted pattern is: pattern name -> rep_id (or territory)."""
    ids = rep_ids(reps)
    out = {name: ids[i] for name, i in PLANTED_INDEX.items()}
    out["complaints_territory"] = COMPLAINTS_TERRITORY
    return out


def _is(pattern: str, rep: np.ndarray) -> np.ndarray:
    """Which of ``rep`` (rep indexes) are the rep carrying ``pattern``."""
    return rep == PLANTED_INDEX[pattern]


# -- contact_inflater ------------------------------------------------------------------

def contact_inflater_prospects(rate: np.ndarray) -> np.ndarray:
    """New prospects a week per rep, the inflater finding fewer."""
    rate = rate.copy()
    rate[PLANTED_INDEX["contact_inflater"]] *= 0.6
    return rate


def contact_inflater_activities(rate: np.ndarray) -> np.ndarray:
    """Activities a week per rep, the inflater logging more."""
    rate = rate.copy()
    rate[PLANTED_INDEX["contact_inflater"]] *= 1.6
    return rate


def contact_inflater_follow_ups(rng, rep: np.ndarray, follow: np.ndarray) -> np.ndarray:
    """The prospect each follow-up touches; the inflater's go to the first eight again."""
    return np.where(_is("contact_inflater", rep), rng.integers(0, 8, len(rep)), follow)


# -- sawtooth_prospector ---------------------------------------------------------------

def sawtooth_prospector(rate_rw: np.ndarray, week_starts: pd.DatetimeIndex) -> np.ndarray:
    """A reps x weeks rate, the sawtooth prospector's x1.95 in odd months and x0.05 in
    even ones."""
    rate_rw = rate_rw.copy()
    rate_rw[PLANTED_INDEX["sawtooth_prospector"]] *= np.where(week_starts.month % 2 == 1,
                                                              1.95, 0.05)
    return rate_rw


# -- referral_star ---------------------------------------------------------------------

def referral_star_share(reps: int) -> np.ndarray:
    """Each rep's share of opportunities from referrals."""
    return np.where(_is("referral_star", np.arange(reps)), 0.55, 0.12)


def referral_star_skill(skill: np.ndarray) -> np.ndarray:
    """Each rep's win-rate multiplier, the star's the highest."""
    skill = skill.copy()
    skill[PLANTED_INDEX["referral_star"]] = 1.25
    return skill


def referral_star_wins(p_win: np.ndarray, rep: np.ndarray, source: np.ndarray) -> np.ndarray:
    """Win chance per deal: introductions convert, 80% of the star's referral deals."""
    return np.where(_is("referral_star", rep) & (source == 0), 0.80, p_win)


def referral_star_requests(reps: int) -> np.ndarray:
    """Referral requests a week per rep."""
    return np.where(_is("referral_star", np.arange(reps)), 3.0, 0.3)


# -- win_rate_collapse -----------------------------------------------------------------

def win_rate_collapse(p_win: np.ndarray, rep: np.ndarray, segment: np.ndarray,
                      close_at: np.ndarray, cal: Calendar) -> np.ndarray:
    """Win chance per deal, none for the rep's Mid-Market deals closing in the
    second-last full quarter."""
    quarters = pd.period_range(cal.start, cal.data_date - pd.Timedelta(days=1), freq="Q")
    full = [q for q in quarters if q.end_time < cal.data_date]
    collapse_q = full[-2]
    close_q = pd.PeriodIndex(pd.DatetimeIndex(close_at), freq="Q")
    in_collapse = (_is("win_rate_collapse", rep) & (segment == SEGMENTS.index(COLLAPSE_SEGMENT))
                   & (close_q == collapse_q))
    return np.where(in_collapse, 0.0, p_win)


# -- stalled_pipeline ------------------------------------------------------------------

def stalled_pipeline_deals(rng, rep: np.ndarray, closes: np.ndarray) -> np.ndarray:
    """The deals due to close that the rep lets drift instead: 60% of theirs."""
    return _is("stalled_pipeline", rep) & closes & (rng.random(len(rep)) < 0.6)


def stalled_pipeline_stage(rng, stalled: np.ndarray, stage: np.ndarray) -> np.ndarray:
    """The open stage each deal is in; stalled ones sit early, in qualified or proposal."""
    return np.where(stalled, rng.integers(1, 3, len(stalled)), stage)


def stalled_pipeline_steps(rng, stalled: np.ndarray, has_step: np.ndarray) -> np.ndarray:
    """Whether each deal has a next step; only 30% of the stalled ones do."""
    return np.where(stalled, rng.random(len(stalled)) < 0.3, has_step)


def stalled_pipeline_due(rng, end: np.datetime64, n: int) -> np.ndarray:
    """The next-step due date a stalled deal would have: 10 to 60 days overdue."""
    return end - rng.integers(10, 60, n).astype("timedelta64[D]")


# -- complaints_territory --------------------------------------------------------------

def complaints_territory(rng, delivered: np.ndarray, known: np.ndarray,
                         territory: np.ndarray, end: np.datetime64, reps: int
                         ) -> tuple[np.ndarray, np.ndarray]:
    """East's complaints, rising over the last 26 weeks, about its deliveries of the last
    year: (the order each is about, when it is received, to the day)."""
    ramp_weeks = np.arange(26)
    year_ago = end - np.timedelta64(364, "D").astype("timedelta64[us]")
    recent = known & (delivered >= year_ago)
    east = np.flatnonzero((territory == COMPLAINTS_TERRITORY) & recent)
    lam = (ramp_weeks + 1) / 26 * 3.0 * reps / 24
    n_east = rng.poisson(lam)
    east_pick = east[rng.integers(0, max(len(east), 1), n_east.sum())] if len(east) else []
    east_at = (end - np.timedelta64(26 * 7, "D").astype("timedelta64[us]")
               + days(np.repeat(ramp_weeks * 7, n_east) + rng.integers(0, 5, n_east.sum())))
    return east_pick, east_at
