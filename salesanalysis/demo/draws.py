"""What every step of the demo draws with: the calendar, ids, and random moments and
picks over whole arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["Calendar", "rep_ids", "ids", "in_week", "recent", "days", "starts",
           "per_rep_week"]


@dataclass(frozen=True)
class Calendar:
    """The weeks the demo covers and the day its export is taken."""

    start: pd.Timestamp
    data_date: pd.Timestamp
    week_starts: pd.DatetimeIndex
    week_np: np.ndarray  # the week starts as datetime64[us]

    @property
    def weeks(self) -> int:
        return len(self.week_starts)

    @property
    def end(self) -> np.datetime64:
        """The data date as a NumPy moment."""
        return self.data_date.to_datetime64()


def rep_ids(n: int) -> list[str]:
    width = max(3, len(str(n)))
    return [f"R{i + 1:0{width}d}" for i in range(n)]


def ids(prefix: str, n: int, start: int = 1) -> pd.Series:
    width = max(6, len(str(n + start)))
    text = pc.utf8_lpad(pc.cast(pa.array(np.arange(start, start + n)), pa.string()), width, "0")
    joined = pc.binary_join_element_wise(pa.scalar(prefix), text, "")
    return pd.Series(joined.to_pandas(), dtype="string[pyarrow]")


def in_week(rng, week_start: np.ndarray) -> np.ndarray:
    """A working-day, working-hour moment in the week starting at each given Monday."""
    n = len(week_start)
    offset = (rng.integers(0, 5, n) * 86_400 + rng.integers(8 * 3600, 18 * 3600, n)) * 1_000_000
    return week_start + offset.astype("timedelta64[us]")


def recent(rng, cum: np.ndarray, scale: float) -> np.ndarray:
    """An index into a rep's prospects, favouring the recently found ones."""
    back = np.floor(rng.exponential(scale, len(cum))).astype(np.int64)
    return np.clip(cum - 1 - back, 0, None)


def days(a: np.ndarray) -> np.ndarray:
    """Whole days as microsecond durations."""
    return a.astype("timedelta64[D]").astype("timedelta64[us]")


def starts(counts: np.ndarray) -> np.ndarray:
    """Where each group of ``counts`` rows begins in the rows laid end to end."""
    return np.concatenate([[0], np.cumsum(counts)[:-1]])


def per_rep_week(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(rep, week) of each row, given a reps x weeks array of row counts."""
    reps, weeks = counts.shape
    flat = counts.ravel()
    return (np.repeat(np.repeat(np.arange(reps), weeks), flat),
            np.repeat(np.tile(np.arange(weeks), reps), flat))
