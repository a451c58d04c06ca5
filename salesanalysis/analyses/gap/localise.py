"""Dimension localisation: the few dimension-value combinations that explain a gap.

Each leaf (one row per combination of dimension values) has an observed value ``y`` and
a baseline ``b`` it should have had:

- additive KPI: ``y`` = actual, ``b`` = expected;
- ratio KPI: ``y`` = actual numerator, ``b`` = actual denominator x expected ratio, so that a
  change of mix (denominators moving) is not taken for a change of rate.

A root cause is a combination (``territory=West & segment=SMB``) under which every leaf
moved from its baseline by the same proportion while the leaves around it did not. The
search is a forward selection on a score test: for a candidate ``e`` with observed ``Y``,
baseline ``B`` and noise variance ``V`` summed over its leaves, ``(Y - B)^2 / V`` is large
only for a combination that moved as a whole. A parent of the true cause scores less
(its unaffected leaves dilute the move but add their noise, the ripple effect), a child
scores less (it carries only part of the move), so the most specific complete combination
wins. Each chosen cause's leaves count as explained (their baseline becomes what they
are) before the next step; selection stops when nothing left is surprising beyond noise.
The noise model, counting noise plus proportional noise (``V = c1 * b + c2 * b^2``), is fitted to the
leaves, so no threshold depends on the unit of the KPI.

Real data is coarser than the ripple model: a cause is widened to its most general
ancestor whose other leaves (the cause's siblings) moved beyond chance and by a good part
of the cause's own move (they moved with it; a cause's parent alone, diluted by siblings
that did not move, is no reason), and causes no longer surprising once the others are
accounted for are dropped.
Deterministic: ties are broken by layer, then by the order of dimensions and values.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd

from .leaves import Cuboid, all_cuboids, checked_leaves, leaf_arrays, noise_model

__all__ = ["localise", "Localisation"]

SIBLINGS_MOVED = 3.84  # chi-square(1) at 5%: the siblings of a cause moved beyond chance


@dataclass
class Localisation:
    """Result of :func:`localise`: ``causes`` ranked, one row per combination."""

    causes: pd.DataFrame
    kind: str
    dims: list[str]
    gap: float
    noise: dict = field(default_factory=dict)

    def combinations(self) -> list[dict[str, object]]:
        """Each cause as ``{dimension: value}``."""
        return list(self.causes["where"])

    def _repr_html_(self) -> str:
        shown = self.causes.drop(columns=["where"])
        return (f"<p>Gap {html.escape(f'{self.gap:,.4g}')}: {len(shown)} cause(s)</p>"
                + shown.to_html(index=False, float_format=lambda v: f"{v:,.4g}"))


def _chance_level(p):
    """The chi-square(1) value exceeded with probability ``p``: z^2 with erfc(z/√2) = p."""
    low, high = 0.0, 40.0
    for _ in range(100):
        mid = (low + high) / 2
        low, high = (mid, high) if math.erfc(mid / math.sqrt(2)) > p else (low, mid)
    return low * low


def localise(leaves: pd.DataFrame, *, dims, kind: str = "sum", actual="actual",
             expected="expected", max_layer: int = 3, max_causes: int = 5,
             threshold: float | None = None, min_share: float = 0.005, siblings: float = 0.5,
             prior: float = 1.0, observed_baseline: bool = False,
             counts: bool | None = None) -> Localisation:
    """Find the smallest set of dimension-value combinations that explains a KPI's gap.

    Parameters
    ----------
    leaves : DataFrame
        One row per leaf, with the ``dims`` columns and the value columns.
    dims : list of str
        Dimensions to search over.
    kind : "sum" or "ratio"
        ``sum``: ``actual`` and ``expected`` name one column each. ``ratio``: each names a
        ``(numerator, denominator)`` pair of columns; the KPI of a set of leaves is
        sum(numerator) / sum(denominator).
    max_layer : int
        Most dimensions combined in one cause.
    max_causes : int
        Most causes reported.
    threshold : float, optional
        How surprising (score test, in units of chi-square with one degree of freedom) a
        combination must be to count as a cause. By default, the level that chance alone
        reaches with 1% probability among all the combinations searched (Bonferroni).
    min_share : float
        Least movement of a cause, as a share of all the movement seen along the dimension
        that moved most, so that a surprising but negligible blip is not reported.
    siblings : float
        A cause is widened to its most general ancestor whose other leaves (the cause's
        siblings) moved beyond chance and by at least this share of the cause's own
        relative move: they moved with it.
    prior : float
        Ratio KPI: pseudo-denominator that shrinks a leaf's expected ratio towards the
        overall one (1 of 1 expected is not a sure 100%).
    observed_baseline : bool
        The expected values were counted in another period, not forecast: their own
        counting noise is added to the actual values'.
    counts : bool, optional
        The values are counts (deals, complaints), with at least their counting noise;
        by default true for a ratio KPI and false for a sum (amounts).

    Returns
    -------
    Localisation
        ``causes`` has one row per cause: ``cause`` (text), ``where`` (dict), ``actual``,
        ``expected``, ``deviation``, ``share`` of the gap, ``score``.
    """
    dims = list(dims)
    leaves = checked_leaves(leaves, dims, kind, actual, expected, max_layer)
    y, b0, q, extra = leaf_arrays(leaves, dims, kind, actual, expected, prior,
                                   observed_baseline)
    cuboids = all_cuboids(leaves, dims, max_layer)
    counts = kind == "ratio" if counts is None else counts
    counting, proportional = noise_model(y, b0, q * b0 + extra, counts)
    # weight of a leaf in the efficient score for a common proportional move; its limit
    # at a zero baseline counts a new leaf like a count on its own
    spread = counting * q + proportional * b0
    weight = np.where(spread > 0, 1 / np.where(spread > 0, spread, 1), 0.0)
    # a cause must move the KPI by a material part of all the movement seen along one
    # dimension, or a surprising but negligible blip would be reported
    material = min_share * max((np.abs(np.bincount(c.codes, y - b0, c.size)).sum()
                                for c in cuboids if len(c.dims) == 1), default=0.0)
    if threshold is None:
        threshold = _chance_level(0.01 / sum(c.size for c in cuboids))
    search = _Search(y, b0, weight, (counting * q, counting * extra, proportional),
                     material, threshold)
    picks = search.forward(cuboids, max_causes)
    picks = search.generalise(picks, cuboids, siblings)
    picks = search.prune(picks)
    return _result(picks, leaves, kind, actual, expected, dims, y, b0, counting, proportional)


@dataclass
class _Pick:
    cuboid: Cuboid
    code: int
    inside: np.ndarray
    score: float = 0.0

    def where(self):
        return dict(zip(self.cuboid.dims, self.cuboid.values[self.code]))


@dataclass
class _Search:
    y: np.ndarray
    b0: np.ndarray
    weight: np.ndarray
    noise: tuple  # variance of a leaf = a * baseline + c + d * baseline^2
    material: float
    threshold: float

    def rebased(self, picks):
        """Baseline with each pick's leaves explained: their baseline is what they are.
        A fitted proportion would leave a residue where leaves fell to zero (lost small
        accounts) that makes combinations inside the pick look like causes."""
        base = self.b0.copy()
        for pick in picks:
            base[pick.inside] = self.y[pick.inside]
        return base

    def variance(self, base):
        """Of each leaf's deviation from ``base``: a cause's leaves rebased tenfold are
        ten times as noisy."""
        per_unit, fixed, proportional = self.noise
        return self.weight ** 2 * (per_unit * base + fixed + proportional * base ** 2)

    def score(self, inside, base, material=True):
        """The score test of a common move of the leaves ``inside``; 0 for a move below
        the materiality floor (unless ``material`` is False)."""
        s1 = ((self.y - base) * self.weight)[inside].sum()
        var = self.variance(base)[inside].sum()
        moved = abs((self.y - base)[inside].sum())
        floor = self.material if material else 0.0
        return s1 * s1 / var if var > 0 and moved >= floor else 0.0

    def forward(self, cuboids, max_causes):
        """Greedy: the most surprising combination, rebased, then the next."""
        y, weight = self.y, self.weight
        base = self.b0.copy()
        picks = []
        for _ in range(max_causes):
            best = None
            noise = self.variance(base)
            for cub in cuboids:
                s1 = np.bincount(cub.codes, (y - base) * weight, cub.size)
                var = np.bincount(cub.codes, noise, cub.size)
                moved = np.abs(np.bincount(cub.codes, y - base, cub.size))
                with np.errstate(divide="ignore", invalid="ignore"):
                    score = np.where((var > 0) & (moved >= self.material),
                                     s1 ** 2 / var, 0.0)
                j = int(np.argmax(score))
                if best is None or score[j] > best[0] * (1 + 1e-9):
                    best = (float(score[j]), cub, j)
            if best is None or best[0] < self.threshold:
                break
            score, cub, j = best
            pick = _Pick(cub, j, cub.codes == j, score)
            base[pick.inside] = y[pick.inside]
            picks.append(pick)
        return picks

    def generalise(self, picks, cuboids, siblings):
        """Replace a pick by its most general ancestor whose other leaves, the pick's
        siblings, moved with it: beyond chance (5%) and by at least ``siblings`` of the
        pick's own relative move. A true cause's siblings did not move, however much of
        the ancestor's volume the cause holds, so it stays as it is."""
        by_dims = {c.dims: c for c in cuboids}
        out = []
        for pick in picks:
            if any(p.inside[pick.inside].all() for p in out):
                continue  # absorbed by an ancestor already chosen
            first = int(np.flatnonzero(pick.inside)[0])
            best = pick
            for layer in range(1, len(pick.cuboid.dims)):
                found = None
                for sub in combinations(pick.cuboid.dims, layer):
                    cub = by_dims[sub]
                    inside = cub.codes == cub.codes[first]
                    # other causes outside this ancestor are accounted for first; those
                    # inside it are siblings that moved
                    others = [p for p in picks if p is not pick and not inside[p.inside].all()]
                    base = self.rebased(others)
                    rest = inside & ~pick.inside
                    for other in others:
                        rest &= ~other.inside
                    own = self.relative_move(pick.inside, base)
                    if not rest.any() or not own:
                        continue
                    moved = self.score(rest, base, material=False)
                    share = self.relative_move(rest, base) / own
                    if moved >= SIBLINGS_MOVED and share >= siblings and (
                            found is None or moved > found[0]):
                        found = (moved, sub, inside)
                if found:
                    _, sub, inside = found
                    best = _Pick(by_dims[sub], int(by_dims[sub].codes[first]), inside,
                                 pick.score)
                    break
            out = [p for p in out if not best.inside[p.inside].all()]
            out.append(best)
        return out

    def relative_move(self, inside, base):
        expected = base[inside].sum()
        return (self.y[inside].sum() - expected) / expected if expected > 0 else 0.0

    def prune(self, picks):
        """Drop picks no longer surprising once the others are accounted for."""
        kept = list(picks)
        changed = True
        while changed:
            changed = False
            for pick in sorted(kept, key=lambda p: p.score):
                others = [p for p in kept if p is not pick]
                pick.score = self.score(pick.inside, self.rebased(others))
                if pick.score < self.threshold:
                    kept.remove(pick)
                    changed = True
                    break
        return sorted(kept, key=lambda p: -p.score)


