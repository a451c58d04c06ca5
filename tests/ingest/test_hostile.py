"""Hostile values and file names: each is refused with its row and reason, or read as
what it is; nothing crashes, nothing else is read in its place."""

import pandas as pd
import pytest

import salesanalysis as sa
from builders import problems_of


def csv(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def test_a_strict_import_lists_a_missing_column_without_a_row(workbook, tmp_path):
    source = csv(tmp_path / "reps.csv", "rep_id,full_name\nX1,Ann\n")
    with pytest.raises(sa.DataValidationError) as caught:
        workbook.import_data(source, strict=True)
    assert "reps.csv row -, column name: missing_column" in str(caught.value)
    assert workbook.to_pandas("reps").empty


NOT_NUMBERS = ["NaN", "nan", "inf", "-inf", "Infinity", "1e309", "12X", "1E", "E5", "5ABC",
               "X12", "12 ABC", "1.5.2"]
MONEY = {"€12": 12.0, "12 €": 12.0, "$1,234.50": 1234.5, "EUR 12": 12.0, "12 USD": 12.0,
         "US$ 7": 7.0, "CHF 1'200": 1200.0, "1e3": 1000.0, "GBP12": 12.0, "R$ 35": 35.0}


@pytest.mark.parametrize("value", NOT_NUMBERS)
def test_non_finite_numbers_and_stray_letters_are_rejected(workbook, reps, value):
    orders = pd.DataFrame({"order_id": ["S1", "S2"], "rep_id": "R1",
                           "ordered_at": "2024-06-10", "amount": ["100", value]})
    report = workbook.import_data({"reps": reps, "orders": orders})
    problems = problems_of(report, "orders")
    assert (2, "amount", "bad_number") in problems
    assert {row for row, _, _ in problems} == {2}
    assert workbook.to_pandas("orders")["amount"].tolist() == [100.0]


@pytest.mark.parametrize("value,number", MONEY.items())
def test_currency_symbols_and_iso_codes_stay_accepted(workbook, reps, value, number):
    orders = pd.DataFrame({"order_id": ["S1"], "rep_id": "R1", "ordered_at": "2024-06-10",
                           "amount": [value]})
    report = workbook.import_data({"reps": reps, "orders": orders})
    assert report.rejects.empty
    assert workbook.to_pandas("orders")["amount"].tolist() == [number]


def test_an_infinite_amount_in_a_typed_source_is_rejected(workbook, reps):
    orders = pd.DataFrame({"order_id": ["S1", "S2", "S3"], "rep_id": "R1",
                           "ordered_at": "2024-06-10", "amount": [5.0, float("inf"), 7.0]})
    report = workbook.import_data({"reps": reps, "orders": orders})
    assert problems_of(report, "orders") == [(2, "amount", "bad_number")]
    assert workbook.to_pandas("orders")["order_id"].tolist() == ["S1", "S3"]


@pytest.mark.parametrize("value", ["1e30", "NaN", "inf", "9.3e18", "-9.3e18", "1e20"])
def test_an_integer_out_of_range_is_rejected_on_its_row(workbook, tmp_path, value):
    source = csv(tmp_path / "stages.csv",
                 f"stage,position,probability\nlead,1,0.1\nx,{value},0.2\n")
    report = workbook.import_data(source)
    assert problems_of(report, "stages") == [(3, "position", "bad_integer")]
    assert workbook.to_pandas("stages")["stage"].tolist() == ["lead"]


def test_a_float_id_out_of_the_integer_range_keeps_its_text(workbook, tmp_path):
    pd.DataFrame({"rep_id": [1.0, 1e20, float("nan")], "name": ["a", "b", "c"]}).to_parquet(
        tmp_path / "reps.parquet")
    report = workbook.import_data(tmp_path / "reps.parquet")
    assert problems_of(report, "reps") == [(3, "rep_id", "missing_value")]
    assert workbook.to_pandas("reps")["rep_id"].tolist() == ["1", "1e+20"]


@pytest.mark.parametrize("name", ["rowid", "RowID", "ROWID"])
@pytest.mark.parametrize("kind", ["csv", "parquet", "frame"])
def test_a_source_column_named_rowid_keeps_the_row_numbers(workbook, tmp_path, name, kind):
    frame = pd.DataFrame({"rep_id": ["X1", "X2", "X3", "X4"], "name": list("abcd"),
                          "role": ["wizard", "field", "field", "field"], name: [5, 5, 6, 6]})
    if kind == "csv":
        frame.to_csv(tmp_path / "reps.csv", index=False)
        source, first = tmp_path / "reps.csv", 2
    elif kind == "parquet":
        frame.to_parquet(tmp_path / "reps.parquet", index=False)
        source, first = tmp_path / "reps.parquet", 1
    else:
        source, first = {"reps": frame}, 1
    report = workbook.import_data(source)
    assert problems_of(report, "reps") == [(first, "role", "not_allowed")]
    assert report.rejects["value"].tolist() == ["wizard"]
    assert sorted(workbook.to_pandas("reps")["rep_id"]) == ["X2", "X3", "X4"]
    assert [(r.rows_read, r.accepted, r.rejected) for r in report.results] == [(4, 3, 1)]
    assert report.results[0].unused_columns == [name]


@pytest.mark.parametrize("name", ["export[1].csv", "export*.csv", "export?.csv"])
def test_a_file_name_with_glob_characters_is_read_as_itself(workbook, tmp_path, name):
    csv(tmp_path / name, "rep_id,name\nG1,the named file\n")
    csv(tmp_path / "export1.csv", "rep_id,name\nG2,another file\n")
    workbook.import_data(tmp_path / name, table="reps")
    assert workbook.to_pandas("reps")["rep_id"].tolist() == ["G1"]


def test_a_table_typo_is_refused_and_changes_nothing(workbook, tmp_path):
    source = csv(tmp_path / "people.csv", "rep_id,name\nR1,Ana\n")
    with pytest.raises(sa.InvalidArgumentError, match="'table' parameter.*got 'rep'"):
        workbook.import_data(source, table="rep")
    assert workbook.imports().empty


@pytest.mark.parametrize("text,stored", [
    ("2024-01-05T10:00:00Z", "2024-01-05 10:00:00"),
    ("2024-01-05T10:00:00+0000", "2024-01-05 10:00:00"),
    ("2024-01-05T10:00:00.123+00:00", "2024-01-05 10:00:00.123"),
    ("2024-01-05T10:00:00.123456-05:00", "2024-01-05 15:00:00.123456"),
    ("2024-01-05T23:30:00+14:00", "2024-01-05 09:30:00"),
    ("2024-01-05 9:05:00", "2024-01-05 09:05:00"),
    ("2024-01-05 10:00:00 UTC", "2024-01-05 10:00:00"),
    ("1704448800000", "2024-01-05 10:00:00"),
    ("2024-01-05", "2024-01-05 00:00:00"),
])
def test_dates_as_exports_write_them(workbook, reps, text, stored):
    calls = pd.DataFrame({"activity_id": ["A1", "A2"], "rep_id": "R1", "activity_type": "call",
                          "occurred_at": [text, ""]})
    report = workbook.import_data({"reps": reps, "activities": calls})
    assert problems_of(report, "activities") == [(2, "occurred_at", "missing_value")]
    assert workbook.to_pandas("activities")["occurred_at"].tolist() == [pd.Timestamp(stored)]
