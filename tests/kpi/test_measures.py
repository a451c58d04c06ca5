"""Counts and ratios built from measures, on small tables worked out by hand; the tests
of the two module workbooks run on DuckDB and on PostgreSQL (the same numbers)."""

import math

import pytest

from salesanalysis import MissingDataError, kpi

from backends import BACKENDS, on_backend
from builders import REPS, act, build, customers, opp

@pytest.fixture(scope="module", params=BACKENDS)
def meetings_wb(request):
    """R1 in March 2025: 15 meetings with 15 prospects, 45 more calls (60 raw contacts),
    10 deals won. R2 did nothing in March; nobody did anything in February."""
    acts = [act(i, "R1", "meeting", f"2025-03-{1 + i % 28:02d} 10:00", f"C{i + 1:02d}")
            for i in range(15)]
    acts += [act(100 + i, "R1", "call", f"2025-03-{1 + i % 28:02d} 15:00", f"C{i % 15 + 1:02d}")
             for i in range(45)]
    acts += [act(200, "R1", "call", "2025-01-20 09:00", "C01"),
             act(201, "R2", "call", "2025-01-21 09:00", "C16")]
    opps = [opp(i, "R1", "2025-02-01", "won", "2025-03-20", customer=f"C{i + 1:02d}")
            for i in range(10)]
    wb = build(reps=REPS, customers=customers(16), activities=acts, opportunities=opps)
    yield on_backend(wb, request.param, request)
    wb.close()


def test_close_rate_per_prospect_met_and_per_raw_contact_name_their_denominators(meetings_wb):
    out = kpi.compute(meetings_wb, ["close_rate_per_prospect_met", "close_rate_per_contact"],
                      by="rep", start="2025-03-01", end="2025-03-31").set_index("rep")
    r1 = out.loc["R1"]
    assert (r1["deals_won"], r1["prospects_met"], r1["contacts_made"]) == (10, 15, 60)
    assert r1["close_rate_per_prospect_met"] == pytest.approx(10 / 15)  # 66.7%
    assert r1["close_rate_per_contact"] == pytest.approx(10 / 60)  # 16.7%


def test_empty_periods_are_zero_rows_and_zero_denominators_are_missing(meetings_wb):
    out = kpi.close_rate_per_prospect_met(meetings_wb, by="rep", period="month",
                                          start="2025-01-01", end="2025-03-31")
    # every seller (not the manager) for every month, February included
    assert list(out["rep"]) == ["R1"] * 3 + ["R2"] * 3
    assert list(out["period"]) == ["2025-01", "2025-02", "2025-03"] * 2
    feb = out[(out["rep"] == "R1") & (out["period"] == "2025-02")].iloc[0]
    assert feb["deals_won"] == 0 and feb["prospects_met"] == 0
    assert math.isnan(feb["close_rate_per_prospect_met"])  # not an error, not infinity
    # the first deal was created in February: January's deals won are unknown, not 0
    jan = out[(out["rep"] == "R1") & (out["period"] == "2025-01")].iloc[0]
    assert math.isnan(jan["deals_won"]) and jan["prospects_met"] == 0  # calls logged
    covered = kpi.compute(meetings_wb, ["deals_won"], by="rep", period="month",
                          start="2025-02-01", end="2025-03-31")
    assert covered["deals_won"].dtype == "int64"
    assert not out["close_rate_per_prospect_met"].isin([math.inf, -math.inf]).any()


def test_touches_unique_prospects_new_prospects_and_follow_ups(meetings_wb):
    out = kpi.compute(meetings_wb, ["touches_per_prospect", "new_prospects", "follow_ups"],
                      by="rep", period="month", start="2025-01-01", end="2025-03-31")
    r1 = out[out["rep"] == "R1"].set_index("period")
    # January: one call to C01, its first contact ever
    assert r1.loc["2025-01", ["touches", "unique_prospects", "new_prospects",
                              "follow_ups"]].tolist() == [1, 1, 1, 0]
    # March: 60 touches of 15 customers; C01 was met in January, the other 14 are new
    assert r1.loc["2025-03", ["touches", "unique_prospects", "new_prospects",
                              "follow_ups"]].tolist() == [60, 15, 14, 46]
    assert r1.loc["2025-03", "touches_per_prospect"] == pytest.approx(4.0)


