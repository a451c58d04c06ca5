"""Pipeline health on hand-worked numbers: coverage, the weighted pipeline against target,
deals to disqualify, slippage, prospecting consistency and referrals, as they stood at
the end of February 2025, and what each shows when its data is missing."""

import math

import pandas as pd
import pytest

from builders import STAGES, act, build, customers, hist, opp, revenue_targets
from salesanalysis.errors import InvalidArgumentError, MissingDataError, UnknownNameError
from salesanalysis.present.display import Unavailable
from salesanalysis.reports import pipeline_health as health

REPS = [{"rep_id": r, "name": n, "team": t, "department": "D", "role": "field"}
        for r, n, t in (("R1", "Ana", "North"), ("R2", "Ben", "North"), ("R3", "Cy", "South"))]

# At 2025-02-28 (the end of "2025-02", in 2025-Q1):
#   R1 won O1 1,000 (2025-01-20), lost O10 600 (2025-02-12, a referral);
#      open O2 2,000 proposal (50%) due 03-15, O3 500 lead (10%) due 04-20 (a referral),
#      O9 300 lead (10%) due 05-30, and O4 800 due 03-05, won since (03-10, a referral):
#      its stage then is unknown, so it counts in the open pipeline only.
#   R2 won O6 2,500 (2025-02-10); open O7 400 negotiation (75%) due 03-20.
#   R3 open O8 1,200 qualified (25%) due 02-20 (already past).
DEALS = [
    opp(1, "R1", "2024-12-01", "won", "2025-01-20", 1000),
    opp(2, "R1", "2025-01-05", amount=2000, stage="proposal", expected_close="2025-03-15",
        next_step="send contract", next_step_due="2025-02-10"),
    opp(3, "R1", "2025-02-01", amount=500, stage="lead", expected_close="2025-04-20",
        source="referral"),
    opp(4, "R1", "2025-01-10", "won", "2025-03-10", 800, stage="won",
        expected_close="2025-03-05", source="referral"),
    opp(9, "R1", "2025-01-02", amount=300, stage="lead", expected_close="2025-05-30"),
    opp(10, "R1", "2024-12-10", "lost", "2025-02-12", 600, stage="lost", source="referral"),
    opp(6, "R2", "2025-01-15", "won", "2025-02-10", 2500, stage="won"),
    opp(7, "R2", "2025-01-20", amount=400, stage="negotiation", expected_close="2025-03-20",
        next_step="demo", next_step_due="2025-03-05"),
    opp(8, "R3", "2024-12-01", amount=1200, stage="qualified", expected_close="2025-02-20"),
]
# expected close dates: O2 pushed twice in February (+14, +14 days), O3 pulled in once
# (-11 days), O8 pushed in January only
HISTORY = [hist("O2", "2025-01-10", close="2025-02-15"),
           hist("O2", "2025-02-05", close="2025-03-01"),
           hist("O2", "2025-02-20", close="2025-03-15"),
           hist("O3", "2025-02-01", close="2025-05-01"),
           hist("O3", "2025-02-15", close="2025-04-20"),
           hist("O8", "2025-01-05", close="2025-01-31"),
           hist("O8", "2025-01-25", close="2025-02-20")]

# The eight ISO weeks to the end of February: 2025-W02 (Mon 01-06) to 2025-W09 (02-24).
WEEKS = pd.date_range("2025-01-06", periods=8, freq="7D")


def _first_calls(start, rep, week, first_customer, n):
    """``n`` calls by ``rep`` in ``week``, each the first ever with a new customer."""
    return [act(start + i, rep, "call", str((WEEKS[week] + pd.Timedelta(days=i % 4)).date()),
                customer=f"C{first_customer + i:02d}") for i in range(n)]


# R1 meets 4 new customers in W02 and 4 in W06, none in the other six weeks (a sawtooth);
# R2 meets one new customer every week; R3 logs nothing.
ACTIVITIES = [
    *_first_calls(0, "R1", 0, 1, 4), *_first_calls(4, "R1", 4, 5, 4),
    *[act(8 + w, "R2", "call", str((WEEKS[w] + pd.Timedelta(days=2)).date()),
          customer=f"C{9 + w:02d}") for w in range(8)],
    act(20, "R2", "meeting", "2025-02-20", customer="C09", opp="O7"),  # O7 is not idle
    # R1's referral requests: two done in January-February, one cancelled, one in December
    act(21, "R1", "referral_request", "2025-01-21", customer="C01"),
    act(22, "R1", "referral_request", "2025-02-11", customer="C05"),
    act(23, "R1", "referral_request", "2025-02-12", customer="C05", status="cancelled"),
    act(24, "R1", "referral_request", "2024-12-12", customer="C17"),
]
# R1 and R2 have quarter targets; R3 only monthly ones (500 a month)
TARGETS = revenue_targets(("2025-Q1", "R1", 3000), ("2025-Q1", "R2", 2000),
                          ("2025-01", "R3", 500), ("2025-02", "R3", 500),
                          ("2025-03", "R3", 500))
