"""The sales team: the reps, inside and field, and the managers of their teams."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .catalogue import FIRST_NAMES, LAST_NAMES, TERRITORIES
from .draws import rep_ids

__all__ = ["Team", "reps"]


@dataclass(frozen=True)
class Team:
    """What the later steps need of each rep, by rep index."""

    ids: np.ndarray
    inside: np.ndarray  # inside rep, else field
    territory: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)


def reps(rng, n: int, start: pd.Timestamp) -> tuple[pd.DataFrame, Team]:
    """The reps table (managers first) and the team; every third rep is inside."""
    ids = rep_ids(n)
    idx = np.arange(n)
    inside = idx % 3 == 0
    territory = np.array(TERRITORIES)[idx % len(TERRITORIES)]
    team = np.where(inside, np.where(idx % 2 == 0, "Inside 1", "Inside 2"),
                    np.char.add("Field ", territory))
    department = np.where(inside, "Inside Sales", "Field Sales")
    teams = sorted(set(team))
    manager_of = {t: f"M{i + 1:02d}" for i, t in enumerate(teams)}
    names = [f"{FIRST_NAMES[i % len(FIRST_NAMES)]} {LAST_NAMES[(i * 7 + i // 25) % len(LAST_NAMES)]}"
             for i in idx]
    sellers = pd.DataFrame({
        "rep_id": ids, "name": names, "team": team, "department": department,
        "role": np.where(inside, "inside", "field"),
        "manager_id": [manager_of[t] for t in team], "territory": territory,
        "active_from": (start - pd.to_timedelta(rng.integers(30, 900, n), unit="D")).normalize(),
        "active_to": pd.NaT,
    })
    managers = pd.DataFrame({
        "rep_id": [manager_of[t] for t in teams],
        "name": [f"{FIRST_NAMES[(i + 11) % 25]} {LAST_NAMES[(i + 3) % 15]}" for i in range(len(teams))],
        "team": teams,
        "department": ["Inside Sales" if t.startswith("Inside") else "Field Sales" for t in teams],
        "role": None, "manager_id": None,
        "territory": [t.removeprefix("Field ") if t.startswith("Field") else None for t in teams],
        "active_from": start - pd.Timedelta(days=1500), "active_to": pd.NaT,
    })
    table = pd.concat([managers, sellers], ignore_index=True)
    return table, Team(ids=np.array(ids), inside=inside, territory=territory)
