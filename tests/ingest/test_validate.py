"""Every validation rule, each with a bad row: right row and reason, good rows kept."""

import pandas as pd
import pytest

import salesanalysis as sa
from builders import problems_of


def activities(**overrides):
    base = {"activity_id": ["A1", "A2", "A3"], "rep_id": ["R1", "R1", "R2"],
            "activity_type": ["call", "visit", "email"],
            "occurred_at": ["2024-01-02", "2024-01-03", "2024-01-04"]}
    base.update(overrides)
    return pd.DataFrame(base)


def load(workbook, reps, table, frame, **options):
    return workbook.import_data({"reps": reps, table: frame}, **options)


def assert_reconciles(report):
    for r in report.results:
        assert r.accepted + r.rejected == r.rows_read, r


@pytest.mark.parametrize("column,bad,reason", [
    ("activity_type", "fax", "not_allowed"),
    ("occurred_at", "not a date", "bad_date"),
    ("occurred_at", "1850-01-01", "implausible_date"),
    ("occurred_at", None, "missing_value"),
    ("rep_id", "R9", "unknown_reference"),
    ("activity_id", None, "missing_value"),
])
def test_a_bad_value_rejects_its_row_only(workbook, reps, column, bad, reason):
    frame = activities()
    frame.loc[1, column] = bad
    report = load(workbook, reps, "activities", frame)
    assert problems_of(report, "activities") == [(2, column, reason)]
    assert workbook.to_pandas("activities")["activity_id"].tolist() == ["A1", "A3"]
    assert_reconciles(report)


@pytest.mark.parametrize("value,reason", [
    ("-5", "below_minimum"), ("five", "bad_number"), ("1,5", "bad_number")])
def test_numbers_are_checked(workbook, reps, value, reason):
    frame = activities(duration_s=["60", value, "30"])
    report = load(workbook, reps, "activities", frame)
    assert problems_of(report, "activities") == [(2, "duration_s", reason)]
    assert report.rejects.loc[0, "value"] == value


def test_probability_above_one_and_bad_boolean(workbook, reps):
    stages = pd.DataFrame({"stage": ["lead", "won"], "position": [1, 2],
                           "probability": ["0.1", "1.5"], "is_closed": ["no", "maybe"]})
    report = load(workbook, reps, "stages", stages)
    assert problems_of(report, "stages") == [(2, "is_closed", "bad_boolean"),
                                             (2, "probability", "above_maximum")]


def test_closed_before_created_is_rejected(workbook, reps):
    opps = pd.DataFrame({"opportunity_id": ["O1", "O2"], "rep_id": ["R1", "R1"],
                         "created_at": ["2024-02-01", "2024-02-01"],
                         "closed_at": ["2024-03-01", "2024-01-15"],
                         "outcome": ["won", "lost"]})
    report = load(workbook, reps, "opportunities", opps)
    assert problems_of(report, "opportunities") == [(2, "closed_at", "closed_before_created")]


def test_target_period_form(workbook, reps):
    targets = pd.DataFrame({"period": ["2024-03", "2024-Q5", "2024-W05", "March"],
                            "scope_level": "rep", "scope_id": "R1", "metric": "revenue",
                            "value": [1, 2, 3, 4]})
    report = load(workbook, reps, "targets", targets)
    assert problems_of(report, "targets") == [(2, "period", "bad_format"),
                                              (4, "period", "bad_format")]


def test_exact_duplicates_keep_the_first_and_conflicts_reject_all(workbook, reps):
    frame = pd.DataFrame({"activity_id": ["A1", "A1", "A2", "A2", "A3"],
                          "rep_id": "R1", "activity_type": ["call", "call", "call", "visit", "email"],
                          "occurred_at": "2024-01-02"})
    report = load(workbook, reps, "activities", frame)
    assert problems_of(report, "activities") == [
        (2, "activity_id", "duplicate_row"),
        (3, "activity_id", "duplicate_key"), (4, "activity_id", "duplicate_key")]
    assert "rows 3, 4" in report.rejects["message"].iloc[-1]
    assert sorted(workbook.to_pandas("activities")["activity_id"]) == ["A1", "A3"]
    assert_reconciles(report)


def test_every_problem_of_a_row_is_reported_at_once(workbook, reps):
    frame = activities(activity_type=["call", "fax", "call"],
                       occurred_at=["2024-01-02", "bad", "2024-01-03"],
                       rep_id=["R1", "R9", "R1"])
    report = load(workbook, reps, "activities", frame)
    assert problems_of(report, "activities") == [
        (2, "activity_type", "not_allowed"), (2, "occurred_at", "bad_date"),
        (2, "rep_id", "unknown_reference")]
    assert report.to_frame().set_index("table").loc["activities", "rejected"] == 1


def test_missing_optional_reference_is_accepted_and_flagged(workbook, reps):
    customers = pd.DataFrame({"customer_id": ["C1"]})
    frame = activities(customer_id=["C1", "C2", None])
    report = workbook.import_data({"reps": reps, "customers": customers, "activities": frame})
    assert report.ok
    assert list(zip(report.flags["row"], report.flags["reason"])) == [(2, "unknown_reference")]
    assert len(workbook.to_pandas("activities")) == 3
    assert len(workbook.flags()) == 1


def test_missing_required_column_rejects_the_whole_file(workbook, reps):
    frame = activities().drop(columns="occurred_at")
    report = load(workbook, reps, "activities", frame)
    summary = report.to_frame().set_index("table").loc["activities"]
    assert (summary["rows_read"], summary["accepted"], summary["rejected"]) == (3, 0, 3)
    assert report.rejects["reason"].tolist() == ["missing_column"]
    assert "activity_id" in report.rejects["message"].iloc[0]


def test_defaults_fill_absent_columns(workbook, reps):
    load(workbook, reps, "activities", activities())
    assert set(workbook.to_pandas("activities")["status"]) == {"done"}


def test_strict_raises_with_every_problem_and_stores_nothing(workbook, reps):
    frame = activities(activity_type=["fax", "call", "telex"])
    with pytest.raises(sa.DataValidationError) as info:
        load(workbook, reps, "activities", frame, strict=True)
    problems = info.value.problems
    assert list(zip(problems["row"], problems["reason"])) == [(1, "not_allowed"),
                                                              (3, "not_allowed")]
    assert "telex" in str(info.value)
    assert workbook.row_counts()["reps"] == 0


def test_unused_source_columns_are_reported(workbook, reps):
    report = load(workbook, reps, "activities", activities(Mood=["ok", "ok", "ok"]))
    assert report.unused_columns == {"<DataFrame activities>": ["Mood"]}
    assert "Mood" in report._repr_html_()
