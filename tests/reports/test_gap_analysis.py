"""The gap analysis on hand-worked months: against the target where there is one, else
the previous period (and saying so), against last year, for a rate, a team and the
company, and the numbers the batch index shows."""

import math

import pandas as pd
import pytest

from builders import build, customers, opp, revenue_targets
from salesanalysis.analyses.gap import GapExplanation
from salesanalysis.errors import InvalidArgumentError, MissingDataError
from salesanalysis.reports import gap_analysis as report

REPS = [{"rep_id": r, "name": n, "team": t, "department": "D", "role": "field"}
        for r, n, t in (("R1", "Ana", "North"), ("R2", "Ben", "North"), ("R3", "Cy", "South"))]


def _closed(i, rep, outcome, closed, amount):
    return opp(i, rep, "2024-01-01", outcome, closed, amount, customer="C01")


# R1: February won 600 + 400, lost 300; March won 1,500, lost 500; March 2024 won 900.
# R2: February won 200; March won 700. R3: March won 5,000.
DEALS = [_closed(1, "R1", "won", "2025-02-10", 600), _closed(2, "R1", "won", "2025-02-20", 400),
         _closed(5, "R1", "lost", "2025-02-25", 300),
         _closed(3, "R1", "won", "2025-03-05", 1500), _closed(4, "R1", "lost", "2025-03-12", 500),
         _closed(6, "R1", "won", "2024-03-14", 900),
         _closed(8, "R2", "won", "2025-02-07", 200), _closed(7, "R2", "won", "2025-03-07", 700),
         _closed(9, "R3", "won", "2025-03-09", 5000)]
# March targets for R1 and R2; none for R3
TARGETS = revenue_targets(("2025-03", "R1", 2000), ("2025-03", "R2", 1000))


def _book(**tables):
    return build(as_of="2025-04-05", reps=REPS, customers=customers(1), opportunities=DEALS,
                 **tables)


@pytest.fixture(scope="module")
def book():
    wb = _book(targets=TARGETS)
    yield wb
    wb.close()


def _bridge(gap):
    return gap.bridge.set_index("driver")["effect"]


def test_a_rep_s_gap_against_the_target(book):
    gap = report.gap_or_fallback(book, scope="R1", period="2025-03")
    assert (gap.against, gap.scope, gap.baseline_period) == ("target", "Ana (R1)", "2025-03")
    # 1,500 won against a target of 2,000
    assert (gap.actual, gap.baseline, gap.gap) == (1500, 2000, -500)
    assert "the usual level (the average of 2024-12 to 2025-02)" in gap.note
    # the usual level is 500 a win (February's 2 wins for 1,000; none in December or
    # January): scaled to 2,000, 4 wins were needed; March had 1 win of 1,500.
    # LMDI weight (1,500 - 2,000) / ln(1,500 / 2,000)
    weight = -500 / math.log(1500 / 2000)
    bridge = _bridge(gap)
    assert bridge["wins"] == pytest.approx(weight * math.log(1 / 4))
    assert bridge["Revenue per win"] == pytest.approx(weight * math.log(1500 / 500))
    assert bridge.sum() == pytest.approx(-500)


def test_a_rep_without_a_target_is_compared_with_the_previous_period(book):
    gap = report.gap_or_fallback(book, scope="R3", period="2025-03")
    assert (gap.against, gap.baseline_period) == ("previous", "2025-02")
    # 5,000 in March, nothing in February
    assert (gap.actual, gap.baseline, gap.gap) == (5000, 0, 5000)
    assert gap.note.startswith(
        "No target for revenue in 2025-03: compared with previous instead.")


def test_without_any_targets_loaded_every_gap_falls_back():
    wb = _book()
    gap = report.gap_or_fallback(wb, scope="R1", period="2025-03")
    # March 1,500 against February 600 + 400
    assert (gap.against, gap.actual, gap.baseline, gap.gap) == ("previous", 1500, 1000, 500)
    assert gap.note.startswith("No target for revenue in 2025-03: compared with previous")
    wb.close()


def test_a_chosen_fallback_and_a_count_metric(book):
    gap = report.gap_or_fallback(book, metric="deals_won", scope="R1", period="2025-03",
                                 fallback="last_year")
    # no deals_won target: one win in March 2025 against one in March 2024
    assert (gap.against, gap.baseline_period, gap.unit) == ("last_year", "2024-03", "count")
    assert (gap.actual, gap.baseline, gap.gap) == (1, 1, 0)
    assert gap.note.startswith("No target for deals_won in 2025-03: compared with last "
                               "year instead.")


def test_against_last_year_and_the_previous_period_there_is_no_fallback(book):
    last_year = report.gap_or_fallback(book, scope="R1", period="2025-03",
                                       comparison="last_year")
    # 1,500 against 900 in March 2024: one win each, worth 600 more
    assert (last_year.against, last_year.baseline_period) == ("last_year", "2024-03")
    assert (last_year.actual, last_year.baseline, last_year.gap) == (1500, 900, 600)
    assert _bridge(last_year).to_dict() == pytest.approx({"wins": 0, "Revenue per win": 600})
    assert "instead" not in last_year.note
    previous = report.gap_or_fallback(book, scope="R1", period="2025-03",
                                      comparison="previous")
    assert (previous.against, previous.baseline, previous.gap) == ("previous", 1000, 500)


