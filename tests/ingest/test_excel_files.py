"""Excel sheets as people make them: stray far-away cells, merged cells, formulas,
blank rows, one sheet under another name; row numbers are the sheet's."""

import re
import zipfile

import openpyxl
import pytest

import salesanalysis as sa
from builders import problems_of


def sheet(path, rows, title="reps", merge=None):
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = title
    for row in rows:
        ws.append(row)
    for ref in merge or []:
        ws.merge_cells(ref)
    book.save(path)
    return path


def with_saved_results(path, results):
    """Write the cached result of each formula cell, as Excel does when it saves."""
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    for ref, value in results.items():
        xml = re.sub(rf'(<c r="{ref}"[^>]*>)<f>([^<]*)</f><v\s*/?>(</v>)?',
                     rf"\1<f>\2</f><v>{value}</v>", xml)
    parts["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)


def test_a_stray_cell_far_away_is_reported_not_expanded(workbook, tmp_path):
    path = sheet(tmp_path / "reps.xlsx", [["rep_id", "name"], ["X1", "Ann"]])
    book = openpyxl.load_workbook(path)
    book["reps"]["XFD1048576"] = 1
    book.save(path)
    report = workbook.import_data(path)
    assert workbook.to_pandas("reps")["rep_id"].tolist() == ["X1"]
    assert problems_of(report, "reps") == [(1048576, "name", "missing_value"),
                                           (1048576, "rep_id", "missing_value")]
    assert report.results[0].unused_columns == ["(no header) XFD"]


def test_blank_rows_are_skipped_and_rows_keep_the_sheet_numbers(workbook, tmp_path):
    path = sheet(tmp_path / "reps.xlsx", [[None], ["rep_id", "name", "role"],
                                          ["X1", "a", "field"], [None, None], [],
                                          ["X2", "b", "wizard"]])
    report = workbook.import_data(path)
    assert problems_of(report, "reps") == [(6, "role", "not_allowed")]
    assert workbook.to_pandas("reps")["rep_id"].tolist() == ["X1"]


def test_merged_cells_give_every_row_their_value(workbook, tmp_path):
    path = sheet(tmp_path / "reps.xlsx", [["rep_id", "name", "team"], ["X1", "a", "North"],
                                          ["X2", "b", None], ["X3", "c", None],
                                          ["X4", "d", "South"]], merge=["C2:C4"])
    workbook.import_data(path)
    reps = workbook.to_pandas("reps").set_index("rep_id")
    assert reps["team"].to_dict() == {"X1": "North", "X2": "North", "X3": "North",
                                      "X4": "South"}


def test_a_formula_without_a_saved_result_is_refused_naming_its_cells(workbook, tmp_path):
    path = sheet(tmp_path / "orders.xlsx", [["rep_id", "name"], ["X1", '=CONCAT("A","n")'],
                                            ["X2", "=B2"]], title="reps")
    with pytest.raises(sa.SourceError, match=r"2 formula cell\(s\) have no saved value "
                                             r"\(B2, B3\)"):
        workbook.import_data(path)
    assert workbook.imports().empty


def test_a_formula_with_its_saved_result_reads_the_result(workbook, tmp_path):
    path = sheet(tmp_path / "reps.xlsx", [["rep_id", "name", "quota"],
                                          ["X1", "Ann", "=2*3"]])
    with_saved_results(path, {"C2": 6})
    workbook.import_data(path)
    assert workbook.to_pandas("reps")["name"].tolist() == ["Ann"]


def test_a_single_sheet_under_another_name_is_read_as_the_table_asked(workbook, tmp_path):
    path = sheet(tmp_path / "export.xlsx", [["rep_id", "name"], ["X1", "Ann"]],
                 title="Sheet1")
    workbook.import_data(path, table="reps")
    assert workbook.to_pandas("reps")["name"].tolist() == ["Ann"]
    with pytest.raises(sa.SourceError, match="no sheet is named after table 'customers'"):
        book = openpyxl.load_workbook(path)
        book.create_sheet("Other")
        book.save(path)
        workbook.import_data(path, table="customers")


def test_an_empty_sheet_says_so(workbook, tmp_path):
    path = sheet(tmp_path / "reps.xlsx", [])
    with pytest.raises(sa.SourceError, match=r"reps\.xlsx\[reps\]: the sheet is empty"):
        workbook.import_data(path)


def test_a_title_above_the_table_is_not_its_header(workbook, tmp_path):
    path = sheet(tmp_path / "team.xlsx", [["Our sales team, 2024"], [],
                                          ["rep_id", "name"], ["R1", "Ana"], ["R2", "Ben"]])
    report = workbook.import_data(path, table="reps")
    assert report.ok
    assert workbook.to_pandas("reps")["name"].tolist() == ["Ana", "Ben"]
    # one cell over a row of numbers is a one-column table, not a title
    numbers = sheet(tmp_path / "one.xlsx", [["rep_id"], ["R7", 3]])
    from salesanalysis.ingest.excel_files import read_sheet
    frame, rows = read_sheet(numbers, "reps", "one.xlsx[reps]")
    assert list(frame.columns)[0] == "rep_id" and rows == [2]


def test_map_says_why_a_sheet_cannot_be_read(tmp_path, capsys):
    from salesanalysis.cli import main

    sheet(tmp_path / "deals.xlsx", [["Date", "Amount"], ["2024-01-03", "=1+1"]], title="deals")
    assert main(["map", str(tmp_path / "deals.xlsx")]) == 1
    assert "1 formula cell(s) have no saved value (B2)" in capsys.readouterr().err
