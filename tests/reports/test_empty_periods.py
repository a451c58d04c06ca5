"""A period without data and a rep without activity yet: the review's numbers come out
empty or zero where nothing happened, and nothing fails on an empty frame."""

import pytest

from builders import STAGES, act, build, customers, opp, revenue_targets
from salesanalysis import kpi
from salesanalysis.errors import MissingDataError
from salesanalysis.analyses.gap import explain_gap
from salesanalysis.reports import rep_review

SELLERS = [{"rep_id": "R1", "name": "Ana", "team": "T", "department": "D", "role": "field"},
           {"rep_id": "R2", "name": "Ned", "team": "T", "department": "D", "role": "field",
            "active_from": "2025-03-01"}]  # a new hire: nothing recorded yet


@pytest.fixture(scope="module")
def book():
    deals = [opp(1, "R1", "2025-01-05", "won", "2025-02-10", 900, customer="C01",
                 offer="2025-01-20"),
             opp(2, "R1", "2025-02-01", "lost", "2025-03-05", 300, customer="C02",
                 offer="2025-02-10"),
             opp(3, "R1", "2025-03-01", customer="C01", stage="proposal",
                 expected_close="2025-04-30")]
    calls = [act(i, "R1", "call", f"2025-0{1 + i % 3}-1{i}", customer="C01") for i in range(6)]
    targets = revenue_targets(("2025-03", "R1", 1000), ("2025-03", "R2", 500),
                              ("2019-01", "R1", 800))
    wb = build(as_of="2025-03-20", reps=SELLERS, customers=customers(2), opportunities=deals,
               activities=calls, targets=targets, stages=STAGES,
               orders=[{"order_id": "S1", "rep_id": "R1", "customer_id": "C01",
                        "ordered_at": "2025-02-12", "amount": 900, "status": "invoiced",
                        "invoiced_at": "2025-02-20"}])
    yield wb
    wb.close()


def test_kpis_of_a_period_before_the_data_are_unknown_per_rep(book):
    frame = kpi.compute(book, ["revenue", "deals_won", "calls"], by="rep", period="month",
                        start="2019-01-01", end="2019-01-31")
    assert sorted(frame["rep"]) == ["R1", "R2"]
    assert frame[["revenue", "deals_won", "calls"]].isna().all().all()


def test_kpis_of_an_empty_month_inside_the_data_are_zero(book):
    # deals from 2025-01-05 to 2025-03-05, calls from January to March
    frame = kpi.compute(book, ["revenue", "deals_won", "calls"], by="rep", period="month",
                        start="2025-01-01", end="2025-04-30").set_index(["rep", "period"])
    assert frame.loc[("R1", "2025-01"), "revenue"] == 0  # nothing closed yet
    assert frame.loc[("R1", "2025-02"), "revenue"] == 900
    assert frame.loc[("R2", "2025-03"), "deals_won"] == 0  # the new hire
    assert frame.xs("2025-04", level="period")[["revenue", "calls"]].isna().all().all()


def test_the_revenue_gap_of_a_new_hire_is_zero_and_one_before_the_data_unknown(book):
    gap = explain_gap(book, metric="revenue", scope="R2", period="2025-03", against="previous")
    assert (gap.actual, gap.baseline) == (0.0, 0.0)
    assert gap.segments.empty
    for rep in ("R1", "R2"):
        with pytest.raises(MissingDataError, match="revenue from 2019-01-01 to 2019-01-31 is "
                                                   "unknown: the opportunities loaded do not"):
            explain_gap(book, metric="revenue", scope=rep, period="2019-01", against="previous")


def test_the_review_of_a_period_before_the_data_shows_unknown_not_zero(book):
    rep_review.prepare(book, period="2019-01")
    card = rep_review.headline(book, rep="R1", period="2019-01").set_index("kpi")
    assert card["actual"].isna().all()
    assert rep_review.pipeline_due(book, rep="R1", period="2019-01").empty
    assert rep_review.slipped(book, rep="R1", period="2019-01").empty


def test_the_review_of_a_new_hire_compares_with_nothing(book):
    card = rep_review.headline(book, rep="R2", period="2025-03").set_index("kpi")
    assert card.at["revenue", "actual"] == 0
    assert card.at["deals_won", "actual"] == 0
    gap = rep_review.revenue_gap(book, rep="R2", period="2025-03")
    assert gap.actual == 0.0
