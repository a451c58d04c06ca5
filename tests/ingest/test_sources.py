"""Every source kind lands the same rows; unreadable sources fail clearly."""

import duckdb
import pandas as pd
import pytest

import salesanalysis as sa
from salesanalysis.ingest.templates import example_frames

ACTIVITIES = pd.DataFrame({
    "activity_id": ["A1", "A2", "A3"], "rep_id": ["R1", "R1", "R2"],
    "activity_type": ["call", "bad type", "visit"],
    "occurred_at": pd.to_datetime(["2024-01-02 09:00", "2024-01-03 00:00", "2024-01-04 00:00"]),
    "duration_s": [120.0, None, 3600.0]})
REPS = pd.DataFrame({"rep_id": ["R1", "R2"], "name": ["Ana", "Ben"]})


def check(wb, report, bad_row):
    assert report.rejects[["row", "column", "reason"]].values.tolist() == [
        [bad_row, "activity_type", "not_allowed"]]
    got = wb.to_pandas("activities").sort_values("activity_id")
    assert got["activity_id"].tolist() == ["A1", "A3"]
    assert got["duration_s"].tolist() == [120.0, 3600.0]
    assert str(got["occurred_at"].iloc[0]) == "2024-01-02 09:00:00"


def test_csv_folder_counts_the_header_as_row_one(tmp_path, workbook):
    REPS.to_csv(tmp_path / "reps.csv", index=False)
    ACTIVITIES.to_csv(tmp_path / "Activities.csv", index=False)
    (tmp_path / "notes.txt.bak").write_text("x")
    report = workbook.import_data(tmp_path)
    check(workbook, report, bad_row=3)
    assert any("notes.txt.bak" in i for i in report.ignored)


def test_single_csv_with_table_named(tmp_path, workbook):
    workbook.import_data({"reps": REPS})
    ACTIVITIES.to_csv(tmp_path / "export-2024.csv", index=False)
    check(workbook, workbook.import_data(tmp_path / "export-2024.csv", table="activities"), 3)


def test_parquet_files_count_records_from_one(tmp_path, workbook):
    REPS.to_parquet(tmp_path / "reps.parquet")
    ACTIVITIES.to_parquet(tmp_path / "activities.parquet")
    check(workbook, workbook.import_data(tmp_path), bad_row=2)


def test_excel_sheet_per_table(tmp_path, workbook):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as w:
        REPS.to_excel(w, sheet_name="reps", index=False)
        ACTIVITIES.to_excel(w, sheet_name="activities", index=False)
        pd.DataFrame({"x": [1]}).to_excel(w, sheet_name="Notes", index=False)
    report = workbook.import_data(path)
    check(workbook, report, bad_row=3)
    assert report.ignored == ["book.xlsx[Notes] (no canonical table named 'Notes')"]


def test_dataframes(workbook):
    check(workbook, workbook.import_data({"reps": REPS, "activities": ACTIVITIES}), 2)


def test_duckdb_file(tmp_path, workbook):
    path = tmp_path / "crm.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE reps AS SELECT * FROM REPS")
    con.execute("CREATE TABLE activities AS SELECT * FROM ACTIVITIES")
    con.close()
    check(workbook, workbook.import_data(path), bad_row=2)


def test_sqlalchemy_url(tmp_path, workbook):
    sqlalchemy = pytest.importorskip("sqlalchemy", reason="SQL sources need the sql extra")
    engine = sqlalchemy.create_engine(f"sqlite:///{tmp_path / 'crm.sqlite'}")
    REPS.to_sql("reps", engine, index=False)
    ACTIVITIES.to_sql("activities", engine, index=False)
    check(workbook, workbook.import_data(f"sqlite:///{tmp_path / 'crm.sqlite'}"), bad_row=2)


def test_day_first_decimal_comma_crm_export(workbook):
    report = workbook.import_data("tests/data/crm_export",
                                  mapping="templates/mappings/crm_example.yaml",
                                  as_of="2024-05-01")
    assert report.ok and report.problems.empty
    opps = workbook.to_pandas("opportunities").set_index("opportunity_id")
    assert opps.loc["D1", "amount"] == 1234.5 and opps.loc["D2", "amount"] == 20000.0
    assert str(opps.loc["D1", "created_at"]) == "2024-04-03 00:00:00"
    assert str(opps.loc["D1", "closed_at"]) == "2024-04-28 16:30:00"
    assert opps["source"].tolist() == ["referral", "inbound"]
    assert opps["stage"].tolist() == ["won", "proposal"]
    acts = workbook.to_pandas("activities").set_index("activity_id")
    assert acts["activity_type"].tolist() == ["visit", "call", "call", "referral_request"]
    assert acts["status"].tolist() == ["done", "done", "done", "planned"]
    assert acts.loc["X1", "duration_s"] == 5400.0
    assert acts.loc["X2", "outcome"] == "connected"


def test_malformed_csv_lists_every_bad_line(tmp_path, workbook):
    (tmp_path / "reps.csv").write_text(
        "rep_id,name\nR1,Ana\nR2,Ben,extra\nR3,Cy\nR4,Di,more,fields\n")
    with pytest.raises(sa.SourceError) as info:
        workbook.import_data(tmp_path)
    message = str(info.value)
    assert "reps.csv: 2 malformed line(s)" in message
    assert "line 3" in message and "line 5" in message


def test_a_latin1_file_reads_as_windows_1252_or_as_told(tmp_path, workbook):
    # the letters of Latin-1 are Windows-1252's: without an encoding it reads the same
    (tmp_path / "reps.csv").write_bytes("rep_id,name\nR1,Jos\xe9\n".encode("latin-1"))
    assert workbook.import_data(tmp_path).ok
    assert workbook.to_pandas("reps")["name"].tolist() == ["José"]
    report = workbook.import_data(tmp_path, encoding="latin-1")
    assert workbook.to_pandas("reps")["name"].tolist() == ["José"] and report.ok


@pytest.mark.parametrize("source,message", [
    ("no/such/folder", "source not found"),
    ({"reps": [1, 2]}, "not a pandas DataFrame"),
])
def test_unreadable_sources(workbook, source, message):
    with pytest.raises(sa.SourceError, match=message):
        workbook.import_data(source)


def test_a_source_with_no_canonical_table(tmp_path, workbook):
    (tmp_path / "sales.csv").write_text("a,b\n1,2\n")
    with pytest.raises(sa.SourceError, match="no canonical table found.*sales.csv"):
        workbook.import_data(tmp_path)


def test_two_sources_for_one_table_are_refused(tmp_path, workbook):
    REPS.to_csv(tmp_path / "reps.csv", index=False)
    REPS.to_parquet(tmp_path / "reps.parquet")
    with pytest.raises(sa.SourceError, match="two sources feed 'reps': reps.csv and reps.parquet"):
        workbook.import_data(tmp_path)


def test_templates_import_unchanged(workbook):
    report = workbook.import_data("templates/data-entry")
    assert report.problems.empty
    assert workbook.row_counts() == {name: 1 for name in example_frames()} | {
        "opportunity_history": 2}  # the example change plus today's snapshot
    other = sa.open_workbook(":memory:")
    assert other.import_data("templates/data-entry.xlsx").problems.empty