def test_a_team_rate_sums_numerators_and_denominators():
    opps = [opp(1, "R1", "2025-01-02", "won", "2025-01-10"),
            opp(2, "R2", "2025-01-02", "won", "2025-01-10")]
    opps += [opp(3 + i, "R2", "2025-01-02", "lost", "2025-01-12") for i in range(3)]
    with build(reps=REPS, opportunities=opps) as wb:
        reps = kpi.win_rate(wb, by="rep").set_index("rep")["win_rate"]
        team = kpi.win_rate(wb, by="team").set_index("team").loc["T"]
    assert reps["R1"] == 1.0 and reps["R2"] == 0.25  # their mean would be 62.5%
    assert (team["deals_won"], team["deals_closed"]) == (2, 5)
    assert team["win_rate"] == pytest.approx(0.4)


def test_iso_weeks_across_a_year_boundary():
    acts = [act(1, "R1", "call", "2024-12-29 10:00"),  # Sunday: 2024-W52
            act(2, "R1", "call", "2024-12-30 10:00"),  # Monday: 2025-W01
            act(3, "R1", "call", "2025-01-05 18:00"),  # Sunday: 2025-W01
            act(4, "R1", "call", "2025-01-06 08:00")]  # 2025-W02
    with build(reps=REPS[:1], activities=acts) as wb:
        out = kpi.calls(wb, by="rep", period="week")
    assert list(out["period"]) == ["2024-W52", "2025-W01", "2025-W02"]
    assert list(out["period_start"].dt.strftime("%Y-%m-%d")) == [
        "2024-12-23", "2024-12-30", "2025-01-06"]
    assert list(out["calls"]) == [1, 2, 1]


def test_activity_plan_completion_and_inside_rep_call_figures():
    acts = [act(1, "R2", "call", "2025-05-05", "C01", contact="P1", outcome="Connected",
                duration=100),
            act(2, "R2", "call", "2025-05-06", "C01", contact="P2", outcome="connected",
                duration=300),
            act(3, "R2", "call", "2025-05-07", "C02", outcome="no_answer", duration=10),
            act(4, "R2", "call", "2025-05-08", "C02", outcome="voicemail", duration=20),
            act(5, "R2", "meeting", "2025-05-09", "C02", contact="P3"),
            act(6, "R2", "visit", "2025-05-10", "C02", status="cancelled"),
            act(7, "R2", "call", "2025-05-30", "C02", status="planned")]
    contacts = [{"contact_id": "P1", "customer_id": "C01", "is_decision_maker": True},
                {"contact_id": "P2", "customer_id": "C01", "is_decision_maker": False},
                {"contact_id": "P3", "customer_id": "C02", "is_decision_maker": False}]
    with build(reps=REPS, customers=customers(2), contacts=contacts, activities=acts) as wb:
        out = kpi.compute(wb, ["plan_completion", "connect_rate", "average_call_duration",
                               "decision_maker_reach_rate", "decision_makers_reached"],
                          by="rep", start="2025-05-01", end="2025-05-31").set_index("rep")
    r2 = out.loc["R2"]
    assert (r2["done"], r2["scheduled"]) == (5, 7)
    assert r2["plan_completion"] == pytest.approx(5 / 7)
    assert (r2["connected_calls"], r2["calls"]) == (2, 4)
    assert r2["average_call_duration"] == pytest.approx(200.0)  # (100 + 300) / 2
    # conversations: two connected calls and the meeting; one with a decision maker
    assert (r2["decision_maker_conversations"], r2["conversations"]) == (1, 3)
    assert r2["decision_maker_reach_rate"] == pytest.approx(1 / 3)
    assert r2["decision_makers_reached"] == 1


def test_referral_requests_received_and_share_of_new_pipeline():
    acts = [act(i, "R1", "referral_request", "2025-04-0" + str(i + 1), "C01")
            for i in range(3)]
    opps = [opp(1, "R1", "2025-04-02", amount=300, source="referral"),
            opp(2, "R1", "2025-04-03", amount=100, source="inbound"),
            opp(3, "R1", "2025-04-04", amount=600, source="outbound")]
    with build(reps=REPS, customers=customers(1), activities=acts, opportunities=opps) as wb:
        out = kpi.compute(wb, ["referral_requests", "referrals_received", "referral_share"],
                          by="rep").set_index("rep").loc["R1"]
    assert (out["referral_requests"], out["referrals_received"]) == (3, 1)
    assert (out["referral_pipeline"], out["new_pipeline"]) == (300, 1000)
    assert out["referral_share"] == pytest.approx(0.3)


