"""Findings for a review and the actions they propose, from declarative rules.

The rules live in a YAML file (``templates/findings.yaml`` by default; a manager
can copy and edit it). Each compares one KPI of the rep for the period with a
reference (target, previous period, last year, the team median or a fixed
value) and cites the numbers behind it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from .. import layout
from .. import kpi
from ..store.cache import cached
from ..errors import RulesError
from ..kpi.registry import REGISTRY, missing
from ..kpi.periods import Period, period_end
from ..kpi.units import format_value
from ..kpi.scorecard import rep_scorecard, team_scorecard, with_team_median
from ..store.roster import customer_names

__all__ = ["RULES_FILE", "Rule", "load_rules", "evidence", "findings", "proposed_actions",
           "prepare", "stalled_at_end"]

RULES_FILE = layout.TEMPLATES / "findings.yaml"
KINDS = {"strengths": "strength", "developments": "development"}
REFERENCES = ("target", "previous", "last_year", "team_median", "value")
OPS = {">=": lambda a, b: a >= b, ">": lambda a, b: a > b, "<=": lambda a, b: a <= b,
       "<": lambda a, b: a < b}
# evidence that is not a registered KPI of the scorecard
SPECIAL = {"sawtooth": ("Sawtooth prospecting", "count"),
           "disqualify_candidates": ("Deals to disqualify", "count"),
           "segment_win_rate_drop": ("Fall of win rate in one segment (z)", "count")}



@dataclass(frozen=True)
class Rule:
    name: str
    kind: str
    kpis: tuple[str, ...]
    op: str
    reference: str
    factor: float
    text: str
    action: str
    criterion: str
    min: float = 0.0
    due: str | None = None
    source: str = field(default="", compare=False)


def load_rules(path: str | Path | None = None) -> list[Rule]:
    """The rules in ``path`` (default :data:`RULES_FILE`), every problem reported at once."""
    path = Path(path or RULES_FILE)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise RulesError(f"{path}: cannot read the rules: {exc}") from exc
    rules, problems = [], []
    unknown = set(data) - set(KINDS)
    if unknown:
        problems.append(f"unknown section(s) {sorted(unknown)}; use {list(KINDS)}")
    for section, kind in KINDS.items():
        for i, raw in enumerate(data.get(section) or []):
            where = f"{section}[{i}] ({raw.get('name', 'unnamed')})"
            errors = _check_rule(raw)
            if errors:
                problems += [f"{where}: {e}" for e in errors]
                continue
            rules.append(Rule(kind=kind, kpis=tuple(raw.pop("kpis")), source=str(path),
                              factor=float(raw.pop("factor")), **raw))
    if problems:
        raise RulesError(f"{path}: {len(problems)} problem(s):\n  " + "\n  ".join(problems))
    return rules


def _check_rule(raw) -> list[str]:
    if not isinstance(raw, dict):
        return ["a rule must be a mapping of fields"]
    needed = {"name", "kpis", "op", "reference", "factor", "text", "action", "criterion"}
    errors = [f"missing field {f!r}" for f in sorted(needed - set(raw))]
    extra = set(raw) - needed - {"min", "due"}
    errors += [f"unknown field {f!r}" for f in sorted(extra)]
    if raw.get("op") is not None and raw.get("op") not in OPS:
        errors.append(f"op {raw['op']!r} is not one of {list(OPS)}")
    if raw.get("reference") is not None and raw.get("reference") not in REFERENCES:
        errors.append(f"reference {raw['reference']!r} is not one of {list(REFERENCES)}")
    for name in raw.get("kpis") or []:
        if name not in SPECIAL and name not in REGISTRY:
            errors.append(f"unknown KPI {name!r}")
    if raw.get("due") is not None and not re.fullmatch(r"\d+ days?", str(raw["due"])):
        errors.append(f"due {raw['due']!r} must read 'N days'")
    return errors


@cached
def _evidence(workbook, *, period: str, kpis: tuple[str, ...]) -> pd.DataFrame:
    card = team_scorecard(workbook, period=period)
    extra = [n for n in kpis if n not in SPECIAL and n not in set(card["kpi"])
             and not missing(workbook, kpi.get(n).columns)]
    if extra:
        card = pd.concat([card, rep_scorecard(workbook, period=period, kpis=extra)],
                         ignore_index=True)
    card = card.rename(columns={"scope_id": "rep"})
    specials = _special_evidence(workbook, period, card[["rep", "team"]].drop_duplicates())
    card = pd.concat([card, specials], ignore_index=True)
    card = with_team_median(card)
    return card[card["kpi"].isin(kpis)].reset_index(drop=True)


@cached
def stalled_at_end(workbook, *, period: str) -> pd.DataFrame:
    """Every open deal with two or more stall reasons at the end of ``period``, with its
    customer's name: the deals to set a next step for or disqualify."""
    deals = kpi.stalled_deals(workbook, as_of=period_end(workbook, period))
    deals["customer"] = deals["customer_id"].map(customer_names(workbook))
    return deals[deals["disqualify"]]


