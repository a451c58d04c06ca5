"""What the explorer computes, on a workbook small enough to work out by hand
(``builders.two_departments``)."""

import math

import pytest

from salesanalysis import kpi
from salesanalysis.reports import explorer as ex, team_trends

from builders import two_departments

@pytest.fixture(scope="module")
def book():
    wb = two_departments()
    yield wb
    wb.close()


def march(**changes):
    return ex.Selection(first="2025-01", last="2025-03", **changes)


def test_the_company_in_march_against_the_sum_of_the_rep_targets(book):
    view = ex.explore(book, march())
    tile = view.tiles.iloc[0]
    # 400 + 600 + 300 + 1,000 won in March; February 500; March 2024 250
    assert (tile["actual"], tile["previous"], tile["last_year"]) == (2300, 500, 250)
    # only North has a team target, so the company's is the reps': 800 + 500 + 900
    assert tile["target"] == 2200
    assert "sum of the rep targets" in " ".join(view.notes)
    assert list(view.trend["period"]) == ["2025-01", "2025-02", "2025-03"]
    assert list(view.trend["revenue"]) == [0, 500, 2300]
    table = view.table.set_index("member")
    assert view.child_level == "department"
    assert table.loc["D1", "actual"] == 1300 and table.loc["D2", "actual"] == 1000


def test_a_team_and_its_reps_against_their_targets(book):
    view = ex.explore(book, march(department="D1", team="North"))
    assert view.tiles.iloc[0]["actual"] == 1300 and view.tiles.iloc[0]["target"] == 1500
    table = view.table.set_index("member")
    assert view.child_level == "rep" and set(table.index) == {"R1", "R2"}
    assert table.loc["R1", "actual"] == 1000 and table.loc["R1", "reference"] == 800
    assert table.loc["R2", "change"] == 300 - 500
    assert table.loc["R1", "name"] == "Ana"


def test_filters_narrow_the_records_and_drop_the_target(book):
    smb = ex.explore(book, march(filters=(("segment", "SMB"),))).tiles.iloc[0]
    assert smb["actual"] == 400 + 300 and smb["previous"] == 0
    assert math.isnan(smb["target"])
    widget = ex.explore(book, march(filters=(("product", "Widget"),))).tiles.iloc[0]
    assert widget["actual"] == 400 + 300 + 1000
    both = ex.explore(book, march(filters=(("product", "Widget"), ("segment", "SMB"))))
    assert both.tiles.iloc[0]["actual"] == 700
    assert "not for a filtered selection" in " ".join(both.notes)


def test_a_rate_carries_its_parts_and_a_close_rate_both_denominators(book):
    view = ex.explore(book, march(rep="R1", kpi="win_rate", comparison="previous"))
    tile = view.tiles.iloc[0]
    assert (tile["numerator"], tile["denominator"]) == (2, 3)
    assert tile["actual"] == pytest.approx(2 / 3)
    assert "not for a rate" in " ".join(view.notes)
    close = ex.explore(book, march(rep="R1", kpi="close_rate_per_prospect_met")).tiles
    assert list(close["kpi"]) == ["close_rate_per_prospect_met", "close_rate_per_contact"]
    # two won deals; two prospects met face to face; three done activities
    assert list(close["actual"]) == [pytest.approx(1.0), pytest.approx(2 / 3)]
    assert list(close["denominator"]) == [2, 3]


def test_what_cannot_be_shown_is_said_in_a_message(book):
    missing = ex.explore(book, march(kpi="complaints"))
    assert "feedback" in missing.message and missing.tiles.empty
    product = ex.explore(book, march(kpi="done", filters=(("product", "Widget"),)))
    assert "product filter does not apply" in product.message
    outside = ex.explore(book, ex.Selection(first="2030-01", last="2030-03"))
    assert outside.message.startswith("Nothing recorded for the whole company")
    assert "2025-03-31" in outside.message


def test_the_explorer_gives_the_batch_reports_numbers(book):
    card = kpi.scorecard(book, scope={"rep": "R1"}, period="2025-03", kpis=["revenue"])
    view = ex.explore(book, march(department="D1", team="North", rep="R1"))
    tile = view.tiles.iloc[0]
    assert (tile["actual"], tile["target"], tile["previous"]) == tuple(
        card.iloc[0][["actual", "target", "previous"]])
    trend = team_trends.trend(book, metric="revenue", level="team", period="2025-03", periods=3)
    north = trend[trend["team"] == "North"].set_index("period")["actual"]
    team = ex.explore(book, march(department="D1", team="North")).trend
    assert list(team["revenue"]) == list(north)


def test_the_menu_follows_the_registry_and_says_what_is_missing(book):
    menu = ex.kpi_menu(book).set_index("name")
    assert menu.loc["revenue", "available"] and menu.loc["revenue", "group"] == "results"
    assert not menu.loc["complaints", "available"]
    assert "feedback" in menu.loc["complaints", "needs"]
    assert "coverage" not in menu.index  # a KPI with a function of its own
    assert ex.filter_values(book) == {"segment": ["Enterprise", "SMB"],
                                      "territory": ["East", "West"],
                                      "product": ["Gadget", "Widget"],
                                      "source": ["outbound"]}


def test_the_first_view_starts_where_the_data_starts(book):
    first = ex.default_selection(book, grain="quarter", periods=8)
    assert (first.first, first.last) == ("2024-Q1", "2024-Q4")
    assert ex.default_selection(book, period="2025-03", periods=3).first == "2025-01"


def test_why_explains_the_gap_or_says_what_it_explains(book):
    found = ex.why(book, march(comparison="previous"))
    assert found.gap == pytest.approx(2300 - 500)
    assert "rep, a team or the whole company" in ex.why(book, march(department="D1"))
    assert "choose one of them" in ex.why(book, march(kpi="done"))


def test_a_bad_selection_is_refused_in_one_message_form(book):
    with pytest.raises(ValueError, match="'comparison' parameter of explorer"):
        ex.explore(book, march(comparison="budget"))
    with pytest.raises(ValueError, match="no team 'West'"):
        ex.explore(book, march(team="West"))


def test_compute_filters_by_any_dimension(book):
    frame = kpi.compute(book, "revenue", by="product", start="2025-03-01", end="2025-03-31",
                        where={"segment": ["SMB", "Enterprise"], "team": "North"})
    assert frame.set_index("product")["revenue"].to_dict() == {"Gadget": 600, "Widget": 700}
    with pytest.raises(ValueError, match="'where' parameter"):
        kpi.compute(book, "revenue", by=None, where={"colour": "red"})
