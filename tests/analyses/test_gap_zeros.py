"""The revenue bridge where a driver is zero, on hand-worked months of one rep: the
driver that became zero carries the change, a ratio undefined on one side counts as
unchanged, the tree suits the data, and the segment table adds up to the bridge."""

import math

import pytest

from builders import build
from salesanalysis.analyses.gap import explain_gap

DRIVERS = ["activities", "Offers per activity", "Win rate", "Revenue per win"]
REPS = [{"rep_id": r, "name": n, "team": "T", "department": "D", "role": "field"}
        for r, n in (("R1", "Ana"), ("R2", "Ben"))]
CUSTOMERS = [{"customer_id": "C-SMB", "segment": "SMB"},
             {"customer_id": "C-MM", "segment": "Mid-Market"}]


def _month(month, *, activities=0, offers=0, wins=0, amount=0.0, segment="SMB", rep="R1"):
    """One month of a rep: activities, offers sent (the first ``wins`` of them won in the
    same month, each worth ``amount``)."""
    customer = "C-SMB" if segment == "SMB" else "C-MM"
    acts = [{"rep_id": rep, "activity_type": "call", "status": "done", "customer_id": customer,
             "occurred_at": f"{month}-{1 + i % 27:02d}"} for i in range(activities)]
    opps = [{"rep_id": rep, "customer_id": customer, "created_at": f"{month}-01",
             "offer_sent_at": f"{month}-02", "amount": amount,
             "outcome": "won" if i < wins else "open",
             "closed_at": f"{month}-20" if i < wins else None} for i in range(offers)]
    return acts, opps


# R2 works every month, so the data covers January to March whatever R1 did
COLLEAGUE = [_month(m, activities=1, offers=1, rep="R2") for m in ("2025-01", "2025-02", "2025-03")]


def _workbook(*months, targets=()):
    acts, opps = [], []
    for a, o in [*months, *COLLEAGUE]:
        acts += a
        opps += o
    for i, row in enumerate(acts):
        row["activity_id"] = f"A{i}"
    for i, row in enumerate(opps):
        row["opportunity_id"] = f"O{i}"
    goals = [{"period": p, "scope_level": "rep", "scope_id": "R1", "metric": "revenue",
              "value": v} for p, v in targets]
    return build(as_of="2025-04-10", reps=REPS, customers=CUSTOMERS, activities=acts,
                 opportunities=opps, **({"targets": goals} if goals else {}))


def _bridge(wb, against="previous"):
    gap = explain_gap(wb, scope="R1", period="2025-03", against=against, dims=["segment"])
    return gap, gap.bridge.set_index("driver")["effect"].to_dict()


def _adds_up(gap):
    drivers = gap.matrix.drop(columns="total")
    # rows add up to each segment's change, columns to the bridge, all of it to the gap
    assert drivers.sum(axis=1).to_numpy() == pytest.approx(gap.matrix["total"].to_numpy())
    bridge = gap.bridge.set_index("driver")["effect"]
    assert drivers.sum().reindex(bridge.index).to_numpy() == pytest.approx(bridge.to_numpy())
    assert bridge.sum() == pytest.approx(gap.gap)


FEB = dict(activities=10, offers=4, wins=2, amount=500.0)  # revenue 1,000


def test_no_win_now_puts_the_whole_loss_on_the_win_rate():
    gap, bridge = _bridge(_workbook(_month("2025-02", **FEB),
                                    _month("2025-03", activities=8, offers=3)))
    assert gap.gap == -1000
    # revenue per win is undefined in March: unchanged; activities and offers moved, but
    # with no win at all the win rate is what took revenue to 0
    assert bridge == {"activities": 0, "Offers per activity": 0, "Win rate": -1000,
                      "Revenue per win": 0}
    _adds_up(gap)


def test_no_offer_now_puts_it_on_offers_per_activity():
    _, bridge = _bridge(_workbook(_month("2025-02", **FEB), _month("2025-03", activities=8)))
    assert bridge == {"activities": 0, "Offers per activity": -1000, "Win rate": 0,
                      "Revenue per win": 0}


def test_no_activity_now_puts_it_on_activities():
    _, bridge = _bridge(_workbook(_month("2025-02", **FEB), ([], [])))
    assert bridge == {"activities": -1000, "Offers per activity": 0, "Win rate": 0,
                      "Revenue per win": 0}


def test_a_new_rep_s_whole_revenue_is_activity():
    gap, bridge = _bridge(_workbook(
        _month("2025-03", activities=5, offers=2, wins=1, amount=700.0)))
    assert gap.baseline == 0 and gap.gap == 700
    assert bridge == {"activities": 700, "Offers per activity": 0, "Win rate": 0,
                      "Revenue per win": 0}
    _adds_up(gap)


