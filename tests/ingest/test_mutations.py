"""Valid CSV and Excel sources, mutated: hostile values, structural damage, encodings.

On every example: no exception but the package's own, every row read is accepted or
rejected, what is stored is what was accepted, and a refused import leaves the
workbook file byte for byte as it was.
"""

import csv
import hashlib
import io

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import salesanalysis as sa

HEADER = ["opportunity_id", "rep_id", "created_at", "amount", "outcome", "closed_at"]
ROWS = [["O1", "R1", "2024-01-05", "1200", "won", "2024-02-01"],
        ["O2", "R2", "2024-01-09", "€ 300,50", "lost", "2024-03-01"],
        ["O3", "R1", "05/02/2024", "450.5", "open", ""],
        ["O4", "R2", "2024-02-11", "EUR 80", "won", "2024-02-20"]]
HOSTILE = ["NaN", "inf", "-Infinity", "1e309", "12X", "E5", "1e30", "9.3e18", "-1", "",
           " ", "=HYPERLINK(\"x\")", "+1", "@SUM(A1)", "\x00", "\x01", "\x1b[31m", "é€“”",
           "'", '"', ",", ";", "\n", "\r\n", "x" * 5000, "2024-13-45", "0000-00-00",
           "<script>alert(1)</script>", "O1", "R9", "rowid", "NULL", "None", "\ufeff",
           "1,234.5", "1.234,5", "true", "2024-02-30"]
ENCODINGS = ["utf-8", "utf-8-sig", "cp1252", "utf-16", "latin-1"]

value = st.sampled_from(HOSTILE) | st.text(max_size=12)
cell = st.tuples(st.integers(0, len(ROWS) - 1), st.integers(0, len(HEADER) - 1))
mutation = st.one_of(
    st.tuples(st.just("set"), cell, value),
    st.tuples(st.just("drop_cell"), cell, st.none()),
    st.tuples(st.just("extra_cell"), cell, value),
    st.tuples(st.just("blank_line"), cell, st.none()),
    st.tuples(st.just("repeat_line"), cell, st.none()),
    st.tuples(st.just("header"), cell, value),
)


def mutated(mutations):
    header, rows, blanks = list(HEADER), [list(r) for r in ROWS], []
    for kind, (r, c), v in mutations:
        if kind == "set":
            rows[r][min(c, len(rows[r]) - 1)] = v
        elif kind == "drop_cell" and len(rows[r]) > 1:
            del rows[r][min(c, len(rows[r]) - 1)]
        elif kind == "extra_cell":
            rows[r].insert(c, v)
        elif kind == "blank_line":
            blanks.append(r)
        elif kind == "repeat_line":
            rows.insert(r, list(rows[r]))
        elif kind == "header":
            header[c] = v
    return header, rows, blanks


def csv_bytes(header, rows, blanks, encoding, quoted, line_end, cut):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=line_end,
                        quoting=csv.QUOTE_ALL if quoted else csv.QUOTE_MINIMAL)
    writer.writerow(header)
    for i, row in enumerate(rows):
        if i in blanks:
            out.write(line_end)
        writer.writerow(row)
    data = out.getvalue().encode(encoding, errors="replace")
    return data[:cut] if cut else data


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A workbook file holding the reps the deals refer to, and its bytes."""
    path = tmp_path_factory.mktemp("mutations") / "base.duckdb"
    with sa.open_workbook(path) as wb:
        wb.import_data({"reps": sa_frame()})
    return path


def sa_frame():
    import pandas as pd

    return pd.DataFrame({"rep_id": ["R1", "R2"], "name": ["Ana", "Ben"],
                         "role": ["field", "field"]})


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_import(base, tmp_path, source, **options):
    book = tmp_path / "wb.duckdb"
    book.write_bytes(base.read_bytes())
    before = digest(book)
    wb = sa.open_workbook(book)
    try:
        report = wb.import_data(source, **options)
    except sa.SalesAnalysisError:  # refused with a message: nothing changed
        wb.close()
        assert digest(book) == before
        return None
    try:
        for result in report.results:
            assert result.accepted + result.rejected == result.rows_read, result
            stored = wb._raw.execute(
                f'SELECT count(*) FROM "{result.table}" WHERE _import_id = ?',
                [report.import_id]).fetchone()[0]
            assert stored == result.accepted, (result, stored)
            problems = report.rejects[report.rejects["table"] == result.table]
            assert problems["row"].dropna().nunique() <= result.rejected
    finally:
        wb.close()
    return report


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutations=st.lists(mutation, max_size=4), encoding=st.sampled_from(ENCODINGS),
       read_as=st.sampled_from([None, "utf-8", "cp1252", "utf-16"]), quoted=st.booleans(),
       line_end=st.sampled_from(["\n", "\r\n"]), cut=st.none() | st.integers(1, 400))
def test_a_mutated_csv_is_stored_or_refused_whole(base, tmp_path, mutations, encoding,
                                                   read_as, quoted, line_end, cut):
    header, rows, blanks = mutated(mutations)
    source = tmp_path / "opportunities.csv"
    source.write_bytes(csv_bytes(header, rows, blanks, encoding, quoted, line_end, cut))
    check_import(base, tmp_path, source, **({"encoding": read_as} if read_as else {}))


EXCEL_SAFE = [v for v in HOSTILE if not any(ord(ch) < 32 and ch not in "\t\n\r" for ch in v)]


@settings(max_examples=20, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutations=st.lists(st.tuples(st.just("set"), cell, st.sampled_from(EXCEL_SAFE)) |
                          st.tuples(st.sampled_from(["drop_cell", "extra_cell", "blank_line",
                                                     "repeat_line"]), cell, st.just("x")),
                          max_size=4),
       merge=st.booleans(), stray=st.sampled_from([None, "XFD9", "AA3", "C1048576"]),
       numbers=st.booleans())
def test_a_mutated_excel_sheet_is_stored_or_refused_whole(base, tmp_path, mutations, merge,
                                                          stray, numbers):
    header, rows, blanks = mutated(mutations)
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "opportunities"
    ws.append(header)
    for i, row in enumerate(rows):
        if i in blanks:
            ws.append([])
        ws.append([float(v) if numbers and v.replace(".", "", 1).isdigit() else v
                   for v in row])
    if merge:
        ws.merge_cells("B2:B3")
    if stray:
        ws[stray] = "stray"
    source = tmp_path / "opportunities.xlsx"
    book.save(source)
    check_import(base, tmp_path, source)
