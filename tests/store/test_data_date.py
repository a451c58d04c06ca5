"""The data date is where the data stands: the latest event, or the as-of date an import
was given; reps, targets and actions never move it."""

import pandas as pd

import salesanalysis as sa

REPS = pd.DataFrame({"rep_id": ["R1"], "name": ["Ana"], "role": ["field"]})
DEALS = pd.DataFrame({"opportunity_id": ["O1", "O2"], "rep_id": "R1",
                      "created_at": ["2017-01-10", "2017-02-01"],
                      "closed_at": ["2017-05-20", None], "outcome": ["won", "open"],
                      "amount": [100.0, 50.0]})
CALLS = pd.DataFrame({"activity_id": ["A1", "A2"], "rep_id": "R1",
                      "activity_type": "call", "occurred_at": ["2017-04-02", "2031-01-01"],
                      "status": ["done", "planned"]})


def test_a_historical_export_stands_at_its_latest_event(workbook):
    workbook.import_data({"reps": REPS, "opportunities": DEALS, "activities": CALLS})
    assert workbook.data_date_source() == (pd.Timestamp("2017-05-20"),
                                           "the latest event in the data")
    snapshots = workbook.to_pandas("opportunity_history")
    assert set(snapshots["changed_at"]) == {pd.Timestamp("2017-05-20")}


def test_reps_targets_and_actions_alone_do_not_move_it(workbook):
    workbook.import_data({"reps": REPS, "opportunities": DEALS}, as_of="2017-06-30")
    workbook.import_data({"reps": REPS.assign(name="Ana B.")}, as_of="2026-01-01")
    workbook.import_data({"targets": pd.DataFrame({
        "period": ["2017-06"], "scope_level": "rep", "scope_id": "R1", "metric": "revenue",
        "value": [10.0]})})
    sa.analyses.actions.add(workbook, rep="R1", text="Call back", period="2017-06")
    assert workbook.data_date_source() == (pd.Timestamp("2017-06-30"),
                                           "the as-of date of import 1")


def test_a_later_import_of_events_decides(workbook):
    workbook.import_data({"reps": REPS, "opportunities": DEALS}, as_of="2017-06-30")
    workbook.import_data({"activities": CALLS.assign(occurred_at=["2018-02-03", None],
                                                     status=["done", "done"])[:1]})
    assert workbook.data_date() == pd.Timestamp("2018-02-03")


def test_an_empty_workbook_stands_at_today(workbook):
    date, source = workbook.data_date_source()
    assert date == pd.Timestamp.today().normalize() and source.startswith("today")
