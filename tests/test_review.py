"""Review tables for one rep on hand-worked numbers."""

import pytest

from salesanalysis import review

from test_findings import wb  # noqa: F401  (the fixture)


def test_attainment_for_the_period_quarter_and_year_to_date(wb):  # noqa: F811
    out = review.attainment_summary(wb, rep="R1", period="2025-03").set_index("span")
    # March 1,200 of 1,000; Q1: Feb 600 + Mar 1,200 = 1,800 of 800 + 1,000
    assert out.loc["period", ["actual", "target", "gap"]].tolist() == [1200, 1000, 200]
    assert out.loc["period", "attainment"] == pytest.approx(1.2)
    assert out.loc["quarter to date", ["actual", "target"]].tolist() == [1800, 1800]
    assert out.loc["year to date", "attainment"] == pytest.approx(1.0)


def test_against_plan_and_headline_against_the_team(wb):  # noqa: F811
    plan = review.against_plan(wb, rep="R2", period="2025-03")
    assert plan[["metric", "actual", "target", "gap"]].values.tolist() == [
        ["revenue", 500, 1000, -500]]
    card = review.headline(wb, rep="R2", period="2025-03").set_index("kpi")
    assert card.loc["revenue", ["actual", "team_median"]].tolist() == [500, 850]


def test_periods_and_unknown_rep(wb):  # noqa: F811
    assert review.closed_period(wb) == "2025-03"
    assert review.closed_period(wb, kind="quarter") == "2025-Q1"
    assert review.next_period("2025-12") == "2026-01"
    with pytest.raises(ValueError, match="no rep 'R9' in the workbook"):
        review.rep_info(wb, rep="R9")
