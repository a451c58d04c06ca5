"""The localiser's inputs: the leaves checked, their observed and baseline arrays, the
cuboids (combinations of dimensions) they are grouped by, and the fitted noise model."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

from ...errors import InvalidArgumentError, SalesAnalysisError, UnknownNameError

__all__ = ["Cuboid", "value_columns", "checked_leaves", "leaf_arrays", "margins_rate",
           "all_cuboids", "noise_model"]


@dataclass(frozen=True)
class Cuboid:
    dims: tuple[str, ...]
    codes: np.ndarray  # leaf -> element code
    size: int
    values: list  # element code -> tuple of dimension values



def value_columns(kind, actual, expected):
    if kind == "sum":
        return [actual, expected]
    pairs = [actual, expected]
    if not all(isinstance(p, (tuple, list)) and len(p) == 2 for p in pairs):
        raise InvalidArgumentError("kind='ratio' needs actual and expected as (numerator, denominator) "
                         f"column pairs; got actual={actual!r}, expected={expected!r}")
    return [c for p in pairs for c in p]


def checked_leaves(leaves, dims, kind, actual, expected, max_layer):
    """The leaves with missing dimension values named; every bad value reported at once."""
    if kind not in ("sum", "ratio"):
        raise InvalidArgumentError(f"kind must be 'sum' or 'ratio'; got {kind!r}")
    if not dims:
        raise InvalidArgumentError("dims must name at least one dimension column")
    if not isinstance(max_layer, int) or max_layer < 1:
        raise InvalidArgumentError(f"max_layer must be a whole number of at least 1; got {max_layer!r}")
    values = value_columns(kind, actual, expected)
    absent = [c for c in [*dims, *values] if c not in leaves.columns]
    if absent:
        raise UnknownNameError(f"leaves lack the column(s) {', '.join(map(repr, absent))}; "
                       f"they have {', '.join(map(repr, leaves.columns))}")
    problems = []
    for c in values:
        column = pd.to_numeric(leaves[c], errors="coerce")
        bad = column.isna() | ~np.isfinite(column.fillna(0)) | (column < 0)
        for row in np.flatnonzero(bad.to_numpy())[:20]:
            value = leaves[c].iloc[row]
            value = value.item() if isinstance(value, np.generic) else value
            problems.append(f"row {row}, column {c!r}: {value!r} is not a number of zero "
                            "or more")
        if bad.sum() > 20:
            problems.append(f"... and {bad.sum() - 20} more in column {c!r}")
    if problems:
        raise SalesAnalysisError("the leaves have bad values:\n" + "\n".join(problems))
    out = leaves[[*dims]].astype(object).where(leaves[dims].notna(), "(missing)")
    for c in values:
        out[c] = pd.to_numeric(leaves[c]).astype(float)
    return out.reset_index(drop=True)


def leaf_arrays(leaves, dims, kind, actual, expected, prior, observed):
    """Per leaf: observed ``y``, baseline ``b``, and the counting variance as
    ``q * baseline + extra``. ``observed``: the baseline was counted too (another period),
    so its own noise adds to the actual value's."""
    if kind == "sum":
        y = leaves[actual].to_numpy(float)
        b = leaves[expected].to_numpy(float)
        return y, b, np.ones(len(y)), (y if observed else np.zeros(len(y)))
    (an, ad), (en, ed) = actual, expected
    y = leaves[an].to_numpy(float)
    den = leaves[ad].to_numpy(float)
    e_num = leaves[en].to_numpy(float)
    e_den = leaves[ed].to_numpy(float)
    # a leaf's expected rate from a tiny expected denominator is unreliable (1 of 1 is
    # not a 100% rate): shrink it by ``prior`` pseudo-units towards the rate its
    # dimensions' values have on their own (referral deals win more than others)
    rate = margins_rate(leaves, dims, e_num, e_den, y, den, prior)
    rate = (e_num + prior * rate) / (e_den + prior)
    q = np.clip(1 - rate, 1e-4, None)  # binomial: den x rate x (1 - rate) per den x rate
    if observed:  # the expected rate's own sampling variance, scaled to this denominator
        q = q * (1 + den / (e_den + prior))
    return y, den * rate, q, np.zeros(len(y))


