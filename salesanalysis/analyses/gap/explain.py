"""``explain_gap``: why a KPI of a rep, a team or the company missed, in money and words.

It compares a period with a baseline (the target, the previous period or the same period
last year) and gives:

- a bridge: the gap split exactly among the KPI's drivers (activities, conversion, win
  rate, deal size ... for revenue; mix and rate for a ratio such as win rate);
- the segments that explain it: the dimension-value combinations found by
  :func:`~salesanalysis.gap.localise`, each with a sentence in plain words;
- the segment x driver table along the first dimension.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field, replace

import pandas as pd

from ... import kpi
from ...errors import InvalidArgumentError, MissingDataError
from ...kpi.periods import period_bounds
from ...kpi.registry import missing
from ...kpi.units import format_value
from .drivers import (PROSPECTING, REVENUE, REVENUE_FROM_OFFERS, REVENUE_FROM_WINS, Tree,
                      consistent, decompose_at_zeros)
from .localise import localise
from .segments import balance, driver_matrix, mix_rate
from .sides import baseline_bounds, leaves_of, scope_reps, summed, target_sum, usual_bounds

__all__ = ["explain_gap", "GapExplanation", "METRICS", "COMPARISONS"]

COMPARISONS = ("target", "previous", "last_year")
# the baseline is another period's counts, few per segment: a segment's rate is shrunk
# towards the scope's by 10 pseudo-deals; a gap is explained for a reader, so the bar is
# one test at 5% rather than chance over every combination searched
SEARCH = {"observed_baseline": True, "threshold": 3.84, "max_causes": 3, "prior": 10.0}


@dataclass(frozen=True)
class _Metric:
    label: str
    unit: str
    kind: str  # "sum" or "ratio"
    value: str | tuple[str, str]  # KPI measure(s) of the leaves
    tree: Tree | None = None
    # base numbers of the tree -> KPI measures
    bases: dict = field(default_factory=dict)
    # the KPI whose computation brings a ratio's numerator and denominator
    computed_by: str | None = None
    dims: tuple = ("segment", "territory", "source")
    # simpler trees, in order, for data that cannot give the first one's bases
    fallbacks: tuple = ()

    def columns(self) -> list[str]:
        return [self.value] if isinstance(self.value, str) else list(self.value)


_COMPLAINTS = Tree("Complaints", "product", [
    "orders", Tree("Complaints per order", "ratio", ["complaints", "orders"])],
    equals="complaints")

METRICS = {
    "revenue": _Metric("Revenue", "currency", "sum", "revenue", REVENUE,
                       {"activities": "done", "offers": "offers_submitted", "wins": "deals_won",
                        "revenue": "revenue"},
                       fallbacks=(REVENUE_FROM_OFFERS, REVENUE_FROM_WINS)),
    "offers_submitted": _Metric("Offers", "count", "sum", "offers_submitted", PROSPECTING,
                                {"activities": "done", "unique_prospects": "unique_prospects",
                                 "offers": "offers_submitted"}),
    "deals_won": _Metric("Sales closed", "count", "sum", "deals_won"),
    "win_rate": _Metric("Win rate", "ratio", "ratio", ("deals_won", "deals_closed"),
                        computed_by="win_rate"),
    "complaints": _Metric("Complaints", "count", "sum", "complaints", _COMPLAINTS,
                          {"orders": "orders", "complaints": "complaints"},
                          dims=("territory", "segment")),
}


@dataclass
class GapExplanation:
    """What :func:`explain_gap` found. ``bridge``: driver, effect (adds up to the gap);
    ``segments``: the causes with ``sentence``; ``matrix``: segment x driver effects."""

    metric: str
    label: str
    unit: str
    scope: str
    period: str
    against: str
    baseline_period: str
    baseline: float
    actual: float
    bridge: pd.DataFrame
    segments: pd.DataFrame
    matrix: pd.DataFrame
    note: str = ""  # which driver tree the data allowed, when not the full one
    dims: tuple = ()  # the dimensions searched for segments

    @property
    def gap(self) -> float:
        return self.actual - self.baseline

    def headline(self) -> str:
        against = {"target": "the target", "previous": f"the previous period "
                   f"({self.baseline_period})", "last_year": f"the same period last year "
                   f"({self.baseline_period})"}[self.against]
        return (f"{self.label} of {self.scope} in {self.period}: "
                f"{format_value(self.actual, self.unit)} against "
                f"{format_value(self.baseline, self.unit)} for {against}, a gap of "
                f"{_signed(self.gap, self.unit)}.")

    def sentences(self) -> list[str]:
        """One sentence per segment that explains the gap; when none passed the test,
        what was tested and the largest parts of the gap, said not to be significant."""
        if len(self.segments):
            return list(self.segments["sentence"])
        searched = ", ".join(self.dims) or "no dimension"
        parts = self.largest_parts()
        told = [f"No segment's move passed the test for chance (searched: {searched}, "
                f"at 5%)" + (": the largest parts of the gap are shown, not significant."
                             if len(parts) else ".")]
        return told + [f"{where}: {_signed(value, self.unit)} of the {_signed(self.gap, self.unit)}"
                       f" gap (not significant)" for where, value in parts.items()]

    def largest_parts(self, n: int = 3) -> pd.Series:
        """The segments of the table along the first dimension with the largest part of
        the gap in its direction, at most ``n``."""
        if self.matrix.empty or "total" not in self.matrix:
            return pd.Series(dtype=float)
        along = self.matrix["total"].astype(float) * (1 if self.gap >= 0 else -1)
        return self.matrix["total"][along > 0].loc[
            along[along > 0].sort_values(ascending=False).index[:n]]

    def driver_labels(self) -> list[str]:
        """The bridge's drivers as labels read, with a capital."""
        return [d[:1].upper() + d[1:] for d in self.bridge["driver"]]

    def _repr_html_(self) -> str:
        items = "".join(f"<li>{html.escape(s)}</li>" for s in self.sentences())
        bridge = self.bridge.assign(driver=self.driver_labels(),
                                    effect=[_signed(v, self.unit) for v in self.bridge["effect"]])
        tag = "ol" if len(self.segments) else "ul"
        return (f"<p>{html.escape(self.headline())}</p>"
                + (f'<p class="sa-note">{html.escape(self.note)}</p>' if self.note else "")
                + f"<{tag}>{items}</{tag}>" + bridge.to_html(index=False))


