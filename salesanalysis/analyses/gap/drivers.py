"""Driver trees: split the change of a KPI exactly among the drivers that make it.

A :class:`Tree` says how a KPI is made of other numbers: a product (revenue = activities x
offers per activity x win rate x revenue per win), a sum, or a ratio. :func:`decompose`
turns a baseline and an actual value of every base number into one effect per driver;
the effects add up exactly to the change of the KPI.

Methods:

- ``lmdi``: additive LMDI-I (log-mean Divisia), the default when no value is negative.
  Zeros take the exact limits instead of a small substitute: when the KPI was zero and
  is not (a new segment), the drivers that were zero share the whole actual value; when
  it fell to zero (a lost segment, a driver that fell to zero), the drivers now zero
  share the whole baseline value.
- ``shapley``: the exact Shapley value of each driver (every order of switching drivers
  from baseline to actual, averaged); any signs, up to 12 drivers.

Across segments, see :mod:`.segments` (mix and rate, price-volume-mix, the segment x
driver table).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import product as cartesian
from typing import Mapping, Sequence, Union

import numpy as np
import pandas as pd
from ...errors import InvalidArgumentError, UnknownNameError

__all__ = ["Tree", "REVENUE", "REVENUE_FROM_OFFERS", "REVENUE_FROM_WINS", "PROSPECTING",
           "decompose", "decompose_at_zeros", "consistent", "METHODS"]

METHODS = ("auto", "lmdi", "shapley")
KINDS = ("product", "sum", "ratio")
MAX_SHAPLEY = 12


@dataclass(frozen=True)
class Tree:
    """A KPI as the product, sum or ratio (first / second) of its parts.

    A part is the name of a base number or another :class:`Tree`. ``label`` names the
    driver in bridges and tables. ``equals`` names the base number the tree's value is
    (revenue for a product of ratios that telescopes to revenue), which still has a value
    where a ratio of the tree does not (no activities, yet revenue).
    """

    label: str
    kind: str
    parts: Sequence[Union[str, "Tree"]]
    equals: str | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise InvalidArgumentError(f"Tree {self.label!r}: kind must be one of {', '.join(KINDS)}; "
                             f"got {self.kind!r}")
        if self.kind == "ratio" and len(self.parts) != 2:
            raise InvalidArgumentError(f"Tree {self.label!r}: a ratio has two parts (numerator, "
                             f"denominator); got {len(self.parts)}")
        if not self.parts:
            raise InvalidArgumentError(f"Tree {self.label!r} has no parts")

    def names(self) -> list[str]:
        """The base numbers the tree needs."""
        out = []
        for part in self.parts:
            for name in (part.names() if isinstance(part, Tree) else [part]):
                if name not in out:
                    out.append(name)
        return out

    def labels(self) -> list[str]:
        """One label per part: the drivers of a decomposition."""
        return [p.label if isinstance(p, Tree) else p for p in self.parts]

    def part_values(self, values: Mapping[str, float]) -> np.ndarray:
        return np.array([p.value(values) if isinstance(p, Tree) else float(values[p])
                         for p in self.parts], float)

    def value(self, values: Mapping[str, float]) -> float:
        """The KPI from the base numbers in ``values``."""
        return _combine(self.kind, self.part_values(values), self.label)


def _combine(kind, x, label="the tree"):
    if kind == "sum":
        return float(x.sum())
    if kind == "product":
        return float(np.prod(x))
    if x[1] == 0:
        raise ZeroDivisionError(f"{label}: the denominator is zero")
    return float(x[0] / x[1])


def _ratio(label, numerator, denominator):
    return Tree(label, "ratio", [numerator, denominator])


#: revenue = activities x offers per activity x win rate x revenue per win
REVENUE = Tree("Revenue", "product", [
    "activities",
    _ratio("Offers per activity", "offers", "activities"),
    _ratio("Win rate", "wins", "offers"),
    _ratio("Revenue per win", "revenue", "wins"),
], equals="revenue")
#: without activities: revenue = offers x win rate x revenue per win
REVENUE_FROM_OFFERS = Tree("Revenue", "product", [
    "offers",
    _ratio("Win rate", "wins", "offers"),
    _ratio("Revenue per win", "revenue", "wins"),
], equals="revenue")
#: without activities or offer dates: revenue = deals won x revenue per win
REVENUE_FROM_WINS = Tree("Revenue", "product", [
    "wins",
    _ratio("Revenue per win", "revenue", "wins"),
], equals="revenue")
#: offers = activities x unique prospects per activity x offers per prospect
PROSPECTING = Tree("Offers", "product", [
    "activities",
    _ratio("Prospects per activity", "unique_prospects", "activities"),
    _ratio("Offers per prospect", "offers", "unique_prospects"),
], equals="offers")


def _logmean(a, b):
    if abs(a - b) <= 1e-9 * max(a, b):  # the limit; the formula would divide 0 by 0
        return (a + b) / 2
    return (a - b) / (math.log(a) - math.log(b))


def _lmdi(x0, x1):
    """Additive LMDI-I effects of the factors of a product, zeros at their limits."""
    v0, v1 = float(np.prod(x0)), float(np.prod(x1))
    if v0 == 0 and v1 == 0:
        return np.zeros(len(x0))
    if v0 == 0:  # new: the factors that were zero bring the whole actual value
        zero = x0 == 0
        return np.where(zero, v1 / zero.sum(), 0.0)
    if v1 == 0:  # lost: the factors now zero take away the whole baseline value
        zero = x1 == 0
        return np.where(zero, -v0 / zero.sum(), 0.0)
    return _logmean(v1, v0) * np.log(x1 / x0)


def _shapley(kind, x0, x1, label):
    n = len(x0)
    if n > MAX_SHAPLEY:
        raise InvalidArgumentError(f"{label}: Shapley decomposition takes at most {MAX_SHAPLEY} drivers; "
                         f"got {n}")
    values = {}
    for mask in cartesian((0, 1), repeat=n):
        values[mask] = _combine(kind, np.where(np.array(mask, bool), x1, x0), label)
    weights = [math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n)
               for s in range(n)]
    effects = np.zeros(n)
    for mask, value in values.items():
        for k in range(n):
            if mask[k]:
                without = mask[:k] + (0,) + mask[k + 1:]
                effects[k] += weights[sum(mask) - 1] * (value - values[without])
    return effects


def _split(tree, x0, x1, method):
    if tree.kind == "sum":
        return x1 - x0
    if method == "auto":
        method = "lmdi" if (x0 >= 0).all() and (x1 >= 0).all() else "shapley"
    if method == "shapley":
        return _shapley(tree.kind, x0, x1, tree.label)
    if (x0 < 0).any() or (x1 < 0).any():
        raise InvalidArgumentError(f"{tree.label}: LMDI needs values that are not negative; "
                         f"use method='shapley'")
    if tree.kind == "ratio":
        if x0[1] == 0 or x1[1] == 0:
            raise ZeroDivisionError(f"{tree.label}: the denominator is zero")
        return _lmdi(np.array([x0[0], 1 / x0[1]]), np.array([x1[0], 1 / x1[1]]))
    return _lmdi(x0, x1)


def _effects(tree, baseline, actual, method, expand, prefix=""):
    x0, x1 = tree.part_values(baseline), tree.part_values(actual)
    effects = _split(tree, x0, x1, method)
    out = {}
    for part, label, effect in zip(tree.parts, tree.labels(), effects):
        if expand and isinstance(part, Tree):
            inner = _effects(part, baseline, actual, method, expand, f"{prefix}{label} › ")
            total = sum(inner.values())
            # the part's effect is shared as its own change is: exact, since
            # the inner effects add up to that change
            for name, value in inner.items():
                out[name] = out.get(name, 0.0) + (effect * value / total if total else 0.0)
        else:  # a part named twice (x times x) is one driver with both effects
            out[prefix + label] = out.get(prefix + label, 0.0) + float(effect)
    return out


def decompose(tree: Tree, baseline: Mapping[str, float], actual: Mapping[str, float], *,
              method: str = "auto", expand: bool = False) -> pd.Series:
    """Split ``tree.value(actual) - tree.value(baseline)`` among the tree's drivers.

    Parameters
    ----------
    tree : Tree
        How the KPI is made, for example :data:`REVENUE`.
    baseline, actual : mapping of str to float
        Every base number the tree names (``tree.names()``), before and after.
    method : "auto", "lmdi" or "shapley"
        ``auto`` uses LMDI when no value is negative, Shapley otherwise.
    expand : bool
        Also split the effect of a driver that is itself a tree among its parts.

    Returns
    -------
    Series
        One effect per driver, in the KPI's unit; they add up to the change.
    """
    if method not in METHODS:
        raise InvalidArgumentError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    for side, values in (("baseline", baseline), ("actual", actual)):
        missing = [n for n in tree.names() if n not in values]
        if missing:
            raise UnknownNameError(f"{side} lacks {', '.join(missing)} (the tree {tree.label!r} "
                           f"needs {', '.join(tree.names())})")
    effects = _effects(tree, baseline, actual, method, expand)
    return pd.Series(effects, name="effect", dtype=float).rename_axis("driver")


def decompose_at_zeros(tree: Tree, baseline: Mapping[str, float],
                       actual: Mapping[str, float], *, method: str = "auto") -> pd.Series:
    """:func:`decompose`, also where a ratio of the tree has a zero denominator on one
    side: that ratio counts as unchanged (revenue per win with no win now), so the factor
    that fell to or rose from zero (the win rate) carries the change. Where the parts
    contradict each other (revenue without a win), the whole change is the first driver's."""
    return pd.Series(_segment_effects(tree, baseline, actual, method), name="effect",
                     dtype=float).rename_axis("driver")