def test_a_lost_segment_is_the_segment_s_whole_change_and_the_table_adds_up():
    mid_market = dict(activities=6, offers=2, wins=1, amount=3000.0, segment="Mid-Market")
    gap = explain_gap(_workbook(_month("2025-02", **FEB), _month("2025-02", **mid_market),
                                _month("2025-03", **FEB)),
                      scope="R1", period="2025-03", against="previous", dims=["segment"])
    assert gap.gap == -3000
    assert gap.matrix.loc["Mid-Market", "total"] == -3000
    assert gap.matrix.loc["SMB"].abs().sum() == 0  # SMB did exactly the same
    # the whole: activities 16 -> 10, offers per activity 6/16 -> 4/10, win rate 1/2 both,
    # revenue per win 4,000/3 -> 500; LMDI weight (1,000 - 4,000) / ln(1,000 / 4,000)
    weight = -3000 / math.log(1000 / 4000)
    bridge = gap.bridge.set_index("driver")["effect"]
    assert bridge["activities"] == pytest.approx(weight * math.log(10 / 16))
    assert bridge["Offers per activity"] == pytest.approx(weight * math.log(0.4 / 0.375))
    assert bridge["Win rate"] == pytest.approx(0)
    assert bridge["Revenue per win"] == pytest.approx(weight * math.log(500 / (4000 / 3)))
    _adds_up(gap)


def test_against_a_target_the_baseline_keeps_the_usual_ratios():
    gap, bridge = _bridge(_workbook(_month("2025-02", **FEB), _month("2025-03", **FEB),
                                    targets=[("2025-03", 2000)]), against="target")
    # the same month again, against twice the revenue: at February's ratios it needed
    # twice the activities; nothing else moved
    assert gap.baseline == 2000 and gap.gap == -1000
    assert bridge == pytest.approx({"activities": -1000, "Offers per activity": 0,
                                    "Win rate": 0, "Revenue per win": 0})


def test_against_a_target_the_usual_level_is_the_average_of_the_months_before():
    # February was an accident (offers, no win); against the target, January and February
    # together are the usual level: 20 activities, 8 offers, 2 wins, 1,000 revenue, scaled
    # to the target of 2,000 (x2): 40 activities, 16 offers, 4 wins were needed
    gap, bridge = _bridge(_workbook(_month("2025-01", **FEB),
                                    _month("2025-02", activities=10, offers=4),
                                    _month("2025-03", **FEB), targets=[("2025-03", 2000)]),
                          against="target")
    assert gap.baseline == 2000 and gap.gap == -1000
    weight = -1000 / math.log(1000 / 2000)  # LMDI weight of 2,000 -> 1,000
    assert bridge == pytest.approx({"activities": weight * math.log(10 / 40),
                                    "Offers per activity": 0,
                                    "Win rate": weight * math.log((2 / 4) / (4 / 16)),
                                    "Revenue per win": 0})
    assert bridge["activities"] == pytest.approx(-2000) and bridge["Win rate"] == pytest.approx(1000)
    assert "usual level (the average of 2025-01 to 2025-02)" in gap.note
    _adds_up(gap)


def test_a_new_rep_against_a_target_needed_more_of_the_same():
    # nothing before March: at March's own ratios the target of 2,000 needed 2,000 / 700
    # times the activities, so the whole shortfall is volume
    gap, bridge = _bridge(_workbook(
        _month("2025-03", activities=5, offers=2, wins=1, amount=700.0),
        targets=[("2025-03", 2000)]), against="target")
    assert (gap.baseline, gap.actual, gap.gap) == (2000, 700, -1300)
    assert bridge == pytest.approx({"activities": -1300, "Offers per activity": 0,
                                    "Win rate": 0, "Revenue per win": 0})
    assert "this period's own funnel scaled to the target" in gap.note
    _adds_up(gap)


def test_a_new_rep_without_an_offer_yet_misses_the_target_on_offers():
    # three calls and no offer in the first month, against 2,000: no ratio to scale, so
    # the first part of the funnel that is zero carries the gap
    colleague_won = _month("2025-02", offers=1, wins=1, amount=100.0, rep="R2")
    gap, bridge = _bridge(_workbook(_month("2025-03", activities=3), colleague_won,
                                    targets=[("2025-03", 2000)]), against="target")
    assert (gap.baseline, gap.actual) == (2000, 0)
    assert bridge == {"activities": 0, "Offers per activity": -2000, "Win rate": 0,
                      "Revenue per win": 0}
    assert "offers per activity, carries the gap" in gap.note
    _adds_up(gap)