def margins_rate(leaves, dims, e_num, e_den, y, den, prior):
    """Per leaf, the overall expected rate moved by each of its values' own rate (itself
    shrunk by ``prior`` pseudo-units), on the log-odds scale, so that rates near 100%
    stay below it."""
    overall = e_num.sum() / e_den.sum() if e_den.sum() > 0 else y.sum() / max(den.sum(), 1)
    if not 0 < overall < 1:
        return np.full(len(leaves), overall)
    logit = lambda p: np.log(p / (1 - p))  # noqa: E731
    odds = np.full(len(leaves), logit(overall))
    for d in dims:
        codes, _ = pd.factorize(leaves[d])
        num, total = np.bincount(codes, e_num), np.bincount(codes, e_den)
        margin = np.clip((num + prior * overall) / (total + prior), 1e-4, 1 - 1e-4)
        odds += logit(margin)[codes] - logit(overall)
    return 1 / (1 + np.exp(-odds))


def all_cuboids(leaves, dims, max_layer):
    codes = {}
    labels = {}
    for d in dims:
        c, u = pd.factorize(leaves[d], sort=True)
        codes[d], labels[d] = c.astype(np.int64), list(u)
    # a dimension with one value is the whole scope: it explains nothing
    dims = [d for d in dims if len(labels[d]) > 1]
    out = []
    for layer in range(1, max_layer + 1):
        for combo in combinations(dims, layer):
            code = np.zeros(len(leaves), np.int64)
            for d in combo:
                code = code * len(labels[d]) + codes[d]
            used, dense = np.unique(code, return_inverse=True)
            values = []
            for u in used:
                parts = []
                for d in reversed(combo):
                    u, r = divmod(int(u), len(labels[d]))
                    parts.append(labels[d][r])
                values.append(tuple(reversed(parts)))
            out.append(Cuboid(combo, dense.astype(np.int64), len(used), values))
    return out


def noise_model(y, b, unit, counts):
    """Fit ``Var(y) = c1 * unit + c2 * b^2`` (counting noise plus proportional noise) on
    binned medians of the squared residuals, so that the moved leaves do not count.
    Counts have their counting noise (``c1 = 1``) and, as proportional noise, the excess
    over it pooled over the bins; with too few leaves, just the counting noise. Amounts take the
    better of the two-term and the one-term fits."""
    keep = b > 0
    few = keep.sum() < 50
    if counts and few:
        return 1.0, 0.0
    if keep.sum() < 2:
        return 1.0, 0.0
    bb, uu, r2 = b[keep], unit[keep], (y[keep] - b[keep]) ** 2
    order = np.argsort(bb, kind="stable")
    bins = np.array_split(order, min(10, max(2, keep.sum() // 20)))
    x = np.array([np.median(bb[i]) for i in bins])
    u = np.array([np.median(uu[i]) for i in bins])
    # the median of a squared normal residual is 0.455 times its variance
    v = np.maximum(np.array([np.median(r2[i]) for i in bins]) / 0.455, (1e-3 * x) ** 2)
    if counts:  # pooled: small bins, where a count's noise is all there is, weigh little
        return 1.0, float(np.maximum(v - u, 0).sum() / (x ** 2).sum())
    # least squares in relative terms, coefficients kept non-negative
    design = np.column_stack([u / v, x ** 2 / v])
    fits = [] if few else [np.linalg.lstsq(design, np.ones(len(x)), rcond=None)[0]]
    fits += [np.where(np.arange(2) == k, design[:, k].sum() / (design[:, k] ** 2).sum(), 0.0)
             for k in range(2)]
    fits = [f for f in fits if (f >= 0).all() and f.sum() > 0]
    best = min(fits, key=lambda f: np.sum((design @ f - 1) ** 2))
    return float(best[0]), float(best[1])
