"""A deal's outcome from its stage, as CRM exports with one stage column need; every
contradiction flagged, nothing silently settled."""

import pandas as pd
import pytest

import salesanalysis as sa
from salesanalysis import kpi
from salesanalysis.kpi.registry import missing

REPS = pd.DataFrame({"rep_id": ["R1", "R2"], "name": ["Ana", "Ben"], "role": "field"})


def deals(stages, closes=None, **more):
    n = len(stages)
    return pd.DataFrame({"opportunity_id": [f"O{i}" for i in range(1, n + 1)],
                         "rep_id": ["R1", "R2"] * (n // 2) + ["R1"] * (n % 2),
                         "created_at": "2024-01-05", "stage": stages,
                         "expected_close": closes or ["2024-03-10"] * n,
                         "amount": [100.0 * (i + 1) for i in range(n)], **more})


def outcomes(workbook):
    frame = workbook.to_pandas("opportunities").sort_values("opportunity_id")
    return dict(zip(frame["stage"], frame["outcome"]))


def test_a_single_stage_column_gives_won_lost_and_open(workbook):
    stages = ["Closed Won", "closed-lost", "Proposal", "Gagné", "Verloren", "CLOSED_WON",
              "Negotiation/Review"]
    report = workbook.import_data({"reps": REPS, "opportunities": deals(stages)})
    assert outcomes(workbook) == {"Closed Won": "won", "closed-lost": "lost",
                                  "Proposal": "open", "Gagné": "won", "Verloren": "lost",
                                  "CLOSED_WON": "won", "Negotiation/Review": "open"}
    assert report.flags.empty
    # won: O1 (100), O4 (400), O6 (600), closed on their close date in March
    march = kpi.compute(workbook, ["revenue", "deals_won", "deals_lost"], by=None,
                        start="2024-03-01", end="2024-03-31")
    assert march[["revenue", "deals_won", "deals_lost"]].iloc[0].tolist() == [1100.0, 3, 2]


def test_the_stages_table_says_which_stages_close(workbook):
    stages = pd.DataFrame({"stage": ["Qualify", "Signed", "Gone quiet"],
                           "position": [1, 2, 3], "probability": [0.2, 1.0, 0.0],
                           "is_closed": [False, True, True], "is_won": [False, True, False]})
    workbook.import_data({"reps": REPS, "stages": stages,
                          "opportunities": deals(["Qualify", "Signed", "Gone quiet", "Won"])})
    assert outcomes(workbook) == {"Qualify": "open", "Signed": "won", "Gone quiet": "lost",
                                  "Won": "won"}


def test_a_mapping_names_its_own_won_and_lost_stages(workbook, tmp_path):
    mapping = tmp_path / "map.yaml"
    mapping.write_text("tables:\n  opportunities:\n    won_stages: [Auftrag erteilt]\n"
                       "    lost_stages: ['Absage (Preis)']\n")
    workbook.import_data({"reps": REPS})
    workbook.import_data({"opportunities": deals(["Auftrag erteilt", "absage preis",
                                                  "Angebot"])}, mapping=mapping)
    assert outcomes(workbook) == {"Auftrag erteilt": "won", "absage preis": "lost",
                                  "Angebot": "open"}


def test_an_outcome_against_its_stage_is_kept_and_flagged(workbook):
    frame = deals(["Closed Won", "Proposal", "Closed Lost"],
                  outcome=["open", "open", "won"], closed_at=[None, None, "2024-03-01"])
    report = workbook.import_data({"reps": REPS, "opportunities": frame})
    assert outcomes(workbook) == {"Closed Won": "open", "Proposal": "open",
                                  "Closed Lost": "won"}
    flags = report.flags.sort_values("row")
    assert flags[["row", "reason"]].values.tolist() == [[1, "outcome_contradicts_stage"],
                                                        [3, "outcome_contradicts_stage"]]
    assert "the stage 'Closed Won' says won but the outcome is open" in flags["message"].iloc[0]


def test_a_closed_deal_without_any_close_date_is_flagged(workbook):
    report = workbook.import_data({"reps": REPS, "opportunities": deals(
        ["Closed Won", "Closed Lost"], closes=[None, "2024-02-02"])})
    assert report.flags[["row", "column", "reason"]].values.tolist() == [
        [1, "closed_at", "closed_without_date"]]
    closed = workbook.to_pandas("opportunities").set_index("stage")["closed_at"]
    assert pd.isna(closed["Closed Won"])
    assert closed["Closed Lost"] == pd.Timestamp("2024-02-02")


@pytest.mark.parametrize("spec,message", [
    ("tables:\n  reps:\n    won_stages: [x]\n", "line 3: tables.reps: unknown key 'won_stages'"),
    ("tables:\n  opportunities:\n    won_stages: Won\n", "won_stages must be a list"),
])
def test_stage_lists_in_a_mapping_are_checked(workbook, tmp_path, spec, message):
    mapping = tmp_path / "map.yaml"
    mapping.write_text(spec)
    with pytest.raises(sa.MappingError) as caught:
        workbook.import_data({"reps": REPS}, mapping=mapping)
    assert message in str(caught.value)


def test_without_a_stages_table_one_is_derived_in_pipeline_order(workbook):
    # written out of order; every name is a known pipeline stage
    report = workbook.import_data({"reps": REPS, "opportunities": deals(
        ["Negotiation", "Closed Lost", "Qualification", "Closed Won", "Proposal", "Closed Won"])})
    stages = workbook.to_pandas("stages").sort_values("position")
    assert list(stages["stage"]) == ["Qualification", "Proposal", "Negotiation",
                                     "Closed Lost", "Closed Won"]
    assert list(stages["position"]) == [1, 2, 3, 4, 5]
    assert stages.set_index("stage")[["is_closed", "is_won"]].loc["Closed Won"].tolist() == [
        True, True]
    assert not stages.set_index("stage").loc["Closed Lost", "is_won"]
    assert stages["probability"].isna().all()  # unknown, not invented
    assert any("5 derived" in note for note in report.notes)
    pipeline = kpi.open_pipeline(workbook, by=None)
    assert pipeline["open_pipeline"].iloc[0] == 100 + 300 + 500  # the three open deals
    assert pipeline["weighted_pipeline"].isna().all()
    assert "column stages.probability (no values)" in missing(
        workbook, kpi.get("weighted_pipeline").columns)


def test_unknown_stage_names_keep_their_first_appearance_closed_last(workbook):
    workbook.import_data({"reps": REPS, "opportunities": deals(
        ["Won", "Step B", "Step A", "Step B", "Lost"])})
    stages = workbook.to_pandas("stages").sort_values("position")
    assert list(stages["stage"]) == ["Step B", "Step A", "Won", "Lost"]


def test_a_stages_table_imported_later_replaces_nothing_it_does_not_name(workbook):
    workbook.import_data({"reps": REPS, "opportunities": deals(["Proposal", "Won"])})
    table = pd.DataFrame({"stage": ["Proposal", "Won"], "position": [1, 2],
                          "probability": [0.4, 1.0], "is_closed": [False, True],
                          "is_won": [False, True]})
    workbook.import_data({"stages": table})
    stored = workbook.to_pandas("stages").set_index("stage")
    assert stored["probability"].to_dict() == {"Proposal": 0.4, "Won": 1.0}