@pytest.fixture(scope="module", params=BACKENDS)
def funnel_wb(request):
    """Four won deals (10, 20, 30, 40 days), one lost; three had offers."""
    opps = [
        opp(1, "R1", "2025-06-01", "won", "2025-06-11", 1000, "C01", offer="2025-06-05",
            list_amount=1250, source="referral"),
        opp(2, "R1", "2025-06-01", "won", "2025-06-21", 2000, "C02", offer="2025-06-05",
            list_amount=2000),
        opp(3, "R1", "2025-06-01", "won", "2025-07-01", 3000, "C03"),
        opp(4, "R1", "2025-06-01", "won", "2025-07-11", 6000, "C04", source="referral"),
        opp(5, "R1", "2025-06-01", "lost", "2025-07-05", 4000, "C05", offer="2025-06-20",
            lost_reason="price"),
    ]
    acts = [act(1, "R1", "call", "2025-05-27 00:00", "C01")]  # five days before deal 1
    wb = build(reps=REPS, customers=customers(5), activities=acts, opportunities=opps)
    yield on_backend(wb, request.param, request)
    wb.close()


def test_win_rates_deal_size_and_price_variation(funnel_wb):
    out = kpi.compute(funnel_wb, ["win_rate", "win_rate_by_value", "offer_win_rate",
                                  "average_deal_size", "median_deal_size", "price_variation",
                                  "referral_win_rate", "other_win_rate"],
                      by="rep").set_index("rep").loc["R1"]
    assert (out["deals_won"], out["deals_closed"]) == (4, 5)
    assert out["win_rate_by_value"] == pytest.approx(12000 / 16000)
    assert (out["offers_won"], out["offers_decided"]) == (2, 3)
    assert out["average_deal_size"] == pytest.approx(3000.0)
    assert out["median_deal_size"] == pytest.approx(2500.0)
    # (1000 - 1250) + (2000 - 2000) over 3250 listed
    assert out["price_variation"] == pytest.approx(-250 / 3250)
    assert out["referral_win_rate"] == 1.0
    assert out["other_win_rate"] == pytest.approx(2 / 3)


def test_sales_cycle_median_and_90th_percentile(funnel_wb):
    out = kpi.compute(funnel_wb, ["cycle_median_days", "cycle_p90_days", "average_cycle_days",
                                  "cycle_from_first_contact_median_days"],
                      by=None).iloc[0]
    assert out["cycle_median_days"] == pytest.approx(25.0)
    assert out["cycle_p90_days"] == pytest.approx(37.0)  # 30 + 0.7 x 10
    assert out["average_cycle_days"] == pytest.approx(25.0)
    # deal 1 counts from its first contact five days earlier: 15, 20, 30, 40
    assert out["cycle_from_first_contact_median_days"] == pytest.approx(25.0)
    p90 = kpi.cycle_from_first_contact_p90_days(funnel_wb, by=None).iloc[0]
    assert p90["cycle_from_first_contact_p90_days"] == pytest.approx(37.0)


def test_offers_and_funnel_conversions_by_month(funnel_wb):
    out = kpi.compute(funnel_wb, ["offers_submitted", "offer_to_close"], by=None,
                      period="month").set_index("period")
    assert out.loc["2025-06", "offers_submitted"] == 3
    assert out.loc["2025-06", "deals_won"] == 2
    assert out.loc["2025-06", "offer_to_close"] == pytest.approx(2 / 3)
    assert out.loc["2025-07", "offers_submitted"] == 0
    assert math.isnan(out.loc["2025-07", "offer_to_close"])