TABLES = dict(reps=REPS, customers=customers(17), stages=STAGES, opportunities=DEALS,
              opportunity_history=HISTORY, activities=ACTIVITIES, targets=TARGETS)


def _book(**tables):
    return build(as_of="2025-03-31", **tables)


def _without(table):
    return _book(**{name: rows for name, rows in TABLES.items() if name != table})


@pytest.fixture(scope="module")
def book():
    wb = _book(**TABLES)
    yield wb
    wb.close()


# -- coverage -------------------------------------------------------------------------

def test_coverage_is_the_open_pipeline_due_in_the_quarter_against_what_remains(book):
    cover = health.coverage(book, period="2025-02").set_index("rep")
    assert cover["period"].unique().tolist() == ["2025-Q1"]
    assert cover["as_of"].unique().tolist() == [pd.Timestamp("2025-02-28")]
    r1 = cover.loc["R1"]
    # target 3,000 - won 1,000 = 2,000 to win; due in Q1: O2 2,000 + O4 800 = 2,800,
    # weighted 2,000 x 50% (O4's stage then unknown) = 1,000
    assert r1[["target", "won_to_date", "remaining", "open_due", "weighted_due"]].tolist() == [
        3000, 1000, 2000, 2800, 1000]
    assert r1["coverage"] == pytest.approx(2800 / 2000)
    assert r1["weighted_coverage"] == pytest.approx(1000 / 2000)
    # the past year's closed value: won 1,000 of 1,000 + 600 closed
    assert r1["historical_win_rate"] == pytest.approx(1000 / 1600)
    assert r1["required_coverage"] == pytest.approx(1.6)


def test_coverage_of_a_rep_past_target_is_unknown_not_zero(book):
    r2 = health.coverage(book, period="2025-02").set_index("rep").loc["R2"]
    # won 2,500 of 2,000: nothing remains, so no coverage ratio can be given
    assert r2[["remaining", "open_due", "weighted_due"]].tolist() == [-500, 400, 300]
    assert math.isnan(r2["coverage"]) and math.isnan(r2["weighted_coverage"])
    assert r2["required_coverage"] == pytest.approx(1.0)  # 2,500 won of 2,500 closed


def test_coverage_of_one_team_keeps_its_reps_only(book):
    north = health.coverage(book, period="2025-02", team="North")
    assert north["rep"].tolist() == ["R1", "R2"]
    assert north["open_due"].tolist() == [2800, 400]


def test_a_rep_with_monthly_targets_has_their_sum_as_quarter_target(book):
    r3 = health.coverage(book, period="2025-02").set_index("rep").loc["R3"]
    # 500 + 500 + 500; nothing won yet; O8 1,200 due in Q1
    assert r3["target"] == 1500
    assert r3["remaining"] == 1500
    assert r3["coverage"] == pytest.approx(1200 / 1500)


def test_coverage_without_targets_says_what_it_needs():
    wb = _without("targets")
    with pytest.raises(MissingDataError, match="table targets"):
        health.coverage(wb, period="2025-02")
    wb.close()


def test_coverage_without_stage_probabilities_leaves_only_the_weighted_part_unknown():
    wb = _without("stages")
    r1 = health.coverage(wb, period="2025-02").set_index("rep").loc["R1"]
    # as with probabilities: 2,000 to win, 2,800 open and due in the quarter
    assert (r1["remaining"], r1["open_due"], r1["coverage"]) == (2000, 2800, pytest.approx(1.4))
    assert math.isnan(r1["weighted_due"]) and math.isnan(r1["weighted_coverage"])
    wb.close()


def test_coverage_of_a_quarter_before_the_data_has_no_target_or_wins_known(book):
    cover = health.coverage(book, period="2023-06")
    assert cover["period"].unique().tolist() == ["2023-Q2"]
    for column in ("target", "won_to_date", "remaining", "coverage", "historical_win_rate"):
        assert cover[column].isna().all(), column


# -- weighted pipeline against target ------------------------------------------------