def _special_evidence(workbook, period: str, reps: pd.DataFrame) -> pd.DataFrame:
    rows = []
    if not missing(workbook, kpi.get("prospecting_cv").columns):
        end = period_end(workbook, period)
        flow = kpi.prospecting_consistency(workbook, by="rep", end=end)
        flow = flow.dropna(subset=["new_prospects_mean"])  # weeks outside the data
        rows.append(reps.merge(flow, on="rep").assign(
            kpi="sawtooth", actual=lambda f: f["sawtooth"].astype(float),
            words=lambda f: [
                {"prospecting": f"cv {cv:.2f} with {runs} runs of 3 or more weeks under "
                                f"half its mean", "floor": math.ceil(mean)}
                for cv, runs, mean in zip(f["new_prospects_cv"], f["low_runs"],
                                          f["new_prospects_mean"])])
            [["rep", "team", "kpi", "actual", "words"]])
    if not missing(workbook, kpi.get("win_rate").columns | {"customers": ("segment",)}):
        rows.append(reps.merge(_segment_drops(workbook, period), on="rep"))
    if not missing(workbook, kpi.get("disqualify_candidates").columns):
        stalled = stalled_at_end(workbook, period=period)
        deals = (stalled.sort_values("amount", ascending=False, kind="stable")
                 .groupby("rep_id")["opportunity_id"].agg(list))
        rows.append(reps.assign(kpi="disqualify_candidates",
                                deals=reps["rep"].map(deals),
                                actual=lambda f: [float(len(d)) if isinstance(d, list) else 0.0
                                                  for d in f["deals"]]))
    out = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    if len(out):
        out["label"] = out["kpi"].map(lambda k: SPECIAL[k][0])
        out["unit"] = out["kpi"].map(lambda k: SPECIAL[k][1])
    return out


def _segment_drops(workbook, period: str) -> pd.DataFrame:
    """Per rep, the segment whose win rate fell most surely from the previous period:
    ``actual`` is the two-proportion z of the fall, ``denominator`` the deals closed in
    the period in that segment."""
    now = Period.parse(period)
    frames = [kpi.compute(workbook, "win_rate", by=["rep", "segment"], start=p.first, end=p.last)
              for p in (now.shift(-1), now)]
    both = frames[0].merge(frames[1], on=["rep", "segment"], suffixes=("_before", ""))
    won0, n0 = both["deals_won_before"], both["deals_closed_before"]
    won1, n1 = both["deals_won"], both["deals_closed"]
    pooled = (won0 + won1) / (n0 + n1).where(n0 + n1 > 0)
    spread = (pooled * (1 - pooled) * (1 / n0.where(n0 > 0) + 1 / n1.where(n1 > 0))) ** 0.5
    both["actual"] = ((won0 / n0.where(n0 > 0) - won1 / n1.where(n1 > 0))
                      / spread.where(spread > 0)).astype(float)
    both = both.dropna(subset=["actual"]).sort_values(["rep", "actual"], ascending=[True, False],
                                                      kind="stable")
    worst = both.groupby("rep", as_index=False).head(1)
    return pd.DataFrame({
        "rep": worst["rep"], "kpi": "segment_win_rate_drop", "actual": worst["actual"],
        "denominator": worst["deals_closed"].astype(float),
        "words": [{"segment": seg, "before": f"{w0 / c0:.0%}", "after": f"{w1 / c1:.0%}",
                   "before_deals": f"{w0:.0f} of {c0:.0f}", "after_deals": f"{w1:.0f} of {c1:.0f}"}
                  for seg, w0, c0, w1, c1 in zip(worst["segment"], worst["deals_won_before"],
                                                 worst["deals_closed_before"],
                                                 worst["deals_won"], worst["deals_closed"])]})


def _rule_kpis(rules) -> tuple[str, ...]:
    return tuple(sorted({n for r in _rules(rules) for n in r.kpis}))


def evidence(workbook, *, rep: str, period: str, rules=None) -> pd.DataFrame:
    """The KPI values the rules look at for one rep: actual, target, previous,
    last year and the team median, one row per KPI."""
    frame = _evidence(workbook, period=period, kpis=_rule_kpis(rules))
    return frame[frame["rep"] == rep].reset_index(drop=True)


def prepare(workbook, *, period: str, rules=None) -> None:
    """Compute every rep's rule evidence for ``period`` at once (a batch's shared work),
    so each rep's findings only filter it."""
    _evidence(workbook, period=period, kpis=_rule_kpis(rules))