def consistent(tree: Tree, values: Mapping[str, float]) -> bool:
    """Whether no ratio of ``tree`` divides a non-zero number by zero in ``values`` (wins
    without offers, offers without activities): the tree can describe that side."""
    for part in tree.parts:
        if isinstance(part, Tree):
            if part.kind == "ratio":
                top, bottom = (p.value(values) if isinstance(p, Tree) else float(values[p])
                               for p in part.parts)
                if bottom == 0 and top != 0:
                    return False
            elif not consistent(part, values):
                return False
    return True


def _segment_effects(tree, before, after, method):
    try:
        return decompose(tree, before, after, method=method).to_dict()
    except ZeroDivisionError:
        pass
    change = _safe_value(tree, after) - _safe_value(tree, before)
    # a driver that does not exist on one side (revenue per win with no win) did not
    # move; a factor that fell to or rose from zero (the win rate) then takes the change
    x0, x1 = _part_values(tree, before), _part_values(tree, after)
    neutral = 0.0 if tree.kind == "sum" else 1.0
    x0, x1 = ([a if a is not None else b if b is not None else neutral for a, b in pair]
              for pair in (zip(x0, x1), zip(x1, x0)))
    try:
        effects = _split(tree, np.array(x0), np.array(x1), method)
        if abs(effects.sum() - change) <= 1e-9 * max(abs(change), 1.0):
            return dict(zip(tree.labels(), map(float, effects)))
    except (ZeroDivisionError, ValueError):
        pass
    # inconsistent parts (revenue without a win): the whole change is volume
    return {label: (change if i == 0 else 0.0) for i, label in enumerate(tree.labels())}


def _part_values(tree, values):
    out = []
    for part in tree.parts:
        try:
            out.append(part.value(values) if isinstance(part, Tree) else float(values[part]))
        except ZeroDivisionError:
            out.append(None)
    return out


def _safe_value(tree, values):
    if tree.equals is not None:
        return float(values[tree.equals])
    try:
        return tree.value(values)
    except ZeroDivisionError:
        return 0.0