def test_the_weighted_pipeline_against_the_quarter_target(book):
    out = health.pipeline_against_target(book, period="2025-02").set_index("rep")
    assert out["target_quarter"].unique().tolist() == ["2025-Q1"]
    # R1 open: O2 2,000 + O3 500 + O4 800 + O9 300 = 3,600; weighted
    # 2,000 x 0.5 + 500 x 0.1 + 300 x 0.1 = 1,080 (O4's stage then unknown); / 3,000
    assert out.loc["R1", ["open_deals", "open_pipeline", "unpriced_deals",
                          "weighted_pipeline", "target"]].tolist() == [4, 3600, 0, 1080, 3000]
    assert out.loc["R1", "weighted_vs_target"] == pytest.approx(1080 / 3000)
    # R2: O7 400 x 0.75 = 300 of 2,000
    assert out.loc["R2", ["open_deals", "open_pipeline", "weighted_pipeline"]].tolist() == [
        1, 400, 300]
    assert out.loc["R2", "weighted_vs_target"] == pytest.approx(0.15)
    assert out.loc["R3", ["open_pipeline", "weighted_pipeline"]].tolist() == [1200, 300]


def _monthly_targets_book():
    # no quarter targets at all: R1 has all three months of Q1, R2 February only
    targets = revenue_targets(("2025-01", "R1", 1000), ("2025-02", "R1", 1200),
                              ("2025-03", "R1", 800), ("2025-02", "R2", 900))
    return _book(**{**TABLES, "targets": targets})


def test_a_quarter_target_is_the_sum_of_its_months():
    wb = _monthly_targets_book()
    out = health.pipeline_against_target(wb, period="2025-02").set_index("rep")
    # R1 1,000 + 1,200 + 800; R3 none set
    assert out.loc["R1", "target"] == 3000
    assert out.loc["R1", "weighted_vs_target"] == pytest.approx(1080 / 3000)
    assert math.isnan(out.loc["R3", "target"]) and math.isnan(out.loc["R3", "weighted_vs_target"])
    wb.close()


def test_a_quarter_only_partly_covered_by_monthly_targets_has_no_target():
    wb = _monthly_targets_book()
    out = health.pipeline_against_target(wb, period="2025-02").set_index("rep")
    assert math.isnan(out.loc["R2", "target"])
    wb.close()


def test_without_targets_or_probabilities_the_ratio_is_unknown_and_the_pipeline_kept():
    no_targets = _without("targets")
    out = health.pipeline_against_target(no_targets, period="2025-02").set_index("rep")
    assert out["target"].isna().all() and out["weighted_vs_target"].isna().all()
    assert out["weighted_pipeline"].tolist() == [1080, 300, 300]
    no_targets.close()
    no_stages = _without("stages")
    out = health.pipeline_against_target(no_stages, period="2025-02").set_index("rep")
    # no probabilities: the weighted pipeline is unknown, not 0; the open pipeline stays
    assert out["weighted_pipeline"].isna().all() and out["weighted_vs_target"].isna().all()
    assert out["open_pipeline"].tolist() == [3600, 400, 1200]
    assert out["target"].tolist()[:2] == [3000, 2000]
    no_stages.close()


def test_the_pipeline_of_a_quarter_before_the_data_is_unknown(book):
    out = health.pipeline_against_target(book, period="2023-06")
    assert out["target"].isna().all()  # no target set for 2023-Q2
    assert out["open_pipeline"].isna().all() and out["open_deals"].isna().all()
    assert out["weighted_pipeline"].isna().all()
    cover = health.coverage(book, period="2023-06")
    assert cover["open_due"].isna().all() and cover["weighted_due"].isna().all()


# -- deals to disqualify ---------------------------------------------------------------

def test_deals_with_two_stall_reasons_are_to_disqualify_largest_first(book):
    out = health.disqualify(book, period="2025-02")
    # at 02-28: O2 next step due 02-10, idle since 01-05 (54 days); O9 no next step, idle
    # since 01-02 (57 days); O8 no next step, idle since 2024-12-01 (89 days), expected
    # 02-20. O3 (27 days old) has only "no next step"; O7 had a meeting on 02-20.
    assert out[["rep_id", "opportunity_id", "amount", "days_idle"]].values.tolist() == [
        ["R1", "O2", 2000, 54], ["R1", "O9", 300, 57], ["R3", "O8", 1200, 89]]
    assert out["reasons"].tolist() == ["next step overdue, idle", "no next step, idle",
                                       "no next step, idle, past expected close"]


def test_deals_to_disqualify_of_one_team(book):
    assert health.disqualify(book, period="2025-02", team="South")["opportunity_id"].tolist() \
        == ["O8"]
    with pytest.raises(UnknownNameError, match="no team 'West'"):
        health.disqualify(book, period="2025-02", team="West")