def test_a_target_of_zero_is_all_above_target():
    gap, bridge = _bridge(_workbook(_month("2025-02", **FEB), _month("2025-03", **FEB),
                                    targets=[("2025-03", 0)]), against="target")
    assert gap.baseline == 0 and gap.gap == 1000
    assert bridge == pytest.approx({"activities": 1000, "Offers per activity": 0,
                                    "Win rate": 0, "Revenue per win": 0})


def test_a_rep_who_logs_no_activities_has_no_activity_driver():
    gap, bridge = _bridge(_workbook(_month("2025-02", offers=2, wins=1, amount=1000.0),
                                    _month("2025-03", offers=3, wins=1, amount=600.0)))
    assert list(bridge) == ["offers", "Win rate", "Revenue per win"]
    weight = -400 / math.log(600 / 1000)
    assert bridge["offers"] == pytest.approx(weight * math.log(3 / 2))
    assert bridge["Win rate"] == pytest.approx(weight * math.log((1 / 3) / (1 / 2)))
    assert bridge["Revenue per win"] == pytest.approx(weight * math.log(600 / 1000))
    assert "no activities logged" in gap.note
    _adds_up(gap)


def test_without_a_target_the_review_s_bridge_uses_its_comparison():
    from salesanalysis.errors import NoTargetError
    from salesanalysis.reports import rep_review as review

    wb = _workbook(_month("2025-02", **FEB), _month("2025-03", **FEB))
    with pytest.raises(NoTargetError, match="no target for revenue in 2025-03"):
        explain_gap(wb, scope="R1", period="2025-03", against="target")
    found = review.revenue_gap(wb, rep="R1", period="2025-03", comparison="previous")
    assert (found.against, found.baseline_period, found.gap) == ("previous", "2025-02", 0)


def test_titles_say_what_is_compared_and_no_segment_still_shows_the_largest_parts():
    import matplotlib

    matplotlib.use("Agg")
    from salesanalysis.present import plots

    wb = _workbook(_month("2025-02", **FEB), _month("2025-03", activities=8, offers=3),
                   targets=[("2025-03", 1500)])
    gap = explain_gap(wb, scope="R1", period="2025-03", against="target", dims=["segment"])
    assert plots.gap_bridge(gap).get_title() == (
        "Revenue of Ana (R1): actual against target, 2025-03, by driver")
    before = explain_gap(wb, scope="R1", period="2025-03", against="previous", dims=["segment"])
    assert plots.gap_bridge(before).get_title() == (
        "Revenue of Ana (R1): 2025-03 against 2025-02 (previous), by driver")
    # when no segment passes the test, the one holding the whole gap is still named
    from dataclasses import replace

    gap = replace(gap, segments=gap.segments.iloc[0:0])
    assert gap.sentences() == [
        "No segment's move passed the test for chance (searched: segment, at 5%): the "
        "largest parts of the gap are shown, not significant.",
        "SMB: -1,500 of the -1,500 gap (not significant)"]
    ax = plots.gap_segments(gap)
    assert [p.get_width() for p in ax.patches] == [-1500]
    assert "none passed the test" in ax.get_title()


def test_the_gap_analysis_falls_back_like_the_review_and_the_review_links_to_it():
    from salesanalysis.present.display import report_link
    from salesanalysis.reports import gap_analysis, rep_review as review

    wb = _workbook(_month("2025-02", **FEB), _month("2025-03", **FEB))
    gap = gap_analysis.gap_or_fallback(wb, scope="R1", period="2025-03")
    assert gap.against == "previous"
    assert gap.note.startswith("No target for revenue in 2025-03: compared with previous")
    week = gap_analysis.gap_or_fallback(wb, scope="R1", period="2025-W10")
    assert week.note.startswith("No target for revenue in 2025-W10: compared")  # label kept
    rate = gap_analysis.gap_or_fallback(wb, metric="win_rate", scope="R1", period="2025-03")
    assert rate.note.startswith("Win rate is a rate, which has no targets")
    why = review.revenue_gap(wb, rep="R1", period="2025-03")
    # the review fell back as the default gap analysis does: the link is to that batch
    link = report_link("gap_analysis", rep="R1", name="Ana", period="2025-03", text="t",
                       parameters={"comparison": review.gap_link_comparison(why)}).data
    assert 'href="../../gap_analysis/2025-03/R1-Ana.html"' in link
    last_year = report_link("gap_analysis", rep="R1", name="Ana", period="2025-03", text="t",
                            parameters={"comparison": "last_year"}).data
    assert "gap_analysis/2025-03-last_year/R1-Ana.html" in last_year