def _signed(value, unit):
    text = format_value(abs(value), unit)
    if unit == "ratio":
        text = f"{abs(value) * 100:.1f} points"
    return ("+" if value > 0 else "-" if value < 0 else "") + text


# what a default dimension needs loaded to split a gap by
_DIM_NEEDS = {"segment": {"customers": ("segment",)}, "territory": {"customers": ("territory",)},
              "source": {"opportunities": ("source",)}}


def explain_gap(workbook, *, metric: str = "revenue", scope: str | None = None,
                period: str, against: str = "previous", dims=None) -> GapExplanation:
    """Why ``metric`` of ``scope`` in ``period`` differs from its baseline.

    Parameters
    ----------
    workbook : Workbook
    metric : str
        One of ``METRICS``: revenue, offers_submitted, deals_won, win_rate, complaints.
    scope : str, optional
        A rep id, a team, or None / "all" for the company. For a team or the company,
        ``rep`` is a useful dimension.
    period : str
        A period label: ``2025``, ``2025-Q2``, ``2025-06`` or ``2025-W23``.
    against : {"target", "previous", "last_year"}
        The baseline. Against a target, the baseline is the usual level (the average of
        the three periods before, as far as the data goes) scaled to the target: the
        funnel the target needed at the usual ratios, spread over the segments as usual.
    dims : list of str, optional
        Dimensions to search for the segments that explain the gap (see
        ``kpi.DIMENSIONS``); ``source`` applies to deals only. By default segment,
        territory and source (complaints: territory and segment), and rep first for a
        team or the company.

    Returns
    -------
    GapExplanation
    """
    if metric not in METRICS:
        raise InvalidArgumentError(f"metric must be one of {', '.join(METRICS)}; got {metric!r}")
    if against not in COMPARISONS:
        raise InvalidArgumentError(f"against must be one of {', '.join(COMPARISONS)}; got {against!r}")
    lacks = missing(workbook, kpi.get(metric).columns)
    if lacks:  # before anything else: the metric itself, then what to split it by
        raise MissingDataError(f"{metric} cannot be computed: missing {'; '.join(lacks)}")
    spec, note = _tree_the_data_allows(workbook, METRICS[metric])
    subject, reps = scope_reps(workbook, scope)
    if dims is None:
        dims = (["rep"] if len(reps) > 1 else []) + [
            d for d in spec.dims if not missing(workbook, _DIM_NEEDS[d])]
        if not dims:
            raise MissingDataError(
                f"{spec.label.lower()} gap cannot be explained: needs customer segments, "
                "territories or lead sources to split it by (table customers or column "
                "opportunities.source)")
    dims = list(dims)
    if not dims:
        raise InvalidArgumentError("dims must name at least one dimension")
    _, first, last = period_bounds(period)
    if against == "target":  # the usual level, scaled to the target below
        b_first, b_last, usual = usual_bounds(workbook, spec, period)
        base_label, note = period, " ".join(n for n in (note, usual) if n)
    else:
        base_label, b_first, b_last = baseline_bounds(period, against)
    leaves = leaves_of(workbook, spec, dims, reps, (first, last), (b_first, b_last))
    scale = 1.0
    if against == "target":
        if spec.kind != "sum":
            raise InvalidArgumentError(f"{metric} is a ratio without targets; compare it with "
                             "'previous' or 'last_year'")
        target = target_sum(workbook, metric, period, reps, scope=scope)
        expected, actual = leaves[f"{spec.value}_expected"], leaves[spec.value]
        if expected.sum() == 0:  # nothing to follow: the target as the actual is spread
            expected = actual if actual.sum() else pd.Series(1.0, index=leaves.index)
        scale = target / expected.sum() if expected.sum() else 0.0  # no segments at all
        leaves[f"{spec.value}_expected"] = expected * scale
    if spec.kind == "sum":
        found = localise(leaves, dims=dims, actual=spec.value, expected=f"{spec.value}_expected",
                         counts=spec.unit == "count", **SEARCH)
        actual_total = leaves[spec.value].sum()
        baseline_total = leaves[f"{spec.value}_expected"].sum()
    else:
        num, den = spec.value
        found = localise(leaves, dims=dims, kind="ratio", actual=(num, den),
                         expected=(f"{num}_expected", f"{den}_expected"), **SEARCH)
        actual_total = _divide(leaves[num].sum(), leaves[den].sum())
        baseline_total = _divide(leaves[f"{num}_expected"].sum(), leaves[f"{den}_expected"].sum())
    bridge, matrix, tree_note = _bridge(workbook, spec, dims, reps, (first, last),
                                        (b_first, b_last), scale, leaves,
                                        target if against == "target" else None)
    segments = _ranked(found.causes, spec, actual_total - baseline_total)
    return GapExplanation(metric, spec.label, spec.unit, subject, period, against, base_label,
                          float(baseline_total), float(actual_total), bridge, segments, matrix,
                          " ".join(n for n in (note, tree_note) if n), tuple(dims))


