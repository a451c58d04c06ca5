"""A review pack on thin data: a small company's two spreadsheets give a review per
salesperson; each section the data cannot give says what it lacks, none fails the run."""

import re

import pandas as pd
import pytest

import salesanalysis as sa
from builders import two_spreadsheets
from salesanalysis.batch import run_batch
from salesanalysis.layout import TEMPLATES


@pytest.mark.kernel
def test_the_review_runs_for_every_salesperson_of_two_spreadsheets(tmp_path):
    book = tmp_path / "sales.duckdb"
    with sa.open_workbook(book) as wb:
        wb.import_data(two_spreadsheets(tmp_path), mapping=TEMPLATES / "mappings" /
                       "spreadsheet.yaml")
    runs = run_batch("rep_review", workbook=book, out=tmp_path / "out", each="rep",
                     period="2025-02", progress=False)
    assert sorted(runs["name"]) == ["Ann-Lee", "Tom-Baker"]
    assert (runs["status"] == "ok").all(), runs[["name", "error"]]
    page = (tmp_path / "out" / "rep_review" / "2025-02" / "Tom-Baker.html").read_text()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"<style.*?</style>", "", page,
                                                             flags=re.S)))
    lacking = re.findall(r"Not available: ([^.]*)\.", text)
    # the order book shows the deals, and says its orders part needs orders
    assert any("open orders (needs table orders (no rows loaded))" in r for r in lacking)
    assert any(reason.startswith("needs table targets") for reason in lacking)
    assert "One-to-one review: Tom Baker Period 2025-02" in text  # the name is the id
    assert "Traceback" not in text and "Error" not in text
    assert not re.search(r"\b(nan|NaN|None)\b", text)
    assert pd.notna(runs["duration_s"]).all()
