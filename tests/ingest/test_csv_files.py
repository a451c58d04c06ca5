"""CSV files as people save them: other encodings, blank lines, values over several
lines, several broken files, unsupported formats; every row number is the file's line."""

import gzip

import pytest

import salesanalysis as sa
from builders import problems_of

WINDOWS_TEXT = "rep_id,name\nX1,Caf\u00e9 \u201cquoted\u201d \u2013 \u20ac5\n"


@pytest.mark.parametrize("encoding", ["cp1252", "windows-1252", "CP1252"])
def test_a_windows_1252_file_reads_under_its_encoding_names(workbook, tmp_path, encoding):
    path = tmp_path / "reps.csv"
    path.write_bytes(WINDOWS_TEXT.encode("cp1252"))
    workbook.import_data(path, encoding=encoding)
    assert workbook.to_pandas("reps")["name"].tolist() == ["Caf\u00e9 \u201cquoted\u201d "
                                                           "\u2013 \u20ac5"]


def test_a_windows_1252_file_reads_without_being_told(workbook, tmp_path):
    # what Excel on Windows saves: not UTF-8, and Windows-1252 throughout
    path = tmp_path / "reps.csv"
    path.write_bytes(("rep_id,name\nX0,plain\n" + WINDOWS_TEXT.split("\n", 1)[1])
                     .encode("cp1252"))
    workbook.import_data(path)
    assert workbook.to_pandas("reps")["name"].tolist() == [
        "plain", "Caf\u00e9 \u201cquoted\u201d \u2013 \u20ac5"]


def test_a_file_in_neither_encoding_names_the_line(workbook, tmp_path):
    path = tmp_path / "reps.csv"
    path.write_bytes(b"rep_id,name\nX0,plain\nX1,\x81\x8d\n")  # undefined in Windows-1252
    with pytest.raises(sa.SourceError, match=r"line 3 is not utf-8 text.*--encoding latin-1"):
        workbook.import_data(path)
    assert workbook.imports().empty


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig"])
def test_a_byte_order_mark_says_the_encoding(workbook, tmp_path, encoding):
    path = tmp_path / "reps.csv"
    path.write_bytes("rep_id,name\nX1,Zo\u00eb\n".encode(encoding))
    workbook.import_data(path)
    assert workbook.to_pandas("reps")["name"].tolist() == ["Zo\u00eb"]


def test_an_unknown_encoding_name_is_refused(workbook, tmp_path):
    path = tmp_path / "reps.csv"
    path.write_text("rep_id,name\nX1,a\n")
    with pytest.raises(sa.SourceError, match="unknown text encoding 'klingon'"):
        workbook.import_data(path, encoding="klingon")


@pytest.mark.parametrize("text,line", [
    ("rep_id,name,role\nX1,a,field\n\nX3,c,wizard\n", 4),
    ("rep_id,name,role\n\n\nX1,a,field\nX3,c,wizard\n", 5),
    ('rep_id,name,role\nX1,"two\nlines",field\nX3,c,wizard\n', 4),
    ("\n\nrep_id,name,role\nX1,a,field\nX3,c,wizard\n", 5),
    ("rep_id,name,role\r\nX1,a,field\r\n\r\nX3,c,wizard\r\n", 4),
])
def test_reported_rows_are_the_lines_of_the_file(workbook, tmp_path, text, line):
    path = tmp_path / "reps.csv"
    path.write_text(text, newline="")
    report = workbook.import_data(path)
    assert problems_of(report, "reps") == [(line, "role", "not_allowed")]
    assert workbook.to_pandas("reps")["rep_id"].tolist() == ["X1"]


def test_a_gzipped_file_with_a_blank_line_keeps_its_line_numbers(workbook, tmp_path):
    path = tmp_path / "reps.csv.gz"
    path.write_bytes(gzip.compress(b"rep_id,name,role\nX1,a,field\n\nX3,c,wizard\n"))
    report = workbook.import_data(path)
    assert problems_of(report, "reps") == [(4, "role", "not_allowed")]


def test_malformed_lines_of_every_file_are_reported_at_once(workbook, tmp_path):
    (tmp_path / "reps.csv").write_text("rep_id,name\nR1,a\nR2\n")
    (tmp_path / "customers.csv").write_text("customer_id,name\nC1,a\nC2\n")
    (tmp_path / "products.csv").write_text("product,list_price\nP1,1\nP2,2,3\n")
    with pytest.raises(sa.SourceError) as caught:
        workbook.import_data(tmp_path)
    message = str(caught.value)
    for name in ("reps.csv", "customers.csv", "products.csv"):
        assert f"{name}: 1 malformed line(s)" in message
    assert message.count("line 3:") == 3
    assert workbook.imports().empty


def test_a_mapping_default_of_the_wrong_type_names_the_mapping_key(workbook, tmp_path):
    mapping = tmp_path / "map.yaml"
    mapping.write_text("tables:\n  opportunities:\n    defaults:\n      amount: lots\n"
                       "      created_at: soon\n")
    (tmp_path / "opportunities.csv").write_text("opportunity_id,rep_id\nZ1,R1\n")
    with pytest.raises(sa.MappingError) as caught:
        workbook.import_data(tmp_path / "opportunities.csv", mapping=mapping)
    assert "tables.opportunities.defaults.amount = 'lots': not a number" in str(caught.value)
    assert "tables.opportunities.defaults.created_at = 'soon': not a date" in str(caught.value)


def test_a_mapping_default_is_read_like_a_source_value(workbook, reps, tmp_path):
    mapping = tmp_path / "map.yaml"
    mapping.write_text("options:\n  decimal: ','\ntables:\n  orders:\n    defaults:\n"
                       "      amount: '1.234,5'\n")
    (tmp_path / "orders.csv").write_text("order_id,rep_id,ordered_at,amount\n"
                                         "S1,R1,2024-06-10,\nS2,R1,2024-06-10,7\n")
    workbook.import_data({"reps": reps})
    workbook.import_data(tmp_path / "orders.csv", mapping=mapping)
    assert workbook.to_pandas("orders")["amount"].tolist() == [1234.5, 7.0]


@pytest.mark.parametrize("suffix", [".xls", ".ods", ".xlsb"])
def test_an_unsupported_spreadsheet_format_says_how_to_convert(workbook, tmp_path, suffix):
    path = tmp_path / f"reps{suffix}"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(sa.SourceError, match=r"cannot be read; save it as Excel Workbook "
                                             r"\(\.xlsx\) or as CSV"):
        workbook.import_data(path)