def _rules(rules) -> list[Rule]:
    return rules if isinstance(rules, list) else load_rules(rules)


def findings(workbook, *, rep: str, period: str, rules=None) -> pd.DataFrame:
    """Every rule that fires for ``rep`` in ``period``: strengths first, then points to
    develop, each with its text, the numbers behind it and a proposed action.

    ``rules`` is a path to a rules file, a list of :class:`Rule`, or None for
    the default file. Columns: rep, period, kind, rule, kpi, label, actual, reference,
    reference_value, text, action, owner, due, criterion, direction (which way the KPI
    should move).
    """
    rules = _rules(rules)
    facts = evidence(workbook, rep=rep, period=period, rules=rules).set_index("kpi")
    following = Period.parse(period).shift(1)
    due_default = following.last.date()
    following = following.label
    rows = []
    for rule in rules:
        for name in rule.kpis:
            if name not in facts.index:
                continue
            row = facts.loc[name]
            actual = row["actual"]
            reference = rule.factor if rule.reference == "value" else row[rule.reference]
            size = row.get("denominator") if pd.notna(row.get("denominator")) else actual
            if pd.isna(actual) or pd.isna(reference) or (pd.notna(size) and size < rule.min):
                continue
            threshold = reference if rule.reference == "value" else rule.factor * reference
            if not OPS[rule.op](actual, threshold):
                continue
            values = {k: format_value(row.get(k), row["unit"], short=True, missing="n/a") for k in
                      ("actual", "target", "previous", "team_median", "last_year")}
            due = due_default if rule.due is None else (
                kpi.data_date(workbook) + pd.Timedelta(days=int(rule.due.split()[0]))).date()
            values.update(goal=format_value(_goal(rule, actual, reference, row["unit"]),
                                            row["unit"], short=True, missing="n/a"),
                          due=str(due))
            deals = row.get("deals")
            values.update(label=row["label"], rep=rep, period=period, next_period=following,
                          reference=format_value(reference, row["unit"], short=True, missing="n/a"),
                          deals=_listing(deals if isinstance(deals, list) else []))
            words = row.get("words")
            values.update(words if isinstance(words, dict) else {})
            rows.append({
                "rep": rep, "period": period, "kind": rule.kind, "rule": rule.name,
                "kpi": name, "label": row["label"], "actual": float(actual),
                "reference": rule.reference, "reference_value": float(reference),
                "text": _fill(rule, "text", values), "action": _fill(rule, "action", values),
                "owner": rep, "due": due, "criterion": _fill(rule, "criterion", values),
                "direction": _direction(rule)})
    columns = ["rep", "period", "kind", "rule", "kpi", "label", "actual", "reference",
               "reference_value", "text", "action", "owner", "due", "criterion", "direction"]
    return pd.DataFrame(rows, columns=columns)


def _goal(rule: Rule, actual: float, reference: float, unit: str) -> float:
    """What success means next period: for a strength, at least the level reached (never
    the lower level that made it one); for a point to develop, the reference it fell
    short of. Counts are whole numbers, and a goal is never one that is always met."""
    up = _direction(rule) == "up"
    if rule.kind == "strength":
        goal = max(actual, reference) if up else min(actual, reference)
    else:
        goal = reference
    if unit == "count":
        goal = math.ceil(goal - 1e-9) if up else math.floor(goal + 1e-9)
        goal = max(goal, 1) if up else max(goal, 0)
    return goal


def _direction(rule: Rule) -> str:
    """Which way the KPI should move next: a strength's way, or away from a weakness."""
    rising = rule.op in (">", ">=")
    return "up" if rising == (rule.kind == "strength") else "down"


def _listing(ids: list, shown: int = 10) -> str:
    more = f" and {len(ids) - shown} more" if len(ids) > shown else ""
    return ", ".join(ids[:shown]) + more


def _fill(rule: Rule, field_name: str, values: dict) -> str:
    try:
        return getattr(rule, field_name).format(**values)
    except (KeyError, IndexError, ValueError) as exc:
        raise RulesError(f"{rule.source}: rule {rule.name!r}, field {field_name!r}: "
                         f"cannot fill {exc}; use {sorted(values)}") from exc


def proposed_actions(found: pd.DataFrame) -> pd.DataFrame:
    """The actions the findings propose: what, who, by when and how success is measured.
    An action two findings propose (one rule over two KPIs) is listed once, with both
    criteria and the earlier due date."""
    columns = ["kind", "rule", "action", "owner", "due", "criterion"]
    if found.empty:
        return found[columns].reset_index(drop=True)
    merged = found.groupby(["owner", "action"], sort=False, as_index=False).agg(
        kind=("kind", "first"), rule=("rule", "first"), due=("due", "min"),
        criterion=("criterion", lambda c: "; ".join(dict.fromkeys(c))))
    return merged[columns]
