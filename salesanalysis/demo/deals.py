"""The opportunities: when each deal is created and for which prospect, its source,
whether and when it closes, its amount, the stage it reached and its next step."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import patterns
from .book import Book, Prospects
from .catalogue import (LOST_REASONS, NEXT_STEPS, OPEN_STAGES, OTHER_SOURCE_SHARE, PRODUCTS,
                        SEGMENT_CYCLE, SEGMENT_DEAL, SOURCE_WIN, SOURCES, STAGE_AT)
from .draws import Calendar, days, ids, in_week, per_rep_week, recent
from .team import Team

__all__ = ["Deals", "opportunities"]


@dataclass(frozen=True)
class Deals:
    """Every opportunity's drawn facts, by opportunity index."""

    ids: pd.Series
    rep: np.ndarray
    cust: np.ndarray
    source: np.ndarray  # index into SOURCES
    product: np.ndarray  # index into PRODUCTS
    created: np.ndarray
    cycle: np.ndarray  # creation to close
    close_at: np.ndarray  # when it closes, or was first expected to
    closes: np.ndarray  # closed by the data date
    stalled: np.ndarray
    won: np.ndarray
    lost: np.ndarray
    reached: np.ndarray  # index into OPEN_STAGES of the last open stage entered
    final_stage: np.ndarray
    offer_at: np.ndarray
    list_amount: np.ndarray
    amount: np.ndarray
    has_step: np.ndarray
    step_due: np.ndarray
    pushed: np.ndarray  # still open past its first expected close, so pushed once
    expected_close: np.ndarray

    def __len__(self) -> int:
        return len(self.rep)


def opportunities(rng, cal: Calendar, team: Team, found: Prospects, book: Book,
                  per_week: float) -> tuple[pd.DataFrame, Deals]:
    """The opportunities table and the deals behind it."""
    rep, cust, created = _created(rng, cal, team, found, per_week)
    segment = book.segment[cust]
    source, p_win = _win_chance(rng, rep, len(team))
    cycle, close_at, closes, stalled, won, lost = _closing(rng, cal, rep, segment, created,
                                                           p_win)
    product, list_amount, amount = _amounts(rng, segment)
    reached, final_stage, offer_at = _stages(rng, cal, created, cycle, stalled, won, lost)
    is_open = ~won & ~lost
    has_step, step_due, pushed, expected_close = _next_steps(rng, cal, is_open, stalled,
                                                             close_at)
    deals = Deals(ids=ids("O", len(rep)), rep=rep, cust=cust, source=source, product=product,
                  created=created, cycle=cycle, close_at=close_at, closes=closes,
                  stalled=stalled, won=won, lost=lost, reached=reached,
                  final_stage=final_stage, offer_at=offer_at, list_amount=list_amount,
                  amount=amount, has_step=has_step, step_due=step_due, pushed=pushed,
                  expected_close=expected_close)
    return _table(rng, deals, team, book), deals


def _created(rng, cal: Calendar, team: Team, found: Prospects, per_week: float):
    """Rep, customer and creation moment of each deal, for a recently found prospect."""
    opp_rate = np.full(len(team), per_week) * rng.uniform(0.7, 1.3, len(team))
    opp_rate[team.inside] *= 0.7
    orate_rw = np.repeat(opp_rate[:, None], cal.weeks, axis=1)
    orate_rw = patterns.sawtooth_prospector(orate_rw, cal.week_starts)
    o_rep, o_week = per_rep_week(rng.poisson(orate_rw))
    o_cust = found.offset[o_rep] + recent(rng, found.cum[o_rep, o_week], 6.0)
    return o_rep, o_cust, in_week(rng, cal.week_np[o_week])


def _win_chance(rng, o_rep: np.ndarray, reps: int):
    """Source and win chance of each deal: referrals win most, and some reps sell better."""
    n_opp = len(o_rep)
    is_ref = rng.random(n_opp) < patterns.referral_star_share(reps)[o_rep]
    other_src = rng.choice(len(SOURCES), n_opp, p=OTHER_SOURCE_SHARE)
    o_src = np.where(is_ref, 0, other_src)
    skill = patterns.referral_star_skill(rng.uniform(0.8, 1.2, reps))
    p_win = np.clip(SOURCE_WIN[o_src] * skill[o_rep], 0, 0.95)
    return o_src, patterns.referral_star_wins(p_win, o_rep, o_src)


