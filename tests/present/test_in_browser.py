"""The pages of a batch in a real browser (Chromium through Playwright): nothing fetched
from the network and no console error; the tiles show the KPI functions' values; no
truncation marker or index column; a review prints on at most five A4 pages.

The screenshots are kept in ``test-output/screenshots`` (or $SALESANALYSIS_SCREENSHOTS)
for a person to look at. Without Playwright or Chromium the tests skip, unless
$SALESANALYSIS_REQUIRE_BROWSER is set (CI), where they fail.
"""

import re
from pathlib import Path

import pytest

import salesanalysis as sa
from salesanalysis import kpi
from salesanalysis.batch import run_batch
from salesanalysis.kpi.periods import period_bounds
from salesanalysis.kpi.units import format_value

from browsers import screenshot
from builders import small_demo

PERIOD = "2024-09"
A4 = {"width": 794, "height": 1123}  # CSS pixels

pytestmark = pytest.mark.kernel


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    book = small_demo(folder)
    out = folder / "reports"
    runs = run_batch("rep_review", workbook=book, out=out, each="rep", reps=["R002", "R003"],
                     period=PERIOD, progress=False)
    assert (runs["status"] == "ok").all(), runs[["name", "error"]]
    return book, out


def _open(browser, path: Path, *, viewport=None):
    """The page, and what it logged and fetched while loading."""
    page = browser.new_page(viewport=viewport or {"width": 1280, "height": 900})
    seen = {"errors": [], "requests": []}
    page.on("console", lambda m: seen["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, seen


def _review(out: Path, rep: str) -> Path:
    return next(p for p in (out / "rep_review" / PERIOD).glob(f"{rep}-*.html")
                if not p.name.endswith(".action-plan.html"))


def test_the_index_and_a_review_load_nothing_from_the_network_and_log_no_error(browser,
                                                                               batch):
    _, out = batch
    for name, path in (("index", out / "index.html"), ("rep-review", _review(out, "R002"))):
        page, seen = _open(browser, path)
        screenshot(page, name)
        assert seen["errors"] == [], (name, seen["errors"])
        leaving = [u for u in seen["requests"] if not u.startswith(("file:", "data:"))]
        assert leaving == [], (name, leaving)
        page.close()


def test_the_review_s_tiles_show_the_kpi_functions_values(browser, batch):
    book, out = batch
    _, first, last = period_bounds(PERIOD)
    with sa.open_workbook(book, read_only=True) as wb:
        numbers = kpi.compute(wb, ["revenue", "offers_submitted", "deals_won", "win_rate"],
                              by="rep", start=first, end=last).set_index("rep").loc["R002"]
    page, _ = _open(browser, _review(out, "R002"))
    tiles = dict(page.evaluate("""() => [...document.querySelectorAll('.sa-tile')].map(t =>
        [t.querySelector('.sa-label').textContent.trim(),
         t.querySelector('.sa-value').textContent.trim()])"""))
    page.close()
    assert tiles["Revenue"] == format_value(numbers["revenue"], "currency")
    assert tiles["Offers submitted"] == format_value(numbers["offers_submitted"], "count")
    assert tiles["Closes"] == format_value(numbers["deals_won"], "count")
    assert tiles["Win rate"] == format_value(numbers["win_rate"], "ratio")
    assert set(tiles) == {"Revenue", "Quarter to date", "Offers submitted", "Closes",
                          "Win rate", "Pipeline coverage"}


def test_no_table_is_cut_or_shows_an_index_column(browser, batch):
    _, out = batch
    for path in (out / "index.html", _review(out, "R002"), _review(out, "R003")):
        page, _ = _open(browser, path)
        tables = page.evaluate("""() => [...document.querySelectorAll('table')].map(t => ({
            head: [...t.querySelectorAll('thead th, tr:first-child th')].map(h => h.textContent.trim()),
            first: [...t.querySelectorAll('tbody tr')].map(r => (r.cells[0] || {}).textContent),
            cells: [...t.querySelectorAll('td')].map(c => c.textContent.trim())}))""")
        text = page.inner_text("body")
        page.close()
        assert tables, path.name
        assert not re.search(r"\d+ rows × \d+ columns", text), path.name
        for table in tables:
            assert "..." not in table["cells"] and "…" not in table["cells"], path.name
            assert table["head"] and table["head"][0] != "", (path.name, table["head"])
            counting = [str(i) for i in range(len(table["first"]))]
            assert len(counting) < 2 or [c.strip() for c in table["first"]] != counting, (
                path.name, table["head"])


def test_a_review_prints_on_at_most_five_a4_pages(browser, batch):
    _, out = batch
    for rep in ("R002", "R003"):
        page, _ = _open(browser, _review(out, rep), viewport=A4)
        page.emulate_media(media="print")
        pdf = page.pdf(format="A4", print_background=True)
        screenshot(page, f"rep-review-{rep}-print")
        page.close()
        pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
        assert 1 <= pages <= 5, (rep, pages)


def test_the_index_sorts_by_a_column_and_filters_offline(browser, batch):
    _, out = batch
    page, seen = _open(browser, out / "index.html")
    table = "table.sortable"

    def names():
        return page.eval_on_selector(table, "t => [...t.tBodies[0].rows].filter(r => "
                                            "r.style.display != 'none').map(r => r.cells[0].textContent)")
    before = names()
    header = page.locator(f"{table} th", has_text="Revenue").first
    header.click()
    ascending = names()
    header.click()
    assert names() == ascending[::-1] and sorted(before) == sorted(ascending)
    page.fill("input.filter", "Chloe")
    assert names() == [n for n in before if "Chloe" in n] and len(names()) == 1
    assert seen["errors"] == []
    page.close()
