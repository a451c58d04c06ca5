"""The two sides of a gap: the reps in scope, the baseline's period (the usual level
against a target), and a metric's columns per combination of dimensions, now and before."""

from __future__ import annotations

from ... import kpi
from ...errors import InvalidArgumentError, MissingDataError, NoTargetError
from ...kpi.engine import coverage
from ...kpi.facts import FACTS, MEASURES
from ...kpi.periods import Period
from ...store.frames import mergeable, to_pandas
from ...store.roster import members, rep_label

__all__ = ["scope_reps", "baseline_bounds", "usual_bounds", "summed", "leaves_of",
           "target_sum", "USUAL_PERIODS"]


def baseline_bounds(period, against):
    """Label, first and last day of the period ``against`` names (``previous`` or
    ``last_year``)."""
    before = Period.parse(period).baseline(against)
    return before.label, before.first, before.last


# periods averaged into the usual level a target is compared with: one period alone
# (a month that was unusually good or bad) would scale the whole funnel by its accident
USUAL_PERIODS = 3


def _tables(spec) -> set[str]:
    """The source tables the metric's columns are read from."""
    return {FACTS[MEASURES[c].fact].table for c in spec.columns()}


def usual_bounds(workbook, spec, period):
    """First and last day of the usual level before ``period``, and its words: the
    ``USUAL_PERIODS`` periods before it, as many of them as the data covers (at least
    the previous one, which :func:`leaves_of` checks)."""
    starts = [coverage(workbook, table)[0] for table in sorted(_tables(spec))]
    data_start = max((s for s in starts if s is not None), default=None)
    current = Period.parse(period)
    window = [current.shift(-1)]
    for n in range(2, USUAL_PERIODS + 1):
        earlier = current.shift(-n)
        if data_start is None or earlier.last < data_start.normalize():
            break
        window.append(earlier)
    which = (window[0].label if len(window) == 1
             else f"the average of {window[-1].label} to {window[0].label}")
    return window[-1].first, window[0].last, (
        f"Against the target, the baseline is the usual level ({which}) scaled to the "
        "target: what the target needed at the usual ratios.")


def scope_reps(workbook, scope):
    """How the scope is named (a rep, ``team X`` or ``the company``) and its sellers."""
    reps = members(workbook)
    if scope in (None, "", "all"):
        return "the company", list(reps["rep_id"])
    if scope in set(reps["rep_id"]):
        return rep_label(reps.loc[reps["rep_id"] == scope, "name"].iloc[0], scope), [scope]
    if scope in set(reps["team"]):
        return f"team {scope}", list(reps.loc[reps["team"] == scope, "rep_id"])
    raise InvalidArgumentError(f"scope must be a rep id, a team or 'all'; no rep or team {scope!r} "
                     f"(teams: {', '.join(sorted(reps['team'].dropna().unique()))})")


def summed(workbook, columns, dims, first, last, reps, computed_by=None):
    """``columns`` summed per combination of ``dims`` over the reps in scope."""
    by = list(dict.fromkeys(["rep", *dims]))
    frame = kpi.compute(workbook, [computed_by] if computed_by else columns, by=by,
                        start=first, end=last, reps=reps)
    frame = frame[frame["rep"].isin(reps)]
    return mergeable(frame.groupby(list(dims), as_index=False, dropna=False)[columns].sum())


def leaves_of(workbook, spec, dims, reps, now, before):
    """The metric's columns per combination of ``dims``, now and (``_expected``) before;
    a period the data does not cover is an error, not a gap between zeros."""
    for first, last in (now, before):
        for table in sorted(_tables(spec)):
            start, end = coverage(workbook, table)
            if start is None or last < start.normalize() or first > end:
                raise MissingDataError(
                    f"{spec.label.lower()} from {first.date()} to {last.date()} is unknown: "
                    f"the {table} loaded do not cover it (see salesanalysis info)")
    frames = [summed(workbook, spec.columns(), dims, first, last, reps, spec.computed_by)
              for first, last in (now, before)]
    leaves = frames[0].merge(frames[1], on=dims, how="outer", suffixes=("", "_expected"))
    return leaves.fillna({c: 0 for c in leaves.columns if c not in dims})


def target_sum(workbook, metric, period, reps, *, scope=None):
    """The target of the scope in ``period``: a team's own target when it has one, else
    the sum of its reps' targets, known only when every rep who has a value in the
    period has a target (a missing target is unknown, not 0)."""
    if scope is not None and scope in set(members(workbook)["team"].dropna()):
        own = kpi.targets(workbook, metric=metric, by="team", labels=[period])
        own = own.loc[own["team"] == scope, "target"].dropna()
        if len(own):
            return float(own.sum())
    targets = kpi.targets(workbook, metric=metric, by="rep", labels=[period])
    targets = targets[targets["rep"].isin(reps)].dropna(subset=["target"])
    if targets.empty:
        have = sorted(to_pandas(workbook.table("targets").metric).unique())
        raise NoTargetError(f"no target for {metric} in {period}; targets exist for "
                            f"{', '.join(have) or 'nothing'}")
    lacking = sorted(set(reps) - set(targets["rep"]))
    if lacking:
        whole = Period.parse(period)
        done = kpi.compute(workbook, metric, by="rep", start=whole.first, end=whole.last,
                           reps=lacking)
        done = done.loc[done["rep"].isin(lacking) & done[metric].fillna(0).ne(0), "rep"]
        if len(done):
            named = ", ".join(map(str, done[:5])) + (" ..." if len(done) > 5 else "")
            raise NoTargetError(f"no target for {metric} in {period} for {named}, with "
                                f"{metric} in it; the scope's target is not known")
    return float(targets["target"].sum())
