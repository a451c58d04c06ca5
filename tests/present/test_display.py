"""Tables formatted for reading, escaped names, recorded headline numbers."""

import math

import pandas as pd
import pytest

from salesanalysis.present import display


def test_values_are_formatted_by_unit():
    assert display.format_value(1234567.4, "currency") == "1,234,567"
    assert display.format_value(0.4567, "ratio") == "45.7%"
    assert display.format_value(3.0, "count") == "3"
    assert display.format_value(2.5, "count") == "2.50"
    assert display.format_value(math.nan, "ratio") == ""


def test_table_formats_by_row_unit_and_escapes_names():
    frame = pd.DataFrame({"label": ["<b>Revenue</b>", "Win rate"], "actual": [1500.0, 0.25],
                          "unit": ["currency", "ratio"]})
    out = display.table(frame, unit_column="unit")
    assert out["actual"].tolist() == ["1,500", "25.0%"]
    assert "&lt;b&gt;Revenue&lt;/b&gt;" in out.to_html() and "<b>Revenue" not in out.to_html()
    assert frame["actual"].tolist() == [1500.0, 0.25]  # the input is untouched


def test_record_refuses_what_json_cannot_store():
    with pytest.raises(TypeError):
        display.record(when=object())


def test_a_long_table_shows_ten_rows_says_how_many_and_holds_them_all_uncut():
    sentence = "Agree a next step on every deal due next month, naming the buyer " * 3
    frame = pd.DataFrame({"action": [f"{sentence}#{i}" for i in range(149)], "n": range(149)})
    page = display.table(frame)._repr_html_()
    assert "10 of 149 rows" in page
    shown, folded = page.split("<details>")
    assert shown.count("<tr") == 1 + 10 and folded.count("<tr") == 1 + 149
    assert f"{sentence}#148" in page  # every word of the last row
    assert "..." not in page and "…" not in page


def test_a_short_table_is_shown_whole_without_its_index():
    page = display.table(pd.DataFrame({"rep": ["R1", "R2"], "deals": [3, 4]}))._repr_html_()
    assert "<details>" not in page and page.count("<tr") == 3
    assert "<th></th>" not in page  # no index column


def test_a_table_reads_missing_values_of_any_kind_as_blank_and_aligns_numbers_right():
    frame = pd.DataFrame({"rep": ["Ann", "Tom"], "deals": pd.array([3, pd.NA], dtype="Int64"),
                          "won": [True, False]})
    page = display.table(frame)._repr_html_()
    assert '<th class="sa-number">deals</th>' in page and "<th>rep</th>" in page
    assert '<td class="sa-number"></td>' in page  # unknown, not 0
    assert "<td>yes</td>" in page and "<td>no</td>" in page


def test_a_value_column_with_words_still_formats_its_numbers():
    frame = pd.DataFrame({"item": ["Open deals", "Open pipeline", "Weighted pipeline"],
                          "value": [3, 12500.0, "unknown"],
                          "unit": ["count", "currency", "currency"]})
    html = display.table(frame, unit_column="unit")._repr_html_()
    assert "<td>12,500</td>" in html and "<td>unknown</td>" in html and "12500.0" not in html
