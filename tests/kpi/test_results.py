"""Results against plan, growth, order book and consistency on hand-worked tables."""

import math

import numpy as np
import pandas as pd
import pytest

from salesanalysis import kpi

from builders import REPS, STAGES, act, build, customers, hist, opp, won


def test_attainment_gap_and_pacing(sales_wb):
    out = kpi.attainment(sales_wb, by="rep", period="month", start="2025-03-01",
                         end="2025-03-16", as_of="2025-03-16")
    r1 = out.set_index("rep").loc["R1"]
    assert (r1["actual"], r1["target"], r1["gap"]) == (600, 1000, -400)
    assert r1["attainment"] == pytest.approx(0.6)
    assert r1["elapsed"] == pytest.approx(16 / 31)
    assert r1["pacing"] == pytest.approx(0.6 / (16 / 31))  # ahead of pace: 1.16
    assert math.isnan(out.set_index("rep").loc["R2", "target"])


def test_a_quarter_without_a_target_of_its_own_sums_its_months(sales_wb):
    goal = kpi.targets(sales_wb, metric="revenue", by="rep", labels=["2025-Q1", "2025-04"])
    assert goal.to_dict("records") == [{"rep": "R1", "period": "2025-Q1", "target": 2300.0}]
    team = kpi.targets(sales_wb, metric="revenue", by="team", labels=["2025-Q1"])
    assert team["target"].tolist() == [3000.0]
    with pytest.raises(ValueError, match="targets are set per one of"):
        kpi.targets(sales_wb, metric="revenue", by=["rep", "segment"], labels=["2025"])


def test_growth_against_previous_period_and_last_year(sales_wb):
    prev = kpi.growth(sales_wb, by="rep", period="month", start="2025-03-01",
                      end="2025-03-31", against="previous").set_index("rep").loc["R1"]
    assert (prev["actual"], prev["base"], prev["change"]) == (1100, 1200, -100)
    assert prev["growth"] == pytest.approx(-100 / 1200)
    ly = kpi.growth(sales_wb, by="rep", period="month", start="2025-03-01", end="2025-03-31",
                    against="last_year").set_index("rep").loc["R1"]
    assert (ly["actual"], ly["base"]) == (1100, 1250)
    with pytest.raises(ValueError, match="The 'against' parameter of growth must be one of previous, last_year"):
        kpi.growth(sales_wb, against="budget")


def test_period_to_date_compares_like_for_like(sales_wb):
    out = kpi.period_to_date(sales_wb, by="rep", period="month", as_of="2025-03-16")
    r1 = out.set_index("rep").loc["R1"]
    # Mar 1-16 (400 + 200) against Feb 1-16 (300, not all February) and Mar 1-16 2024 (250)
    assert (r1["days"], r1["actual"], r1["previous"], r1["last_year"]) == (16, 600, 300, 250)
    assert r1["growth_vs_previous"] == pytest.approx(1.0)
    assert r1["growth_vs_last_year"] == pytest.approx(350 / 250)


def test_order_book_and_open_complaints_at_a_date():
    orders = [
        {"order_id": "S1", "rep_id": "R1", "ordered_at": "2025-02-01", "amount": 100,
         "promised_at": "2025-02-10"},                                 # open, overdue
        {"order_id": "S2", "rep_id": "R1", "ordered_at": "2025-02-05", "amount": 200,
         "promised_at": "2025-03-10"},                                 # open
        {"order_id": "S3", "rep_id": "R1", "ordered_at": "2025-02-05", "amount": 400,
         "promised_at": "2025-02-10", "delivered_at": "2025-02-09"},   # delivered
        {"order_id": "S4", "rep_id": "R1", "ordered_at": "2025-02-05", "amount": 800,
         "status": "cancelled"},
        {"order_id": "S5", "rep_id": "R1", "ordered_at": "2025-03-05", "amount": 1600},
    ]
    feedback = [
        {"customer_id": "C01", "rep_id": "R1", "received_at": "2025-02-10",
         "kind": "complaint"},
        {"customer_id": "C01", "rep_id": "R1", "received_at": "2025-02-20", "kind": "claim",
         "resolved_at": "2025-03-01"},
        {"customer_id": "C01", "rep_id": "R1", "received_at": "2025-02-01", "kind": "complaint",
         "resolved_at": "2025-02-05"},
    ]
    with build(reps=REPS, customers=customers(1), orders=orders, feedback=feedback) as wb:
        book = kpi.order_book(wb, by="rep", as_of="2025-02-28").set_index("rep").loc["R1"]
        comp = kpi.open_complaints(wb, by="rep", as_of="2025-02-28").set_index("rep")
    assert book[["open_orders", "open_order_value", "overdue_orders", "overdue_value"]] \
        .tolist() == [2, 300, 1, 100]
    assert comp.loc["R1", "open_complaints"] == 2
    assert comp.loc["R1", "mean_age_days"] == pytest.approx((19 + 9) / 2)
    assert comp.loc["R2", "open_complaints"] == 0