def _closing(rng, cal: Calendar, o_rep, o_seg, created, p_win):
    """When each deal closes, longer for bigger segments, and whether it is won."""
    n_opp = len(o_rep)
    cycle_days = np.array(SEGMENT_CYCLE)[o_seg] * rng.lognormal(0, 0.45, n_opp)
    cycle = (np.round(cycle_days * 86_400) * 1e6).astype("timedelta64[us]")
    close_at = created + cycle
    p_win = patterns.win_rate_collapse(p_win, o_rep, o_seg, close_at, cal)
    closes = close_at <= cal.end
    stalled = patterns.stalled_pipeline_deals(rng, o_rep, closes)
    closes &= ~stalled
    won = closes & (rng.random(n_opp) < p_win)
    lost = closes & ~won
    return cycle, close_at, closes, stalled, won, lost


def _amounts(rng, o_seg):
    """Product, list amount and discounted amount of each deal."""
    n_opp = len(o_seg)
    product_idx = rng.choice(len(PRODUCTS), n_opp, p=[0.25, 0.2, 0.15, 0.1, 0.2, 0.1])
    list_price = PRODUCTS["list_price"].to_numpy()[product_idx]
    size = np.array(SEGMENT_DEAL)[o_seg] * rng.lognormal(0, 0.5, n_opp) * list_price / 8_000
    list_amount = np.round(size, -1)
    discount = rng.beta(2, 12, n_opp)
    return product_idx, list_amount, np.round(list_amount * (1 - discount), 0)


def _stages(rng, cal: Calendar, created, cycle, stalled, won, lost):
    """The stage each deal reached: won deals pass all, lost ones stop at random, open
    ones are as far as their cycle has run."""
    n_opp = len(created)
    elapsed = np.clip((cal.end - created) / cycle, 0, None)
    open_stage = np.searchsorted(STAGE_AT, elapsed, side="right") - 1
    open_stage = patterns.stalled_pipeline_stage(rng, stalled, open_stage)
    lost_stage = rng.integers(0, 4, n_opp)
    reached = np.where(won, 3, np.where(lost, lost_stage, open_stage))
    final_stage = np.where(won, "won", np.where(lost, "lost", np.array(OPEN_STAGES)[reached]))
    offer_at = np.where(reached >= 2, created + (cycle * STAGE_AT[2]).astype("timedelta64[us]"),
                        np.datetime64("NaT"))
    return reached, final_stage, offer_at


def _next_steps(rng, cal: Calendar, is_open, stalled, close_at):
    """Whether each open deal has a next step and when it is due, and the expected close
    of the open deals past their first one."""
    n_opp = len(is_open)
    normal_step = rng.random(n_opp) < 0.95
    has_step = is_open & patterns.stalled_pipeline_steps(rng, stalled, normal_step)
    overdue = patterns.stalled_pipeline_due(rng, cal.end, n_opp)
    due = cal.end + rng.integers(1, 15, n_opp).astype("timedelta64[D]")
    step_due = np.where(stalled, overdue, due)
    # stalled deals keep their first expected close; the rest of the open book was pushed
    pushed = is_open & ~stalled & (close_at < cal.end)
    expected_close = np.where(pushed, cal.end + days(rng.integers(7, 45, n_opp)), close_at)
    return has_step, step_due, pushed, expected_close


def _table(rng, deals: Deals, team: Team, book: Book) -> pd.DataFrame:
    n_opp = len(deals)
    won, lost = deals.won, deals.lost
    return pd.DataFrame({
        "opportunity_id": deals.ids,
        "rep_id": team.ids[deals.rep],
        "customer_id": book.ids.values[deals.cust],
        "product": PRODUCTS["product"].to_numpy()[deals.product],
        "source": np.array(SOURCES)[deals.source],
        "created_at": deals.created,
        "stage": deals.final_stage,
        "amount": deals.amount,
        "list_amount": deals.list_amount,
        "expected_close": pd.DatetimeIndex(deals.expected_close).normalize(),
        "next_step": np.where(deals.has_step,
                              np.array(NEXT_STEPS)[rng.integers(0, len(NEXT_STEPS), n_opp)],
                              None),
        "next_step_due": pd.DatetimeIndex(np.where(deals.has_step, deals.step_due,
                                                   np.datetime64("NaT"))).normalize(),
        "offer_sent_at": deals.offer_at,
        "closed_at": np.where(deals.closes, deals.close_at, np.datetime64("NaT")),
        "outcome": np.where(won, "won", np.where(lost, "lost", "open")),
        "lost_reason": np.where(lost, np.array(LOST_REASONS)[
            rng.choice(5, n_opp, p=[0.3, 0.25, 0.2, 0.15, 0.1])], None),
    })