def test_without_activities_idleness_is_not_judged():
    wb = _without("activities")
    out = health.disqualify(wb, period="2025-02")
    # without idle, O2 and O9 keep one reason each; O8 still has two
    assert out["opportunity_id"].tolist() == ["O8"]
    assert out["reasons"].tolist() == ["no next step, past expected close"]
    wb.close()


def test_no_deal_is_to_disqualify_before_the_first_was_created(book):
    assert health.disqualify(book, period="2023-06").empty


# -- slippage -------------------------------------------------------------------------

def test_slippage_counts_the_moves_inside_the_period_and_lists_every_rep(book):
    out = health.slippage(book, period="2025-02")
    # R1: O2 pushed 02-15 -> 03-01 -> 03-15 (2 pushes, 28 days), O3 pulled 05-01 -> 04-20;
    # R3's O8 moved in January only
    assert out.values.tolist() == [["R1", 2, 2, 1, 28], ["R2", 0, 0, 0, 0],
                                   ["R3", 0, 0, 0, 0]]
    assert list(out.columns) == ["rep", "deals_moved", "pushes", "pulls", "days_pushed"]


def test_slippage_of_january_and_one_team(book):
    january = health.slippage(book, period="2025-01").set_index("rep")
    # O8 01-31 -> 02-20 on 01-25: 20 days; O2's first row has nothing before it
    assert january.loc["R3"].tolist() == [1, 1, 0, 20]
    assert january.loc["R1"].tolist() == [0, 0, 0, 0]
    south = health.slippage(book, period="2025-02", team="South")
    assert south.values.tolist() == [["R3", 0, 0, 0, 0]]


def test_slippage_of_a_period_that_is_no_label_is_refused(book):
    with pytest.raises(InvalidArgumentError, match="month must be 01 to 12"):
        health.slippage(book, period="2025-13")


# -- prospecting consistency ------------------------------------------------------------

def test_consistency_flags_the_rep_who_prospects_in_bursts(book):
    out = health.consistency(book, period="2025-02", weeks=8).set_index("rep")
    assert out[["from_week", "to_week", "weeks"]].drop_duplicates().values.tolist() == [
        ["2025-W02", "2025-W09", 8]]
    r1 = out.loc["R1"]
    # weekly 4, 0, 0, 0, 4, 0, 0, 0: mean 1, variance (2 x 3^2 + 6 x 1^2) / 8 = 3
    assert r1["new_prospects_mean"] == pytest.approx(1.0)
    assert r1["new_prospects_std"] == pytest.approx(math.sqrt(3))
    assert r1["new_prospects_cv"] == pytest.approx(math.sqrt(3))
    # floor: half the median of the means 1, 1, 0; 6 of 8 weeks below it, in two runs of 3
    assert r1["floor"] == pytest.approx(0.5)
    assert r1["new_prospects_below_floor"] == pytest.approx(6 / 8)
    assert (r1["low_runs"], r1["sawtooth"]) == (2, True)
    # one new customer every week: steady, never below the floor
    assert out.loc["R2", ["new_prospects_mean", "new_prospects_cv",
                          "new_prospects_below_floor", "sawtooth"]].tolist() == [1, 0, 0, False]
    # no prospect at all: every week below, no variation to speak of
    assert math.isnan(out.loc["R3", "new_prospects_cv"])
    assert out.loc["R3", ["new_prospects_below_floor", "sawtooth"]].tolist() == [1, False]
    # new opportunities in W02-W09: R1 O4 (01-10) and O3 (02-01): 2 of 8 weeks
    assert r1["new_opportunities_mean"] == pytest.approx(2 / 8)


def test_consistency_of_one_team(book):
    north = health.consistency(book, period="2025-02", weeks=8, team="North")
    assert north["rep"].tolist() == ["R1", "R2"]
    assert north["sawtooth"].tolist() == [True, False]


def test_prospecting_without_activities_says_what_it_needs():
    wb = _without("activities")
    with pytest.raises(MissingDataError, match="missing table activities"):
        health.consistency(wb, period="2025-02", weeks=8)
    with pytest.raises(MissingDataError, match="missing table activities"):
        health.weekly_prospects(wb, rep="R1", period="2025-02", weeks=8)
    wb.close()


def test_the_consistency_of_weeks_before_the_data_is_unknown(book):
    out = health.consistency(book, period="2023-06", weeks=8)
    assert out["new_prospects_mean"].isna().all()
    assert out["new_prospects_below_floor"].isna().all()
    assert (out["weeks"] == 0).all() and not out["sawtooth"].any()


