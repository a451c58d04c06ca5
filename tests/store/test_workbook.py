"""The store: idempotent, transactional imports, snapshots, concurrent readers."""

import subprocess
import sys

import pandas as pd
import pytest

import salesanalysis as sa

OPPS = pd.DataFrame({"opportunity_id": ["O1", "O2"], "rep_id": ["R1", "R2"],
                     "created_at": ["2024-01-05", "2024-01-06"], "stage": ["lead", "proposal"],
                     "amount": [100.0, 200.0], "expected_close": ["2024-03-01", "2024-03-15"]})


def test_same_data_twice_creates_no_duplicates_and_changes_update(tmp_path, reps):
    path = tmp_path / "wb.duckdb"
    with sa.open_workbook(path) as wb:
        wb.import_data({"reps": reps, "opportunities": OPPS}, as_of="2024-02-01")
        wb.import_data({"reps": reps, "opportunities": OPPS}, as_of="2024-02-01")
        assert wb.row_counts()["opportunities"] == 2
        assert wb.row_counts()["reps"] == 2
        assert len(wb.to_pandas("opportunity_history")) == 2
        changed = OPPS.assign(amount=[100.0, 250.0], stage=["lead", "negotiation"])
        wb.import_data({"opportunities": changed}, as_of="2024-02-08")
        opps = wb.to_pandas("opportunities").set_index("opportunity_id")
        assert opps.loc["O2", "amount"] == 250.0 and opps.loc["O2", "stage"] == "negotiation"
        assert len(opps) == 2
        history = wb.to_pandas("opportunity_history").sort_values(["opportunity_id", "changed_at"])
        assert history[history.opportunity_id == "O2"][["stage", "amount"]].values.tolist() == [
            ["proposal", 200.0], ["negotiation", 250.0]]
        assert set(history["kind"]) == {"snapshot"}
        assert wb.imports()["import_id"].tolist() == [1, 2, 3]


def snapshot(wb):
    return {t: wb.to_pandas(t).sort_values(sa.SCHEMAS[t].column_names[0]).reset_index(drop=True)
            for t in sa.TABLE_ORDER} | {"imports": wb.imports(), "rejects": wb.rejects()}


def test_a_failing_import_leaves_the_workbook_exactly_as_it_was(tmp_path, reps):
    with sa.open_workbook(tmp_path / "wb.duckdb") as wb:
        wb.import_data({"reps": reps, "opportunities": OPPS})
        before = snapshot(wb)
        changed = OPPS.assign(amount=[1.0, 2.0])
        bad_csv = tmp_path / "src"
        bad_csv.mkdir()
        changed.to_csv(bad_csv / "opportunities.csv", index=False)
        (bad_csv / "activities.csv").write_text("activity_id,rep_id\nA1,R1,extra\n")
        with pytest.raises(sa.SourceError):
            wb.import_data(bad_csv)
        with pytest.raises(sa.DataValidationError):
            wb.import_data({"opportunities": changed.assign(stage=None, amount=[-1.0, 2.0])},
                           strict=True)
        after = snapshot(wb)
    for name in before:
        pd.testing.assert_frame_equal(before[name], after[name], obj=name)


def test_read_only_workbooks_refuse_imports_and_missing_files(tmp_path, reps):
    path = tmp_path / "wb.duckdb"
    with sa.open_workbook(path) as wb:
        wb.import_data({"reps": reps})
    with sa.open_workbook(path, read_only=True) as wb:
        with pytest.raises(sa.WorkbookError, match="read-only"):
            wb.import_data({"reps": reps})
        assert wb.row_counts()["reps"] == 2
    with pytest.raises(sa.WorkbookError, match="not found"):
        sa.open_workbook(tmp_path / "nope.duckdb", read_only=True)
    (tmp_path / "junk.duckdb").write_text("not a database")
    with pytest.raises(sa.WorkbookError, match="cannot open workbook"):
        sa.open_workbook(tmp_path / "junk.duckdb")


READER = """
import sys, time, salesanalysis as sa
with sa.open_workbook(sys.argv[1], read_only=True) as wb:
    time.sleep(1.0)  # hold the file open while the others open it too
    print(wb.activities.count().execute())
"""


def test_several_processes_read_one_workbook_at_once(tmp_path, reps):
    path = tmp_path / "wb.duckdb"
    acts = pd.DataFrame({"activity_id": [f"A{i}" for i in range(50)], "rep_id": "R1",
                         "activity_type": "call", "occurred_at": "2024-01-02"})
    with sa.open_workbook(path) as wb:
        wb.import_data({"reps": reps, "activities": acts})
    procs = [subprocess.Popen([sys.executable, "-c", READER, str(path)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(4)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], outputs
    assert [out.strip() for out, _ in outputs] == ["50"] * 4


def test_tables_are_ibis_expressions_with_pandas_out(workbook, reps):
    workbook.import_data({"reps": reps})
    expr = workbook.reps.filter(workbook.reps.role == "field")
    assert expr.execute()["name"].tolist() == ["Ana"]
    with pytest.raises(KeyError, match="canonical tables are"):
        workbook.table("deals")
    assert "activities" in dir(workbook)


def test_from_frames_keeps_the_report(reps):
    wb = sa.Workbook.from_frames({"reps": reps})
    assert wb.last_import.to_frame()["accepted"].tolist() == [2]
    assert "<table" in wb.last_import._repr_html_()
    wb.close()


def test_imports_keep_the_count_of_values_per_column(reps):
    acts = pd.DataFrame({"activity_id": ["A1", "A2"], "rep_id": ["R1", "R2"],
                         "activity_type": ["call", "visit"],
                         "occurred_at": ["2025-01-02", "2025-01-03"],
                         "duration_s": [60, None]})
    with sa.Workbook.from_frames({"reps": reps, "activities": acts}) as wb:
        counts = wb.column_counts()
        stored = wb._raw.execute("SELECT count(*) FROM _profile "
                                 "WHERE table_name = 'activities'").fetchone()[0]
        assert stored == len(sa.SCHEMAS["activities"].columns) + 1
        assert counts["activities"]["*"] == 2
        assert counts["activities"]["duration_s"] == 1
        assert counts["activities"]["customer_id"] == 0
        assert counts["orders"]["*"] == 0
        wb.import_data({"activities": acts.assign(activity_id=["A3", "A4"])})
        assert wb.column_counts()["activities"]["*"] == 4