def _kpi(leaves, inside, kind, cols):
    if kind == "sum":
        return float(leaves.loc[inside, cols].sum())
    num, den = (float(leaves.loc[inside, c].sum()) for c in cols)
    return num / den if den else float("nan")


def _result(picks, leaves, kind, actual, expected, dims, y, b0, counting, proportional):
    # y and b0 give a new segment's (no expected denominator) move
    everything = np.ones(len(leaves), bool)
    gap = _kpi(leaves, everything, kind, actual) - _kpi(leaves, everything, kind, expected)
    rows = []
    for pick in picks:
        where, inside = pick.where(), pick.inside
        a, e = _kpi(leaves, inside, kind, actual), _kpi(leaves, inside, kind, expected)
        # contribution to the gap: for a sum, the cause's own change; for a ratio, its
        # change of rate at its actual share of the denominator (its rate effect)
        if kind == "sum":
            contribution = a - e
        else:
            den, total = leaves.loc[inside, actual[1]].sum(), leaves[actual[1]].sum()
            if den == 0:  # lost: no rate now, nothing to weigh
                contribution = 0.0
            else:
                moved = a - e if e == e else (y[inside].sum() - b0[inside].sum()) / den
                contribution = moved * den / total
        rows.append({
            "cause": " & ".join(f"{d}={v}" for d, v in where.items()),
            "where": where, "actual": a, "expected": e, "deviation": a - e,
            "contribution": contribution,
            "share": contribution / gap if gap else float("nan"),
            "score": pick.score,
        })
    causes = pd.DataFrame(rows, columns=["cause", "where", "actual", "expected", "deviation",
                                         "contribution", "share", "score"])
    return Localisation(causes, kind, dims, gap,
                        {"counting": counting, "proportional": proportional})