def test_a_rate_has_no_target_and_is_compared_with_the_previous_period(book):
    gap = report.gap_or_fallback(book, metric="win_rate", scope="R1", period="2025-03")
    # March: 1 won of 2 closed; February: 2 won of 3
    assert (gap.against, gap.unit) == ("previous", "ratio")
    assert gap.actual == pytest.approx(1 / 2)
    assert gap.baseline == pytest.approx(2 / 3)
    assert gap.gap == pytest.approx(1 / 2 - 2 / 3)
    assert gap.note == "Win rate is a rate, which has no targets: compared with previous instead."
    # one segment: no mix, all of it is the rate within it
    assert _bridge(gap).to_dict() == pytest.approx(
        {"Mix of segment": 0, "Win rate within each segment": 1 / 2 - 2 / 3})


def test_a_team_s_gap_against_its_reps_targets(book):
    gap = report.gap_or_fallback(book, scope="North", period="2025-03")
    # R1 1,500 + R2 700 against 2,000 + 1,000
    assert (gap.against, gap.scope) == ("target", "team North")
    assert (gap.actual, gap.baseline, gap.gap) == (2200, 3000, -800)
    assert gap.dims[0] == "rep"


def test_the_company_with_a_rep_without_target_falls_back(book):
    gap = report.gap_or_fallback(book, scope=None, period="2025-03")
    # February: R1 1,000 + R2 200 + R3 0
    assert gap.against == "previous"
    assert (gap.actual, gap.baseline) == (7200, 1200)
    assert gap.note.startswith("No target for revenue in 2025-03 for R3, with revenue in it: "
                               "compared with previous instead.")


def test_a_team_s_own_target_comes_before_the_sum_of_its_reps():
    team_target = {"period": "2025-03", "scope_level": "team", "scope_id": "North",
                   "metric": "revenue", "value": 4000}
    wb = _book(targets=[*TARGETS, team_target])
    gap = report.gap_or_fallback(wb, scope="North", period="2025-03")
    # North won 1,500 + 700 against its own 4,000 (its reps' targets add up to 3,000)
    assert (gap.against, gap.actual, gap.baseline) == ("target", 2200, 4000)
    wb.close()


def test_explain_gap_against_the_previous_period(book):
    gap = report.explain_gap(book, scope="R2", period="2025-03", against="previous")
    # R2: 700 in March against 200 in February, one win each
    assert (gap.actual, gap.baseline, gap.gap, gap.baseline_period) == (700, 200, 500, "2025-02")
    assert _bridge(gap).to_dict() == pytest.approx({"wins": 0, "Revenue per win": 500})


def test_a_period_before_the_data_is_unknown_whatever_the_comparison(book):
    # no target in 2023-03, so both compare with February 2023; the deals loaded begin
    # in January 2024
    for comparison in ("target", "previous"):
        with pytest.raises(MissingDataError, match="revenue from 2023-03-01 to 2023-03-31 is "
                                                   "unknown"):
            report.gap_or_fallback(book, scope="R1", period="2023-03", comparison=comparison)


def test_a_metric_whose_table_is_not_loaded_says_what_it_needs(book):
    with pytest.raises(MissingDataError, match="complaints cannot be computed: missing table "
                                               "feedback"):
        report.gap_or_fallback(book, metric="complaints", scope="R1", period="2025-03")


def test_an_unknown_scope_or_comparison_is_refused(book):
    with pytest.raises(InvalidArgumentError, match="no rep or team 'R9'"):
        report.gap_or_fallback(book, scope="R9", period="2025-03")
    with pytest.raises(InvalidArgumentError, match="against must be one of target, previous, "
                                                   "last_year; got 'budget'"):
        report.gap_or_fallback(book, scope="R1", period="2025-03", comparison="budget")


def test_an_unknown_metric_is_refused_like_explain_gap_refuses_it(book):
    with pytest.raises(InvalidArgumentError, match="metric must be one of"):
        report.gap_or_fallback(book, metric="calls", scope="R1", period="2025-03")


def test_headline_numbers_of_a_gap_with_two_segments():
    segments = pd.DataFrame({"cause": ["segment=SMB", "territory=East"],
                             "contribution": [-300.0, -100.0]})
    gap = GapExplanation("revenue", "Revenue", "currency", "Ana (R1)", "2025-03", "previous",
                         "2025-02", baseline=1000.0, actual=600.0, bridge=pd.DataFrame(),
                         segments=segments, matrix=pd.DataFrame())
    # 600 - 1,000
    assert report.headline_numbers(gap) == {
        "gap": -400.0, "actual": 600.0, "baseline": 1000.0, "segments": 2,
        "units": {"gap": "currency", "actual": "currency", "baseline": "currency"}}


def test_headline_numbers_of_a_computed_gap(book):
    rate = report.gap_or_fallback(book, metric="win_rate", scope="R1", period="2025-03")
    numbers = report.headline_numbers(rate)
    assert numbers["actual"] == pytest.approx(1 / 2)
    assert numbers["baseline"] == pytest.approx(2 / 3)
    assert numbers["gap"] == pytest.approx(-1 / 6)
    assert numbers["segments"] == len(rate.segments)
    assert numbers["units"] == {"gap": "ratio", "actual": "ratio", "baseline": "ratio"}