def test_weekly_prospects_of_one_rep(book):
    out = health.weekly_prospects(book, rep="R1", period="2025-02", weeks=8)
    assert out["period"].tolist() == [f"2025-W{w:02d}" for w in range(2, 10)]
    assert out["new_prospects"].tolist() == [4, 0, 0, 0, 4, 0, 0, 0]
    assert set(out["rep"]) == {"R1"}


def test_weekly_prospects_before_the_data_are_unknown_not_zero(book):
    out = health.weekly_prospects(book, rep="R1", period="2023-06", weeks=4)
    assert out["period"].tolist() == ["2023-W23", "2023-W24", "2023-W25", "2023-W26"]
    assert out["new_prospects"].isna().all()


def test_weekly_prospects_of_an_unknown_rep_is_an_error(book):
    with pytest.raises(UnknownNameError):
        health.weekly_prospects(book, rep="R9", period="2025-02", weeks=8)


# -- referrals -------------------------------------------------------------------------

def test_referral_conversion_over_the_months_to_the_period(book):
    out = health.referral_conversion(book, period="2025-02", months=2).set_index("rep")
    r1 = out.loc["R1"]
    # January-February: two done requests (one cancelled, one in December left out);
    # created: O2 2,000, O3 500 (referral), O4 800 (referral), O9 300 -> 1,300 / 3,600;
    # closed: O1 won (outbound), O10 lost (referral)
    assert r1["referral_requests"] == 2
    assert r1["referral_share"] == pytest.approx(1300 / 3600)
    assert (r1["referral_won"], r1["referral_closed"], r1["referral_win_rate"]) == (0, 1, 0)
    assert (r1["other_won"], r1["other_closed"], r1["other_win_rate"]) == (1, 1, 1)
    # R2: 2,900 new, none from referrals; no referral deal closed: a rate without a
    # denominator is unknown
    assert out.loc["R2", "referral_share"] == 0
    assert math.isnan(out.loc["R2", "referral_win_rate"])
    # R3: nothing created or closed in the window
    assert out.loc["R3", "referral_requests"] == 0
    assert out.loc["R3", ["referral_share", "referral_win_rate", "other_win_rate"]].isna().all()


def test_referral_conversion_of_twelve_months_and_one_team(book):
    out = health.referral_conversion(book, period="2025-02", team="North").set_index("rep")
    assert list(out.index) == ["R1", "R2"]
    # March 2024 to February 2025 adds December's request, and O1 1,000 and O10 600
    # (a referral) created in December: 500 + 800 + 600 = 1,900 of 3,600 + 1,600
    assert out.loc["R1", "referral_requests"] == 3
    assert out.loc["R1", "referral_share"] == pytest.approx(1900 / 5200)


def test_referrals_before_the_data_are_unknown_and_without_activities_need_them(book):
    before = health.referral_conversion(book, period="2023-06", months=2)
    assert before[["referral_requests", "referral_share", "referral_win_rate"]].isna().all().all()
    wb = _without("activities")
    with pytest.raises(MissingDataError, match="referral_requests"):
        health.referral_conversion(wb, period="2025-02")
    wb.close()


# -- headline numbers -----------------------------------------------------------------

def test_headline_numbers_of_the_report(book):
    numbers = health.headline_numbers(
        stalled=health.disqualify(book, period="2025-02"),
        consistency_table=health.consistency(book, period="2025-02", weeks=8),
        cover=health.coverage(book, period="2025-02", team="North"))
    # 3 deals to disqualify (O2, O9, O8); R1 the one sawtooth; North due 2,800 + 400,
    # still to win 2,000 - 500 (R2 is past target)
    assert numbers == {"disqualify": 3, "sawtooth_reps": 1, "open_due": 3200.0,
                       "remaining": 1500.0}


def test_headline_numbers_of_sections_the_data_could_not_give_are_none():
    cover = pd.DataFrame({"open_due": [100.0, 50.0], "remaining": [300.0, 20.0]})
    numbers = health.headline_numbers(stalled=Unavailable("needs opportunities"),
                                      consistency_table=Unavailable("needs activities"),
                                      cover=cover)
    assert numbers == {"disqualify": None, "sawtooth_reps": None, "open_due": 150.0,
                       "remaining": 320.0}


def test_the_target_still_to_win_is_unknown_when_no_rep_has_a_target(book):
    cover = health.coverage(book, period="2024-12")  # no target set for 2024-Q4
    assert cover["remaining"].isna().all()
    remaining = health.headline_numbers(stalled=None, consistency_table=None,
                                        cover=cover)["remaining"]
    assert remaining is None