def _tree_the_data_allows(workbook, spec: _Metric) -> tuple[_Metric, str]:
    """``spec`` with the first of its driver trees whose base numbers the data holds, and
    a sentence naming it when it is not the full tree."""
    if spec.tree is None:
        return spec, ""
    for tree in (spec.tree, *spec.fallbacks):
        bases = set(tree.names()) | {tree.equals}
        lacks = [need for base in sorted(bases)
                 for need in missing(workbook, kpi.get(spec.bases[base]).columns)]
        if not lacks:
            break
    else:
        return spec, ""  # the full tree then says what it lacks
    if tree is spec.tree:
        return spec, ""
    words = " x ".join(tree.labels()).lower()
    fuller = set(spec.tree.names()) | {spec.tree.equals}
    needs = sorted({need for base in fuller
                    for need in missing(workbook, kpi.get(spec.bases[base]).columns)})
    return (replace(spec, tree=tree),
            f"The bridge splits {spec.label.lower()} into {words}: the fuller tree needs "
            f"{'; '.join(needs)}.")


def _ranked(causes, spec, gap):
    """The causes with their sentence: what explains the gap first (largest part in its
    direction), then what offsets it."""
    out = causes.assign(sentence=[_sentence(spec, row, gap) for row in causes.itertuples()])
    along = out["contribution"] * (1 if gap >= 0 else -1)
    order = sorted(range(len(out)), key=lambda i: (along.iloc[i] <= 0, -abs(along.iloc[i])))
    return out.iloc[order].reset_index(drop=True)


def _divide(a, b):
    return float(a) / float(b) if b else float("nan")


