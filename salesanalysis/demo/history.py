"""The opportunity history: a row for each stage a deal entered, its close, and each push
of its expected close."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .catalogue import OPEN_STAGES, STAGE_AT
from .deals import Deals
from .draws import days, starts

__all__ = ["opportunity_history"]


def opportunity_history(seed: int, deals: Deals) -> pd.DataFrame:
    """Stage changes, then the pushes of closed deals that slipped, then the one push of
    the open deals past their first expected close."""
    first_close, slipped = _slips(seed, deals)
    history = pd.concat([_stage_changes(deals, first_close, slipped),
                         _slip_pushes(deals, first_close, slipped)], ignore_index=True)
    return pd.concat([history, _open_pushes(deals)], ignore_index=True)


def _slips(seed: int, deals: Deals) -> tuple[np.ndarray, np.ndarray]:
    """A quarter of the deals that closed were first expected 1 to 4 weeks earlier and
    pushed once when that date passed: (first expected close, slipped)."""
    # its own generator, so the other tables do not depend on it
    slip_rng = np.random.default_rng([seed, 1])
    first_close = deals.close_at - days(slip_rng.integers(7, 29, len(deals)))
    slipped = (deals.closes & (slip_rng.random(len(deals)) < 0.25)
               & (first_close > deals.created))
    return first_close, slipped


def _stage_changes(deals: Deals, first_close: np.ndarray, slipped: np.ndarray) -> pd.DataFrame:
    """One row per open stage entered, then the closing stage of the closed deals."""
    entered = deals.reached + 1
    h_opp = np.repeat(np.arange(len(deals)), entered)
    h_stage = np.arange(len(h_opp)) - np.repeat(starts(entered), entered)
    h_at = deals.created[h_opp] + (deals.cycle[h_opp] * STAGE_AT[h_stage]).astype(
        "timedelta64[us]")
    h_close = np.where(slipped[h_opp] & (h_at < first_close[h_opp]), first_close[h_opp],
                       deals.close_at[h_opp])
    closed = np.flatnonzero(deals.closes)
    return pd.DataFrame({
        "opportunity_id": np.concatenate([deals.ids.values[h_opp], deals.ids.values[closed]]),
        "changed_at": np.concatenate([h_at, deals.close_at[closed]]),
        "stage": np.concatenate([np.array(OPEN_STAGES)[h_stage], deals.final_stage[closed]]),
        "amount": np.concatenate([deals.amount[h_opp], deals.amount[closed]]),
        "expected_close": pd.DatetimeIndex(np.concatenate(
            [h_close, deals.close_at[closed]])).normalize(),
        "kind": "change",
    })


def _slip_pushes(deals: Deals, first_close: np.ndarray, slipped: np.ndarray) -> pd.DataFrame:
    pushes = np.flatnonzero(slipped)
    return pd.DataFrame({
        "opportunity_id": deals.ids.values[pushes], "changed_at": first_close[pushes],
        "stage": None, "amount": np.nan,
        "expected_close": pd.DatetimeIndex(deals.close_at[pushes]).normalize(), "kind": "change",
    })


def _open_pushes(deals: Deals) -> pd.DataFrame:
    pushed = np.flatnonzero(deals.pushed)
    return pd.DataFrame({
        "opportunity_id": deals.ids.values[pushed],
        "changed_at": deals.close_at[pushed],
        "stage": deals.final_stage[pushed],
        "amount": deals.amount[pushed],
        "expected_close": pd.DatetimeIndex(deals.expected_close[pushed]).normalize(),
        "kind": "change",
    })
