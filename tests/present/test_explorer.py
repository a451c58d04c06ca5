"""The explorer's widgets driven as a person would: values set on the controls, the tiles
and the table read back and checked against the KPI functions."""

import asyncio

import nbformat
import pandas as pd
import pytest

from salesanalysis import kpi
from salesanalysis.batch.export import to_html
from salesanalysis.present.explorer import Explorer
from salesanalysis.reports import explorer as ex

from builders import small_demo, two_departments

@pytest.fixture(scope="module")
def book():
    wb = two_departments()
    yield wb
    wb.close()


@pytest.fixture
def explorer(book, tmp_path):
    return Explorer(book, period="2025-03", periods=3, debounce=0, export_dir=tmp_path)


def test_the_first_view_shows_the_company_against_target(explorer):
    tile = explorer.tile_set()["Revenue, 2025-03"]
    assert tile.value == "2,300" and tile.reference == "target 2,200 (105%)"
    assert tile.status == "on_track"
    assert "Data as of 2025-03-31" in explorer.status.value
    assert explorer.periods.value == ("2025-01", "2025-03")
    assert [b.description for b in explorer.breadcrumb.children] == ["Whole company"]


def test_a_filter_changes_the_tiles_to_the_kpi_functions_value(explorer, book):
    explorer.filters["segment"].value = "SMB"
    expected = kpi.compute(book, "revenue", by=None, start="2025-03-01", end="2025-03-31",
                           where={"segment": "SMB"})["revenue"].iloc[0]
    assert explorer.tile_set()["Revenue, 2025-03"].value == f"{expected:,.0f}" == "700"
    assert "no target to compare with" in explorer.tile_set()["Revenue, 2025-03"].reference


def test_the_table_matches_compute_and_sorts(explorer, book):
    explorer.select(department="D1", team="North")
    frame = explorer.table_frame()
    reps = kpi.compute(book, "revenue", by="rep", start="2025-03-01", end="2025-03-31")
    assert dict(zip(frame["member"], frame["actual"])) == \
        reps[reps["rep"].isin(["R1", "R2"])].set_index("rep")["revenue"].to_dict()
    assert list(frame["member"]) == ["R1", "R2"]  # highest first
    explorer.sort("actual")
    assert list(explorer.table_frame()["member"]) == ["R2", "R1"]
    explorer.sort("name")
    assert list(explorer.table_frame()["name"]) == ["Ana", "Ben"]


def test_drilling_down_and_back_up(explorer):
    explorer.drill("D1")
    assert explorer.selection.department == "D1" and explorer.view.child_level == "team"
    explorer.drill("North")
    assert explorer.selection.team == "North"
    assert set(explorer.table_frame()["member"]) == {"R1", "R2"}
    explorer.drill("R1")
    assert explorer.selection.rep == "R1" and explorer.table_frame().empty
    assert explorer.tile_set()["Revenue, 2025-03"].value == "1,000"
    crumbs = explorer.breadcrumb.children
    assert [b.description for b in crumbs] == ["Whole company", "D1", "North", "Ana (R1)"]
    crumbs[1].click()  # back to the department
    assert (explorer.selection.department, explorer.selection.team) == ("D1", None)
    explorer.up("company")
    assert explorer.selection.level == "company"


def test_a_row_button_drills_into_its_member(explorer):
    grid = explorer.table.children[1]
    row = next(c for c in grid.children if getattr(c, "description", "") == "D2")
    row.click()
    assert explorer.selection.department == "D2"


def test_scope_dropdowns_depend_on_the_one_above(explorer):
    explorer.department.value = "D2"
    assert [v for _, v in explorer.team.options] == ["", "South"]
    assert [v for _, v in explorer.rep.options] == ["", "R3"]
    explorer.department.value = ""
    assert {v for _, v in explorer.rep.options} == {"", "R1", "R2", "R3"}


