"""A small company's two spreadsheets (deals and calls, names as ids, minutes) go in with
the shipped spreadsheet mapping: ids are made from the rows, reps from the names,
durations in seconds."""

import pandas as pd
import pytest

import salesanalysis as sa
from builders import problems_of, two_spreadsheets
from salesanalysis import kpi
from salesanalysis.layout import TEMPLATES

MAPPING = TEMPLATES / "mappings" / "spreadsheet.yaml"  # the shipped one


@pytest.fixture
def spreadsheets(tmp_path):
    return two_spreadsheets(tmp_path)


def test_two_spreadsheets_import_with_generated_ids_and_reps_from_names(workbook,
                                                                       spreadsheets):
    report = workbook.import_data(spreadsheets, mapping=MAPPING)
    assert [(r.table, r.rows_read, r.accepted) for r in report.results] == [
        ("opportunities", 4, 4), ("activities", 2, 2)]
    assert sorted(workbook.to_pandas("reps")["rep_id"]) == ["Ann Lee", "Tom Baker"]
    assert report.flags[["row", "reason", "value"]].values.tolist() == [
        [4, "name_spelling", "tom baker"]]
    calls = workbook.to_pandas("activities").set_index("rep_id")["duration_s"]
    assert calls.to_dict() == {"Tom Baker": 720.0, "Ann Lee": 210.0}
    # February: Tom won 800 (the misspelt row counts for him); Ann lost one in February
    feb = kpi.compute(workbook, ["revenue", "deals_won", "deals_lost"], by="rep",
                      start="2025-02-01", end="2025-02-28").set_index("rep")
    assert feb.loc["Tom Baker", ["revenue", "deals_won"]].tolist() == [2000.0, 2]
    assert feb.loc["Ann Lee", ["revenue", "deals_lost"]].tolist() == [0.0, 1]


def test_importing_the_same_spreadsheets_again_changes_nothing(workbook, spreadsheets):
    for _ in range(2):
        workbook.import_data(spreadsheets, mapping=MAPPING)
    assert len(workbook.to_pandas("opportunities")) == 4
    assert len(workbook.to_pandas("activities")) == 2
    ids = workbook.to_pandas("opportunities")["opportunity_id"]
    assert ids.str.match(r"^O-[0-9a-f]{12}$").all()


def test_a_deal_updated_in_the_sheet_stays_one_deal(workbook, spreadsheets):
    workbook.import_data(spreadsheets, mapping=MAPPING)
    before = workbook.to_pandas("opportunities").set_index("customer_id")["opportunity_id"]
    deals = spreadsheets / "deals.csv"
    # Delta's deal was won and its amount agreed; the salesperson's name was tidied
    deals.write_text(deals.read_text().replace(
        "2025-02-02,Ann Lee,Delta,Proposal,300,", "2025-02-02,ann  lee,Delta,Won,350,2025-03-01"))
    workbook.import_data(spreadsheets, mapping=MAPPING)
    after = workbook.to_pandas("opportunities").set_index("customer_id")
    assert len(after) == 4 and after["opportunity_id"].to_dict() == before.to_dict()
    assert after.loc["Delta", ["outcome", "amount"]].tolist() == ["won", 350.0]


def test_a_line_entered_twice_is_kept_twice_and_flagged(workbook, spreadsheets):
    calls = spreadsheets / "calls.csv"
    calls.write_text(calls.read_text() + "2025-02-05,Tom Baker,Acme,12\n")
    for _ in range(2):  # and importing it again still gives three calls, with the same ids
        report = workbook.import_data(spreadsheets, mapping=MAPPING)
        stored = workbook.to_pandas("activities")
        assert len(stored) == 3 and stored["activity_id"].is_unique
        repeated = report.flags[report.flags["reason"] == "repeated_row"]
        assert repeated[["table", "row"]].values.tolist() == [["activities", 4]]
        assert "the same values as row 2" in repeated["message"].item()
    assert kpi.compute(workbook, "calls", by="rep", start="2025-02-01",
                       end="2025-02-28").set_index("rep")["calls"].to_dict() == {
        "Tom Baker": 2, "Ann Lee": 1}


def test_once_reps_are_imported_an_unknown_name_is_rejected(workbook, spreadsheets):
    workbook.import_data({"reps": pd.DataFrame({"rep_id": ["Tom Baker"], "name": ["Tom"]})})
    report = workbook.import_data(spreadsheets, mapping=MAPPING)
    assert (3, "rep_id", "unknown_reference") in problems_of(report, "opportunities")
    assert sorted(workbook.to_pandas("reps")["rep_id"]) == ["Tom Baker"]


@pytest.mark.parametrize("spec,message", [
    ("tables:\n  activities:\n    units: {duration_s: fortnights}\n", "unknown unit"),
    ("tables:\n  targets:\n    generate_ids: true\n", "cannot be generated"),
])
def test_units_and_generated_ids_are_checked(workbook, tmp_path, spec, message):
    (tmp_path / "map.yaml").write_text(spec)
    with pytest.raises(sa.MappingError, match=message):
        workbook.import_data({"reps": pd.DataFrame({"rep_id": ["R1"], "name": ["a"]})},
                             mapping=tmp_path / "map.yaml")


def test_a_totals_row_under_the_deals_is_left_out_and_counted(workbook, spreadsheets):
    deals = spreadsheets / "deals.csv"
    deals.write_text(deals.read_text() + ",,,,,\nTotal,,,,2800,\n")
    report = workbook.import_data(spreadsheets, mapping=MAPPING)
    assert report.exit_code == 0
    deals_read = report.results[0]
    # 4 deals, a line of separators and the totals row: neither is a deal
    assert (deals_read.rows_read, deals_read.accepted, deals_read.excluded) == (6, 4, 2)
    assert "excluded 2 (1 totals row, 1 empty row)" in str(report)
    assert workbook.to_pandas("opportunities")["amount"].sum() == 2800