def test_orders_deliveries_and_customer_feedback():
    orders = [
        {"order_id": "S1", "rep_id": "R1", "customer_id": "C01", "ordered_at": "2025-02-01",
         "amount": 100, "promised_at": "2025-02-10", "delivered_at": "2025-02-14",
         "invoiced_at": "2025-02-20", "status": "invoiced"},
        {"order_id": "S2", "rep_id": "R1", "customer_id": "C01", "ordered_at": "2025-02-02",
         "amount": 200, "promised_at": "2025-02-10", "delivered_at": "2025-02-09"},
        {"order_id": "S3", "rep_id": "R1", "customer_id": "C01", "ordered_at": "2025-02-03",
         "amount": 300, "promised_at": "2025-02-10", "delivered_at": "2025-02-20"},
        {"order_id": "S4", "rep_id": "R1", "customer_id": "C01", "ordered_at": "2025-02-04",
         "amount": 400, "promised_at": "2025-02-10"},
    ]
    feedback = [
        {"customer_id": "C01", "rep_id": "R1", "received_at": "2025-02-05", "kind": "survey",
         "score": 9},
        {"customer_id": "C01", "rep_id": "R1", "received_at": "2025-02-06", "kind": "survey",
         "score": 6},
        {"customer_id": "C01", "rep_id": "R1", "received_at": "2025-02-07",
         "kind": "complaint", "resolved_at": "2025-02-11"},
        {"customer_id": "C01", "rep_id": "R1", "received_at": "2025-02-08", "kind": "claim",
         "resolved_at": "2025-02-10"},
    ]
    with build(reps=REPS, customers=customers(1), orders=orders, feedback=feedback) as wb:
        out = kpi.compute(wb, ["orders", "order_value", "invoiced", "late_delivery_rate",
                               "mean_days_late", "satisfaction_rate", "mean_satisfaction",
                               "complaints", "claims", "complaints_per_100_orders",
                               "mean_days_to_resolve"],
                          by="rep", start="2025-02-01", end="2025-02-28").set_index("rep")
    r1 = out.loc["R1"]
    assert (r1["orders"], r1["order_value"], r1["invoiced"]) == (4, 1000, 100)
    assert (r1["late_deliveries"], r1["deliveries"]) == (2, 3)
    assert r1["mean_days_late"] == pytest.approx((4 + 10) / 2)
    assert r1["satisfaction_rate"] == 0.5 and r1["mean_satisfaction"] == 7.5
    assert (r1["complaints"], r1["claims"]) == (1, 1)
    assert r1["complaints_per_100_orders"] == pytest.approx(25.0)
    assert r1["mean_days_to_resolve"] == pytest.approx((4 + 2) / 2)


def test_missing_table_and_column_are_named():
    acts = [act(1, "R1", "call", "2025-01-02", "C01")]
    with build(reps=REPS, activities=acts) as wb:
        with pytest.raises(MissingDataError, match=r"win_rate.*table opportunities"):
            kpi.win_rate(wb)
        with pytest.raises(MissingDataError, match=r"column activities\.duration_s"):
            kpi.average_call_duration(wb)
        with pytest.raises(MissingDataError, match=r"table customers"):
            kpi.calls(wb, by="segment")


def test_bad_arguments_say_what_is_accepted(meetings_wb):
    with pytest.raises(ValueError, match="The 'by' parameter of calls must be one of rep, team"):
        kpi.calls(meetings_wb, by="region")
    with pytest.raises(ValueError, match="The 'period' parameter of calls must be one of week, month"):
        kpi.calls(meetings_wb, period="fortnight")
    with pytest.raises(ValueError, match=r"The 'end' parameter of calls must be on or after start \(2025-03-01\)"):
        kpi.calls(meetings_wb, start="2025-03-01", end="2025-02-01")
    with pytest.raises(ValueError, match="by='source' does not apply"):
        kpi.calls(meetings_wb, by="source")
    with pytest.raises(KeyError, match="unknown KPI 'calls_made'"):
        kpi.compute(meetings_wb, "calls_made")


def test_by_team_segment_and_territory(meetings_wb):
    out = kpi.prospects_met(meetings_wb, by=["team", "segment"],
                            start="2025-03-01", end="2025-03-31")
    assert out.to_dict("records") == [{"team": "T", "segment": "SMB", "prospects_met": 15}]
    terr = kpi.contacts_made(meetings_wb, by="territory", start="2025-01-01",
                             end="2025-01-31").set_index("territory")["contacts_made"]
    assert terr.to_dict() == {"East": 0, "West": 2}  # customers' territory wins over the rep's


def test_registry_lists_every_kpi_with_its_formula_and_tables():
    table = kpi.kpis()
    assert table["name"].is_unique and len(table) >= 60
    assert table[["label", "formula", "unit", "direction", "tables"]].notna().all().all()
    rates = table[table["denominator"].notna()]
    assert {"close_rate_per_contact", "win_rate", "stage_conversion"} <= set(rates["name"])
    assert kpi.get("close_rate_per_contact").denominator == "contacts_made"
    assert "Returns" in kpi.win_rate.__doc__ and "deals_closed" in kpi.win_rate.__doc__


def test_compute_points_to_the_function_of_a_kpi_not_built_from_measures(meetings_wb):
    with pytest.raises(ValueError, match=r"open_pipeline has a function of its own"):
        kpi.compute(meetings_wb, ["calls", "open_pipeline"])