def test_a_period_before_the_data_says_nothing_was_recorded(book, tmp_path):
    explorer = Explorer(book, period="2019-06", debounce=0, export_dir=tmp_path)
    assert explorer.periods.value == ("2019-06", "2019-06")
    assert "Nothing recorded for the whole company in 2019-06" in explorer.message.value


def test_a_kpi_without_data_shows_a_message_not_a_traceback(explorer):
    explorer.select(kpi="complaints")
    assert "</b> Complaints needs table feedback" in explorer.message.value and "feedback" in explorer.message.value
    assert explorer.tiles.value == "" and explorer.group.value == "customers"
    explorer.select(kpi="done", product="Widget")
    assert "product filter does not apply" in explorer.message.value


def test_several_changes_make_one_update(explorer):
    before = explorer.refreshes
    explorer.select(kpi="win_rate", comparison="previous", segment="SMB", grain="quarter")
    assert explorer.refreshes == before + 1
    assert explorer.selection.grain == "quarter" and explorer.periods.value[1] == "2025-Q1"


def test_changes_closer_than_the_debounce_collapse(book, tmp_path):
    async def drive():
        explorer = Explorer(book, period="2025-03", debounce=0.05, export_dir=tmp_path)
        before = explorer.refreshes
        explorer.filters["segment"].value = "SMB"
        explorer.filters["product"].value = "Widget"
        explorer.comparison.value = "previous"
        await asyncio.sleep(0.3)
        return explorer, explorer.refreshes - before

    explorer, updates = asyncio.run(drive())
    assert updates == 1
    assert explorer.tile_set()["Revenue, 2025-03"].value == "700"


def test_a_selection_seen_before_comes_from_the_cache(explorer, monkeypatch):
    explorer.select(segment="SMB")
    calls = []
    monkeypatch.setattr(ex, "explore", lambda *a, **k: calls.append(a) or None)
    explorer.select(segment=None)
    assert calls == [] and "(from the cache)" in explorer.status.value
    assert explorer.tile_set()["Revenue, 2025-03"].value == "2,300"


def test_export_writes_the_table_as_shown(explorer):
    explorer.select(department="D1", team="North")
    path = explorer.export("csv")
    assert path.name == "revenue-North-2025-01-2025-03.csv"
    pd.testing.assert_frame_equal(pd.read_csv(path), explorer.table_frame(),
                                  check_dtype=False)
    excel = pd.read_excel(explorer.export("xlsx"))
    assert list(excel["actual"]) == [1000, 300]


def test_why_shows_the_bridge_or_says_why_not(explorer):
    explorer.select(comparison="previous")
    found = explorer.why()
    assert found.gap == pytest.approx(1800)
    assert len(explorer.why_result.children) == 3  # text, bridge, segments
    assert explorer.why_result.children[1].value[:4] == b"\x89PNG"
    explorer.select(department="D1")
    assert "team or a rep" in explorer.why()


def test_the_page_shows_the_first_view_without_a_kernel(explorer):
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    book = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "explorer", outputs=[nbformat.v4.new_output("display_data", data=bundle)])])
    page = to_html(book, title="explorer")
    assert "2,300" in page and "target 2,200 (105%)" in page
    assert "widget-view+json" not in page and "data:image/png;base64" in page
    assert "Revenue per department, 2025-03" in page


def test_the_demo_explorer_agrees_with_the_rep_scorecard(tmp_path):
    from salesanalysis import open_workbook

    with open_workbook(small_demo(tmp_path), read_only=True) as wb:
        explorer = Explorer(wb, period="2024-09", debounce=0, export_dir=tmp_path)
        rep = "R002"
        explorer.select(rep=rep)
        card = kpi.scorecard(wb, scope={"rep": rep}, period="2024-09", kpis=["revenue"])
        tile = explorer.view.tiles.iloc[0]
        assert tile["actual"] == card["actual"].iloc[0]
        assert tile["target"] == card["target"].iloc[0]
