"""Review tables for one rep on hand-worked numbers."""

import pytest

from salesanalysis.reports import rep_review as review



def test_attainment_for_the_period_quarter_and_year_to_date(march_wb):
    out = review.attainment_summary(march_wb, rep="R1", period="2025-03").set_index("span")
    # March 1,200 of 1,000; Q1: Feb 600 + Mar 1,200 = 1,800 of 800 + 1,000
    assert out.loc["period", ["actual", "target", "gap"]].tolist() == [1200, 1000, 200]
    assert out.loc["period", "attainment"] == pytest.approx(1.2)
    assert out.loc["quarter to date", ["actual", "target"]].tolist() == [1800, 1800]
    assert out.loc["year to date", "attainment"] == pytest.approx(1.0)


def test_against_plan_and_headline_against_the_team(march_wb):
    plan = review.against_plan(march_wb, rep="R2", period="2025-03")
    assert plan[["metric", "actual", "target", "gap"]].values.tolist() == [
        ["revenue", 500, 1000, -500]]
    card = review.headline(march_wb, rep="R2", period="2025-03").set_index("kpi")
    assert card.loc["revenue", ["actual", "team_median"]].tolist() == [500, 850]


def test_periods_and_unknown_rep(march_wb):
    assert review.closed_period(march_wb) == "2025-03"
    assert review.closed_period(march_wb, grain="quarter") == "2025-Q1"
    assert review.next_period("2025-12") == "2026-01"
    with pytest.raises(ValueError, match="no rep 'R9' in the workbook"):
        review.rep_info(march_wb, rep="R9")


def test_slipped_deals_name_their_customers_and_the_order_book_its_items():
    from builders import FIELD_REPS, build, hist, opp

    deals = [opp(1, "R1", "2025-01-10", customer="C01", expected_close="2025-03-01"),
             opp(2, "R1", "2025-01-12", customer="C02", expected_close="2025-03-05")]
    history = [hist("O1", "2025-02-01", stage="lead", close="2025-02-20"),
               hist("O1", "2025-02-15", stage="lead", close="2025-03-01"),
               hist("O2", "2025-02-01", stage="lead", close="2025-03-10"),
               hist("O2", "2025-02-20", stage="lead", close="2025-03-05")]
    wb = build(as_of="2025-03-31", reps=FIELD_REPS, opportunities=deals,
               opportunity_history=history,
               customers=[{"customer_id": "C01", "name": "Acme"}, {"customer_id": "C02"}])
    moved = review.slipped(wb, rep="R1", period="2025-02").set_index("opportunity_id")
    # a customer without a name keeps its id
    assert moved["customer"].to_dict() == {"O1": "Acme", "O2": "C02"}
    assert moved.loc["O1", ["pushes", "pulls", "days_pushed"]].tolist() == [1, 0, 9]
    items = review.order_book_items(wb, rep="R1", period="2025-02").set_index("item")
    assert items.loc["Open deals", "value"] == 2 and items.loc["Open pipeline", "value"] == 200
    assert items.loc["Deals whose close date moved later", "value"] == 1  # O2 moved earlier
    assert items.loc["Days their close dates moved later", ["value", "unit"]].tolist() == [
        9, "days"]
    assert set(items.attrs["lacking"]) == {"open orders", "forecast"}