def test_forecast_deviation_uses_the_weighted_pipeline_the_day_before():
    opps = [opp("F", "R1", "2025-02-01", "won", "2025-03-10", 400, stage="won",
                expected_close="2025-03-15"),
            opp("G", "R1", "2025-02-01", "lost", "2025-03-12", 600, stage="lost",
                expected_close="2025-03-20")]
    history = [hist("OF", "2025-02-01", "proposal", 400, "2025-03-15"),
               hist("OG", "2025-02-01", "negotiation", 600, "2025-03-20")]
    with build(reps=REPS, stages=STAGES, opportunities=opps, opportunity_history=history) as wb:
        out = kpi.forecast_deviation(wb, by=None, period="month", start="2025-03-01",
                                     end="2025-03-31").iloc[0]
    assert out["forecast"] == pytest.approx(400 * 0.5 + 600 * 0.75)
    assert out["revenue"] == 400
    assert out["forecast_deviation"] == pytest.approx((400 - 650) / 650)


def test_lost_reasons_with_shares():
    opps = [opp(i, "R1", "2025-01-01", "lost", "2025-02-01", lost_reason=r)
            for i, r in enumerate(["price", "price", "timing", None])]
    with build(reps=REPS, opportunities=opps) as wb:
        out = kpi.lost_reasons(wb, by="rep")
    assert out[["lost_reason", "lost", "lost_total"]].values.tolist() == [
        ["price", 2, 4], ["timing", 1, 4], ["unspecified", 1, 4]]
    assert out["lost_reasons"].tolist() == [0.5, 0.25, 0.25]


def test_prospecting_consistency_and_the_sawtooth_flag():
    # 12 ISO weeks from Mon 2025-01-06; R1 prospects 4 a week then nothing, in 3-week waves;
    # R2 finds 2 new prospects every week
    weeks = pd.date_range("2025-01-06", periods=12, freq="7D")
    r1 = [4, 4, 4, 0, 0, 0, 4, 4, 4, 0, 0, 0]
    acts, n = [], 0
    for week, k in zip(weeks, r1):
        for _ in range(k):
            n += 1
            acts.append(act(n, "R1", "call", week + pd.Timedelta(hours=9 + n % 8), f"C{n:03d}"))
    for week in weeks:
        for _ in range(2):
            n += 1
            acts.append(act(n, "R2", "visit", week + pd.Timedelta(hours=10), f"C{n:03d}"))
    cust = [{"customer_id": f"C{i:03d}"} for i in range(1, n + 1)]
    with build(reps=REPS, customers=cust, activities=acts) as wb:
        out = kpi.prospecting_consistency(wb, by="rep", end="2025-03-30", weeks=12)
    out = out.set_index("rep")
    assert (out.loc["R1", "from_week"], out.loc["R1", "to_week"]) == ("2025-W02", "2025-W13")
    assert out.loc["R1", "new_prospects_mean"] == 2.0
    assert out.loc["R1", "new_prospects_cv"] == pytest.approx(1.0)  # std 2 / mean 2
    assert out.loc["R2", "new_prospects_cv"] == 0.0
    # floor: half the median of the weekly means (2, 2) = 1; R1 is below it 6 weeks of 12
    assert out.loc["R1", "floor"] == 1.0
    assert out.loc["R1", "new_prospects_below_floor"] == 0.5
    assert out.loc["R1", "low_runs"] == 2
    assert out["sawtooth"].to_dict() == {"R1": True, "R2": False}


def test_coverage_against_what_remains_to_win_and_what_the_win_rate_requires():
    opps = [
        won(1, "R1", "2025-02-10", 400),                      # won this quarter
        opp(2, "R1", "2024-09-01", "lost", "2024-12-01", 1200),  # last year's record: 25%
        opp(3, "R1", "2025-03-01", amount=1000, stage="proposal", expected_close="2025-03-20"),
        opp(4, "R1", "2025-03-01", amount=800, stage="lead", expected_close="2025-03-31"),
        opp(5, "R1", "2025-03-01", amount=5000, stage="lead", expected_close="2025-04-15"),
    ]
    targets = [{"period": "2025-Q1", "scope_level": "rep", "scope_id": "R1",
                "metric": "revenue", "value": 1600}]
    with build(reps=REPS, stages=STAGES, opportunities=opps, targets=targets) as wb:
        out = kpi.coverage(wb, by="rep", period="quarter", as_of="2025-03-10")
    r1 = out.set_index("rep").loc["R1"]
    assert (r1["period"], r1["target"], r1["won_to_date"], r1["remaining"]) == (
        "2025-Q1", 1600, 400, 1200)
    assert (r1["open_due"], r1["weighted_due"]) == (1800, 1000 * 0.5 + 800 * 0.1)
    assert r1["coverage"] == pytest.approx(1.5)
    assert r1["weighted_coverage"] == pytest.approx(580 / 1200)
    assert r1["historical_win_rate"] == pytest.approx(400 / 1600)
    assert r1["required_coverage"] == pytest.approx(4.0)
    assert np.isnan(out.set_index("rep").loc["R2", "coverage"])