def _bridge(workbook, spec, dims, reps, now, before, scale, leaves, target=None):
    """Bridge by driver, and the segment x driver table along the first of ``dims`` that
    applies to every driver (``source`` does not apply to activities)."""
    dim = dims[0]
    if spec.kind == "ratio":
        num, den = spec.value
        expected = {f"{num}_expected": num, f"{den}_expected": den}
        table = mix_rate(leaves.groupby(dim, as_index=False)[list(expected)].sum()
                         .rename(columns=expected),
                         leaves.groupby(dim, as_index=False)[[num, den]].sum(),
                         by=dim, numerator=num, denominator=den)
        bridge = pd.DataFrame({"driver": [f"Mix of {dim}", f"{spec.label} within each {dim}"],
                               "effect": [table["mix"].sum(), table["rate"].sum()]})
        return bridge, table.set_index(dim)[["mix", "rate", "total"]], ""
    if spec.tree is None:
        gap = leaves[spec.value].sum() - leaves[f"{spec.value}_expected"].sum()
        return pd.DataFrame({"driver": [spec.label], "effect": [gap]}), pd.DataFrame(), ""
    for dim in [*dims, "rep"]:
        try:
            frames = [_tree_frame(workbook, spec, dim, first, last, reps)
                      for first, last in (before, now)]
            break
        except ValueError:  # the dimension does not apply to one of the drivers
            continue
    # against a target, the baseline is the usual level at the target's level: every
    # count scaled alike, so its ratios (offers per activity, win rate ...) are kept
    names = [n for n in dict.fromkeys([*spec.tree.names(), spec.tree.equals]) if n]
    own = ""
    if target is not None and not frames[0][spec.tree.equals].sum():
        if not frames[1][spec.tree.equals].sum():
            return _nothing_yet(spec, dim, frames[1], leaves, target)
        frames[0] = frames[1].copy()
        own = (f"There was no {spec.label.lower()} in those periods: the baseline is this "
               "period's own funnel scaled to the target.")
    frames[0][names] = frames[0][names].astype(float) * scale
    totals = [f[names].sum().to_dict() for f in frames]
    tree, note = _suited_tree(spec, totals)
    note = " ".join(n for n in (own, note) if n)
    effects = decompose_at_zeros(tree, totals[0], totals[1])
    bridge = effects.rename("effect").rename_axis("driver").reset_index()
    matrix = balance(driver_matrix(tree, frames[0], frames[1], by=dim), effects.to_dict())
    return bridge, matrix, note


def _nothing_yet(spec, dim, actual, leaves, target):
    """A target, and nothing to compare the funnel with: no usual level and nothing
    this period. The first driver of the funnel that is zero carries the whole gap."""
    tree = spec.tree
    values = actual[list(tree.names())].sum()
    zero = next((i for i, n in enumerate(tree.names()) if not values[n]), 0)
    labels = tree.labels()
    bridge = pd.DataFrame({"driver": labels,
                           "effect": [-target if i == zero else 0.0 for i in range(len(labels))]})
    note = (f"There was no {spec.label.lower()} before or in this period: the first part "
            f"of the funnel that is zero, {labels[zero].lower()}, carries the gap.")
    if dim not in leaves:
        return bridge, pd.DataFrame(), note
    value = spec.value
    parts = leaves.groupby(dim)[value].sum() - leaves.groupby(dim)[f"{value}_expected"].sum()
    matrix = pd.DataFrame(0.0, index=parts.index, columns=labels)
    matrix[labels[zero]] = parts
    return bridge, matrix.assign(total=parts), note


def _suited_tree(spec, totals) -> tuple[Tree, str]:
    """The first of the metric's trees that describes both sides of the scope (no offers
    without activities, no wins without offers), and a sentence when it is not the
    first: a rep who logs no activities has no activity driver."""
    trees = [t for t in (spec.tree, *spec.fallbacks) if set(t.names()) <= set(totals[0])]
    for tree in trees:
        if all(consistent(tree, side) for side in totals):
            break
    if tree is spec.tree:
        return tree, ""
    first, nxt = spec.tree.names()[0], tree.names()[0]
    words = " x ".join(tree.labels()).lower()
    why = (f"no {first} logged" if not any(side[first] for side in totals)
           else f"{nxt} without {first} logged in one of the periods")
    return tree, f"The bridge splits {spec.label.lower()} into {words}: {why}."


def _tree_frame(workbook, spec, dim, first, last, reps):
    used = set(spec.tree.names()) | {spec.tree.equals}
    bases = {k: v for k, v in spec.bases.items() if k in used}
    frame = summed(workbook, list(bases.values()), [dim], first, last, reps)
    return frame.rename(columns={v: k for k, v in bases.items()})


def _sentence(spec, cause, gap):
    where = ", ".join(str(v) for v in cause.where.values())
    verb = "rose" if cause.actual > cause.expected else "fell"
    return (f"{spec.label} in {where} {verb} from {format_value(cause.expected, spec.unit)} "
            f"to {format_value(cause.actual, spec.unit)}: {_signed(cause.contribution, spec.unit)}"
            f" of the {_signed(gap, spec.unit)} gap")
