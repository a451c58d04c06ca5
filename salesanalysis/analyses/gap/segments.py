"""The change of a KPI across segments: mix and rate of a ratio, volume, mix and price of
revenue, and the segment x driver table of a driver tree, whose rows and columns both
add up to the gap."""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from ...errors import InvalidArgumentError, UnknownNameError
from .drivers import Tree, decompose_at_zeros

__all__ = ["mix_rate", "price_volume_mix", "driver_matrix", "balance"]


def _aligned(baseline, actual, by, columns):
    missing = [c for c in [by, *columns] if c not in baseline or c not in actual]
    if missing:
        raise UnknownNameError(f"both frames need the columns {', '.join([by, *columns])}; "
                       f"missing {', '.join(missing)}")
    for name, frame in (("baseline", baseline), ("actual", actual)):
        if frame[by].duplicated().any():
            dup = frame.loc[frame[by].duplicated(), by].iloc[0]
            raise InvalidArgumentError(f"{name} has more than one row for {by}={dup!r}")
    both = pd.merge(baseline[[by, *columns]], actual[[by, *columns]], on=by, how="outer",
                    suffixes=("_before", "_after"), sort=True)
    return both.fillna({f"{c}_{s}": 0.0 for c in columns for s in ("before", "after")})


def mix_rate(baseline: pd.DataFrame, actual: pd.DataFrame, *, by: str, numerator: str,
             denominator: str) -> pd.DataFrame:
    """Split the change of a ratio KPI across segments into mix and rate.

    The KPI is sum(numerator) / sum(denominator) = sum over segments of weight x rate, with
    weight = the segment's share of the denominator. Per segment, ``rate`` is the average
    weight x the change of its rate, and ``mix`` is the change of its weight x how far its
    average rate is above the overall average rate. A new or lost segment has no rate
    change. ``mix + rate`` summed over segments is exactly the change of the KPI.

    Returns one row per segment: ``weight_before/after``, ``rate_before/after``, ``mix``,
    ``rate``, ``total``.
    """
    both = _aligned(baseline, actual, by, [numerator, denominator])
    n0, n1 = both[f"{numerator}_before"], both[f"{numerator}_after"]
    d0, d1 = both[f"{denominator}_before"], both[f"{denominator}_after"]
    if d0.sum() == 0 or d1.sum() == 0:
        raise ZeroDivisionError(f"the total {denominator} is zero before or after")
    w0, w1 = d0 / d0.sum(), d1 / d1.sum()
    r0 = (n0 / d0.where(d0 != 0)).astype(float)
    r1 = (n1 / d1.where(d1 != 0)).astype(float)
    r0, r1 = r0.fillna(r1).fillna(0.0), r1.fillna(r0).fillna(0.0)
    overall = (n0.sum() / d0.sum() + n1.sum() / d1.sum()) / 2
    out = pd.DataFrame({by: both[by], "weight_before": w0, "weight_after": w1,
                        "rate_before": r0, "rate_after": r1})
    out["mix"] = (w1 - w0) * ((r0 + r1) / 2 - overall)
    out["rate"] = (w0 + w1) / 2 * (r1 - r0)
    out["total"] = out["mix"] + out["rate"]
    return out


def price_volume_mix(baseline: pd.DataFrame, actual: pd.DataFrame, *, by: str,
                     quantity: str, revenue: str) -> pd.DataFrame:
    """Split the change of revenue across products or segments into volume, mix and price.

    ``volume``: the change of total quantity, spread as the baseline shares, at baseline
    prices; ``mix``: the change of each segment's share of the actual total quantity at its
    baseline price; ``price``: the actual quantity x the change of price. A new segment's
    revenue is all mix (it has no baseline price). Each row adds up to the segment's change
    of revenue, so the whole table adds up to the total change; the mix column sums to
    the effect of selling more of the dearer or the cheaper segments.
    """
    both = _aligned(baseline, actual, by, [quantity, revenue])
    q0, q1 = both[f"{quantity}_before"], both[f"{quantity}_after"]
    v0, v1 = both[f"{revenue}_before"], both[f"{revenue}_after"]
    if q0.sum() == 0 or q1.sum() == 0:
        raise ZeroDivisionError(f"the total {quantity} is zero before or after")
    p0 = (v0 / q0.where(q0 != 0)).astype(float)
    p1 = (v1 / q1.where(q1 != 0)).astype(float)
    p0, p1 = p0.fillna(p1).fillna(0.0), p1.fillna(p0).fillna(0.0)
    total0, total1 = q0.sum(), q1.sum()
    w0, w1 = q0 / total0, q1 / total1
    out = pd.DataFrame({by: both[by], "quantity_before": q0, "quantity_after": q1,
                        "price_before": p0, "price_after": p1})
    out["volume"] = (total1 - total0) * w0 * p0
    out["mix"] = total1 * (w1 - w0) * p0
    out["price"] = q1 * (p1 - p0)
    out["total"] = out["volume"] + out["mix"] + out["price"]
    return out


def driver_matrix(tree: Tree, baseline: pd.DataFrame, actual: pd.DataFrame, *, by: str,
                  method: str = "auto") -> pd.DataFrame:
    """Segment x driver effects for an additive KPI (such as revenue) made by ``tree``.

    Each frame has one row per segment and a column per base number of the tree. Each
    row is that segment's change split by :func:`decompose`; a segment missing from one
    side counts as zero there (a new or lost segment). A ratio that does not exist on one
    side (revenue per win without a win) counts as unchanged, so the factor that rose from
    or fell to zero (the win rate) takes the change; where the parts are inconsistent
    (revenue without a win), the whole change goes to the first driver, the volume. Rows
    add up to each segment's change, columns to each driver's effect, and the whole table
    to the total change.
    """
    both = _aligned(baseline, actual, by, tree.names())
    rows = []
    for _, row in both.iterrows():
        before = {n: row[f"{n}_before"] for n in tree.names()}
        after = {n: row[f"{n}_after"] for n in tree.names()}
        effects = decompose_at_zeros(tree, before, after, method=method).to_dict()
        rows.append({by: row[by], **effects})
    out = pd.DataFrame(rows).set_index(by)
    out["total"] = out.sum(axis=1)
    return out


def balance(matrix: pd.DataFrame, effects: Mapping[str, float]) -> pd.DataFrame:
    """``matrix`` (segments x drivers and ``total``, from :func:`driver_matrix`) adjusted
    so that its columns add up to ``effects`` (the bridge of the whole) while each row
    still adds up to its segment's change.

    What the whole's split reads differently from the sum of the segments' own splits
    (a segment's deals won from offers of an earlier period) is shared among the segments
    in proportion to how much each changed, so a segment that did not change keeps a row
    of zeros.
    """
    drivers = [c for c in matrix.columns if c != "total"]
    cells = matrix[drivers].astype(float)
    difference = pd.Series(effects, dtype=float).reindex(drivers).fillna(0.0) - cells.sum()
    weights = matrix["total"].abs().astype(float)
    if weights.sum() == 0:
        weights = cells.abs().sum(axis=1)
    if weights.sum() == 0:
        weights = pd.Series(1.0, index=matrix.index)
    weights = weights / weights.sum()
    out = cells + np.outer(weights.to_numpy(), difference.to_numpy())
    out["total"] = matrix["total"]
    return out
