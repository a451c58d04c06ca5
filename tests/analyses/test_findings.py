"""Findings rules fire and stay silent on hand-made numbers; rules files fail clearly."""

import pytest

from salesanalysis.analyses import findings
from salesanalysis.analyses.findings import load_rules
from salesanalysis.errors import RulesError

from builders import build
from builders import FIELD_REPS as REPS, FINDINGS_RULES, opp

@pytest.fixture
def rules(rules_path):
    return load_rules(rules_path)


def test_each_rule_fires_for_the_right_rep_and_cites_its_numbers(march_wb, rules):
    r1 = findings.findings(march_wb, rep="R1", period="2025-03", rules=rules)
    assert list(r1["rule"]) == ["target_beaten"]  # 1,200 < 1.5 x 850: no team_leader
    assert r1["text"].iloc[0] == "Revenue beat target: 1,200 against 1,000."
    assert r1["criterion"].iloc[0] == "Revenue >= 1,000 in 2025-04"
    assert (r1["actual"].iloc[0], r1["reference_value"].iloc[0]) == (1200, 1000)
    r2 = findings.findings(march_wb, rep="R2", period="2025-03", rules=rules)
    assert list(r2["rule"]) == ["behind_target"]
    row = r2.iloc[0]
    assert row["kind"] == "development" and row["owner"] == "R2"
    assert row["text"] == "Revenue at 500 against a target of 1,000."
    assert str(row["due"]) == "2025-04-09"  # 7 days after the data date


def test_evidence_holds_target_previous_and_team_median(march_wb, rules):
    ev = findings.evidence(march_wb, rep="R1", period="2025-03", rules=rules).set_index("kpi")
    assert ev.loc["revenue", ["actual", "target", "previous", "team_median"]].tolist() == [
        1200, 1000, 600, 850]


def test_proposed_actions_have_owner_due_date_and_criterion(march_wb, rules):
    actions = findings.proposed_actions(findings.findings(march_wb, rep="R2", period="2025-03",
                                                          rules=rules))
    assert actions.columns.tolist() == ["kind", "rule", "action", "owner", "due", "criterion"]
    assert actions["action"].iloc[0] == "Agree a next step on every deal due in 2025-04."


def test_a_bad_rules_file_lists_every_problem_with_its_place(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("strengths:\n  - name: a\n    kpis: [nope]\n    op: '=='\n"
                    "    reference: boss\n    factor: 1\n    text: t\n    action: a\n"
                    "developments:\n  - name: b\n    kpis: [revenue]\n")
    with pytest.raises(RulesError) as err:
        load_rules(path)
    text = str(err.value)
    assert text.startswith(f"{path}: ")
    for part in ("strengths[0] (a): missing field 'criterion'", "unknown KPI 'nope'",
                 "op '==' is not one of", "reference 'boss' is not one of",
                 "developments[0] (b): missing field 'op'"):
        assert part in text


def test_a_placeholder_the_rule_cannot_fill_names_file_and_rule(march_wb, tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text(FINDINGS_RULES.replace("{label} beat target", "{colour} beat target"))
    with pytest.raises(RulesError, match=r"r.yaml: rule 'target_beaten', field 'text'"):
        findings.findings(march_wb, rep="R1", period="2025-03", rules=path)


def test_the_shipped_rules_load():
    names = {r.name for r in load_rules()}
    assert {"contact_inflation", "inconsistent_prospecting", "stalled_deals",
            "few_referral_requests", "rising_complaints", "target_beaten"} <= names


SEGMENT_RULE = """
developments:
  - name: collapsed_segment
    kpis: [segment_win_rate_drop]
    op: ">="
    reference: value
    factor: 2.5
    min: 8
    text: "Win rate in {segment} fell from {before} ({before_deals}) to {after} ({after_deals})."
    action: "Go through the lost {segment} deals of {period}."
    criterion: "win rate in {segment} at {before} or more in {next_period}"
"""


def test_a_win_rate_fall_in_one_segment_fires_for_that_rep_only(tmp_path):
    # R1's Mid deals: 4 of 5 won in February, 0 of 8 in March (z = 0.8 / 0.264 = 3.03);
    # R2's: 2 of 5 then 3 of 8, no fall worth a word
    custs = [{"customer_id": "CM", "segment": "Mid", "territory": "West"}]
    deals, n = [], 0
    for rep, month, won, lost in (("R1", "02", 4, 1), ("R1", "03", 0, 8),
                                  ("R2", "02", 2, 3), ("R2", "03", 3, 5)):
        for outcome, count in (("won", won), ("lost", lost)):
            for _ in range(count):
                n += 1
                deals.append(opp(n, rep, "2025-01-01", outcome, f"2025-{month}-10",
                                 customer="CM"))
    book = build(as_of="2025-04-02", reps=REPS, customers=custs, opportunities=deals)
    path = tmp_path / "rules.yaml"
    path.write_text(SEGMENT_RULE)
    r1 = findings.findings(book, rep="R1", period="2025-03", rules=str(path))
    assert r1["text"].tolist() == ["Win rate in Mid fell from 80% (4 of 5) to 0% (0 of 8)."]
    assert r1["actual"].iloc[0] == pytest.approx(0.8 / ((4 / 13) * (9 / 13) * (1 / 5 + 1 / 8)) ** 0.5)
    assert findings.findings(book, rep="R2", period="2025-03", rules=str(path)).empty
    # fewer than 8 deals in the period: silent
    path.write_text(SEGMENT_RULE.replace("min: 8", "min: 9"))
    assert findings.findings(book, rep="R1", period="2025-03", rules=str(path)).empty


@pytest.mark.parametrize("kind,op,actual,reference,unit,goal", [
    # a strength keeps at least the level reached, not the lower one that made it one
    ("strength", ">=", 0.64, 0.21, "ratio", 0.64),
    ("strength", ">=", 14, 7, "count", 14),
    # a point to develop reaches the reference it fell short of, in whole counts
    ("development", "<", 3, 4.5, "count", 5),
    ("development", "<", 0, 0.4, "count", 1),  # never "at least 0": always met
    ("development", "<", 0.12, 0.3, "ratio", 0.3),
    # lower is better: a count goal rounds down, and may be 0
    ("development", ">", 5, 2.5, "count", 2),
])
def test_success_criteria_are_goals_worth_agreeing(kind, op, actual, reference, unit, goal):
    rule = findings.Rule("r", kind, ("k",), op, "team_median", 1.0, "t", "a", "{goal}")
    assert findings._goal(rule, actual, reference, unit) == pytest.approx(goal)
