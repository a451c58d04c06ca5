"""The first screen of a review: headline tiles and a verdict sentence.

A tile holds one number, what it is compared with, its change, and a status (on track,
at risk, behind) read from :data:`STATUS_THRESHOLDS`: the share of the reference
(target, team median, required coverage) the number reaches. Pass ``thresholds=`` to
use others. A tile whose data is not loaded says what it needs.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import pandas as pd

from .. import kpi
from ..errors import MissingDataError
from ..kpi.registry import missing
from ..kpi.units import format_value
from ..reports import rep_review as review
from .display import reason

__all__ = ["STATUS_THRESHOLDS", "STATUS_WORDS", "Tile", "Tiles", "status", "review_tiles"]

# share of the reference reached: at or above on_track is on track, at or above at_risk
# is at risk, below is behind (for a KPI where lower is better, reference / value)
STATUS_THRESHOLDS = {"on_track": 1.0, "at_risk": 0.9}
STATUS_WORDS = {"on_track": "on track", "at_risk": "at risk", "behind": "behind", "none": ""}

_STYLE = """<style>
.sa-tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr));
  gap: 10px; margin: 0.8em 0; }
.sa-tile { border: 1px solid #d6dbe1; border-top: 5px solid #9aa5b1; border-radius: 6px;
  padding: 8px 12px; background: #fff; break-inside: avoid; }
.sa-tile .sa-label { font-size: 12px; color: #555; text-transform: uppercase;
  letter-spacing: .03em; }
.sa-tile .sa-value { font-size: 24px; font-weight: 600; margin: 2px 0; }
.sa-tile .sa-ref, .sa-tile .sa-change, .sa-tile .sa-parts { font-size: 12px; color: #444; }
.sa-tile .sa-status { font-size: 12px; font-weight: 600; }
.sa-tile.on_track { border-top-color: #2e7d32; } .sa-tile.on_track .sa-status { color: #2e7d32; }
.sa-tile.at_risk { border-top-color: #ef8f00; } .sa-tile.at_risk .sa-status { color: #b26a00; }
.sa-tile.behind { border-top-color: #c62828; } .sa-tile.behind .sa-status { color: #c62828; }
.sa-tile.unavailable .sa-value { font-size: 14px; font-weight: 400; color: #666; }
.sa-verdict { font-size: 16px; margin: 0.4em 0 1em; }
</style>"""


def status(value, reference, *, direction: int = 1, thresholds=None) -> str:
    """on_track, at_risk or behind: ``value`` against ``reference``; none when either
    is unknown, the reference is 0 or the KPI has no better direction."""
    limits = {**STATUS_THRESHOLDS, **(thresholds or {})}
    if direction == 0 or _unknown(value) or _unknown(reference) or reference == 0:
        return "none"
    share = value / reference if direction > 0 else (reference / value if value else math.inf)
    return ("on_track" if share >= limits["on_track"] else
            "at_risk" if share >= limits["at_risk"] else "behind")


def _unknown(value) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


@dataclass
class Tile:
    """One headline number as the first screen shows it; every text already formatted."""

    label: str
    value: str = ""
    reference: str = ""
    change: str = ""
    status: str = "none"
    need: str = ""  # what the data lacks: the tile shows this instead of a number
    parts: str = ""  # a rate's numerator and denominator, in words

    def _repr_html_(self) -> str:
        e = html.escape
        if self.need:
            return (f'<div class="sa-tile unavailable"><div class="sa-label">{e(self.label)}'
                    f'</div><div class="sa-value">Not available: {e(self.need)}</div></div>')
        parts = [f'<div class="sa-label">{e(self.label)}</div>',
                 f'<div class="sa-value">{e(self.value)}</div>']
        parts += [f'<div class="sa-{k}">{e(v)}</div>' for k, v in
                  (("parts", self.parts), ("ref", self.reference), ("change", self.change),
                   ("status", STATUS_WORDS[self.status])) if v]
        return f'<div class="sa-tile {self.status}">{"".join(parts)}</div>'


class Tiles:
    """The tiles and the verdict, shown together."""

    def __init__(self, tiles: list[Tile], verdict: str = ""):
        self.tiles = tiles
        self.verdict = verdict

    def __getitem__(self, label: str) -> Tile:
        return next(t for t in self.tiles if t.label == label)

    def _repr_html_(self) -> str:
        verdict = (f'<p class="sa-verdict"><b>In short:</b> {html.escape(self.verdict)}</p>'
                   if self.verdict else "")
        return (f'{_STYLE}<section class="sa-first-screen">{verdict}<div class="sa-tiles">'
                + "".join(t._repr_html_() for t in self.tiles) + "</div></section>")

    def __repr__(self) -> str:
        return "\n".join([self.verdict] + [f"{t.label}: {t.need or t.value} {t.reference}"
                                           for t in self.tiles])


def _lacks(workbook, name: str) -> str:
    gaps = missing(workbook, kpi.get(name).columns)
    return "needs " + "; ".join(gaps) if gaps else ""


def _change(row, comparison: str) -> str:
    growth = row.get(f"growth_vs_{comparison}")
    if _unknown(growth) or math.isinf(growth):
        return ""
    word = "previous period" if comparison == "previous" else "last year"
    return f"{growth:+.0%} against the {word}"


def _kpi_tile(workbook, card, name, comparison, thresholds, *, label=None, reference=None,
              against="target") -> Tile:
    rows = card[card["kpi"] == name]
    spec = kpi.get(name)
    label = label or spec.label
    if rows.empty:
        return Tile(label, need=_lacks(workbook, name) or "not computed for this period")
    row = rows.iloc[0].to_dict()
    value = format_value(row["actual"], spec.unit, missing="unknown")
    goal = row.get(against)
    if reference is None:
        words = {"target": "target", "team_median": "team median"}[against]
        reference = "" if _unknown(goal) else f"{words} {format_value(goal, spec.unit)}"
        if against == "target" and not _unknown(row.get("vs_target")):
            reference += f" ({row['vs_target']:.0%})"
    return Tile(label, value, reference, _change(row, comparison),
                status(row["actual"], goal, direction=spec.direction, thresholds=thresholds))


def _pacing_tile(workbook, rep, period, thresholds) -> Tile:
    label = "Quarter to date"
    try:
        summary = review.attainment_summary(workbook, rep=rep, period=period)
    except MissingDataError as exc:
        return Tile(label, need=reason(exc).rstrip("."))
    row = summary.set_index("span").loc["quarter to date"]
    if _unknown(row["target"]):
        return Tile(label, need="needs revenue targets for the quarter")
    # the target to date is the months' targets up to the period's end: already paced
    value = format_value(row["attainment"], "ratio", missing="unknown")
    reference = (f"{format_value(row['actual'], 'currency')} of the "
                 f"{format_value(row['target'], 'currency')} due by {row['to']}")
    return Tile(label, value, reference,
                status=status(row["actual"], row["target"], thresholds=thresholds))


def _coverage_tile(workbook, rep, period, card, thresholds) -> Tile:
    label = "Pipeline coverage"
    following = review.next_period(period)
    try:
        due = review.pipeline_due(workbook, rep=rep, period=following)
        goal = kpi.targets(workbook, metric="revenue", by="rep", labels=[following])
    except MissingDataError as exc:
        return Tile(label, need=reason(exc).rstrip("."))
    goal = goal.loc[goal["rep"] == rep, "target"]
    if goal.empty or _unknown(goal.iloc[0]) or goal.iloc[0] <= 0:
        return Tile(label, need=f"needs a revenue target for {following}")
    open_due = float(due["amount"].sum()) if len(due) else 0.0
    coverage = open_due / float(goal.iloc[0])
    rate = card.loc[card["kpi"] == "win_rate", "actual"]
    required = 1 / rate.iloc[0] if len(rate) and rate.iloc[0] > 0 else math.nan
    reference = (f"{format_value(open_due, 'currency')} due in {following} for a target of "
                 f"{format_value(goal.iloc[0], 'currency')}")
    change = "" if _unknown(required) else f"needs {required:.1f}x at the rep's win rate"
    return Tile(label, f"{coverage:.1f}x", reference, change,
                status(coverage, required, thresholds=thresholds))


def _verdict(workbook, rep, period, card, found, comparison) -> str:
    parts = []
    revenue = card[card["kpi"] == "revenue"]
    if len(revenue):
        row = revenue.iloc[0]
        if not _unknown(row.get("vs_target")):
            parts.append(f"{row['vs_target']:.1%} of the revenue target")
        else:
            parts.append(f"revenue {format_value(row['actual'], 'currency', missing='unknown')}"
                         + (f", {_change(row.to_dict(), comparison)}" if _change(
                             row.to_dict(), comparison) else ""))
    try:
        plan = review.against_plan(workbook, rep=rep, period=period)
        short = plan[(plan["metric"] != "revenue") & (plan["gap"] < 0)]
        parts += [f"{r.label.lower()} {format_value(-r.gap, r.unit, short=True)} short of plan"
                  for r in short.sort_values("vs_target").head(2).itertuples()]
    except MissingDataError:
        pass
    try:
        moved = review.slipped(workbook, rep=rep, period=period)
        slipped = int((moved["pushes"] > 0).sum())  # moved later; a deal pulled in did not slip
        if slipped:
            parts.append(f"{slipped} deal{'s' if slipped != 1 else ''} slipped")
    except MissingDataError:
        pass
    if isinstance(found, pd.DataFrame) and len(found):
        good, develop = (int((found["kind"] == k).sum()) for k in ("strength", "development"))
        parts.append(f"{good} strength{'s' if good != 1 else ''} and {develop} point"
                     f"{'s' if develop != 1 else ''} to develop")
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] + "." if text else ""


def review_tiles(workbook, *, rep: str, period: str, comparison: str = "previous",
                 card=None, found=None, thresholds=None) -> Tiles:
    """The first screen of ``rep``'s review of ``period``: revenue against target,
    quarter-to-date attainment and pacing, offers, closes (per prospect met and per raw
    contact), win rate against the team median, coverage of next period's target, and
    a verdict. ``card`` and ``found``: the review's headline and findings if computed."""
    if card is None:
        card = review.headline(workbook, rep=rep, period=period)
    card = card if isinstance(card, pd.DataFrame) else pd.DataFrame(columns=["kpi"])
    rates = card.set_index("kpi")["actual"] if len(card) else pd.Series(dtype=float)
    closes = "; ".join(f"{format_value(rates[k], 'ratio')} per {words}" for k, words in
                       (("close_rate_per_prospect_met", "prospect met"),
                        ("close_rate_per_contact", "raw contact")) if k in rates)
    tiles = [
        _kpi_tile(workbook, card, "revenue", comparison, thresholds),
        _pacing_tile(workbook, rep, period, thresholds),
        _kpi_tile(workbook, card, "offers_submitted", comparison, thresholds),
        _kpi_tile(workbook, card, "deals_won", comparison, thresholds, label="Closes",
                  reference=closes),
        _kpi_tile(workbook, card, "win_rate", comparison, thresholds, against="team_median"),
        _coverage_tile(workbook, rep, period, card, thresholds),
    ]
    return Tiles(tiles, _verdict(workbook, rep, period, card, found, comparison))
