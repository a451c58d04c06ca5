"""Pipeline KPIs on small tables worked out by hand."""

import pytest

from salesanalysis import kpi

from builders import REPS, STAGES, act, build, hist, opp

@pytest.fixture(scope="module")
def pipe_wb():
    """X: lead 100 from Jan 1, proposal 150 from Feb 1, won Mar 1.
    Y: negotiation 200, created Feb 10, no history."""
    opps = [opp("X", "R1", "2025-01-01", "won", "2025-03-01", 150, stage="won",
                expected_close="2025-03-01"),
            opp("Y", "R1", "2025-02-10", amount=200, stage="negotiation",
                expected_close="2025-04-30")]
    history = [hist("OX", "2025-01-01", "lead", 100, "2025-02-28"),
               hist("OX", "2025-02-01", "proposal", 150, "2025-03-15")]
    wb = build(as_of="2025-03-31", reps=REPS, stages=STAGES, opportunities=opps,
               opportunity_history=history)
    yield wb
    wb.close()


@pytest.mark.parametrize("as_of, deals, amount, weighted", [
    ("2025-01-15", 1, 100, 10.0),     # X as a lead
    ("2025-02-15", 2, 350, 225.0),    # X proposal 150 x 0.5 + Y 200 x 0.75
    ("2025-03-15", 1, 200, 150.0),    # X won on Mar 1
])
def test_open_and_weighted_pipeline_as_it_stood(pipe_wb, as_of, deals, amount, weighted):
    out = kpi.open_pipeline(pipe_wb, by="rep", as_of=as_of).set_index("rep").loc["R1"]
    assert (out["open_deals"], out["open_pipeline"]) == (deals, amount)
    assert out["weighted_pipeline"] == pytest.approx(weighted)


def test_pipeline_at_the_end_of_each_month(pipe_wb):
    out = kpi.open_pipeline(pipe_wb, by=None, period="month", start="2025-01-01",
                            end="2025-03-31")
    assert list(out["period"]) == ["2025-01", "2025-02", "2025-03"]
    assert list(out["open_pipeline"]) == [100, 350, 200]
    assert list(out["open_deals"]) == [1, 2, 1]


def test_stalled_deals_give_their_reasons_and_two_make_a_disqualify_candidate():
    opps = [
        # fine: next step due later, recent activity, close date ahead
        opp("A", "R1", "2025-05-20", stage="qualified", next_step="Call", amount=10,
            next_step_due="2025-06-10", expected_close="2025-07-01"),
        # no next step and past its expected close
        opp("B", "R1", "2025-05-20", stage="qualified", amount=20,
            expected_close="2025-05-31"),
        # next step overdue, idle since creation (40 days), stuck in proposal
        opp("C", "R2", "2025-04-22", stage="proposal", next_step="Quote", amount=30,
            next_step_due="2025-05-15", expected_close="2025-08-01"),
    ]
    acts = [act(1, "R1", "call", "2025-05-30", opp="OA"),
            act(2, "R1", "call", "2025-05-30", opp="OB")]
    # the team leaves proposal after 10 days (two earlier deals); C entered it 30 days ago
    done = [opp(f"D{i}", "R1", "2025-01-01", "won", "2025-03-01", stage="won")
            for i in range(2)]
    history = [hist("OC", "2025-05-02", "proposal")]
    for i in range(2):
        history += [hist(f"OD{i}", "2025-01-01", "proposal"),
                    hist(f"OD{i}", "2025-01-11", "won")]
    with build(as_of="2025-06-01", reps=REPS, stages=STAGES, opportunities=opps + done,
               activities=acts, opportunity_history=history) as wb:
        deals = kpi.stalled_deals(wb, as_of="2025-06-01").set_index("opportunity_id")
        summary = kpi.stalled_summary(wb, by="rep", as_of="2025-06-01").set_index("rep")
    assert set(deals.index) == {"OA", "OB", "OC"}
    assert deals.loc["OA", "reason_count"] == 0
    assert deals.loc["OB", "reasons"] == "no next step, past expected close"
    assert deals.loc["OB", "disqualify"]
    c = deals.loc["OC"]
    assert (c["days_idle"], c["days_in_stage"], c["stage_median_days"]) == (40, 30, 10.0)
    assert c["reasons"] == "next step overdue, idle, stuck in stage"
    assert summary.loc["R1", ["open_deals", "stalled_deals", "disqualify_candidates"]].tolist() \
        == [2, 1, 1]
    assert summary.loc["R1", "disqualify_amount"] == 20
    assert summary.loc["R2", "stalled_share"] == 1.0


def test_slipped_deals_count_pushes_and_pulls():
    history = [hist("OS", "2025-01-01", close="2025-03-01"),
               hist("OS", "2025-02-01", close="2025-03-15"),   # +14
               hist("OS", "2025-03-01", close="2025-03-10"),   # pulled in
               hist("OS", "2025-03-05", close="2025-04-01"),   # +22
               hist("OT", "2025-01-01", close="2025-03-01"),
               hist("OT", "2025-02-01", close="2025-03-01")]   # no move
    opps = [opp("S", "R1", "2025-01-01"), opp("T", "R1", "2025-01-01")]
    with build(reps=REPS, opportunities=opps, opportunity_history=history) as wb:
        out = kpi.slipped_deals(wb)
        late = kpi.slipped_deals(wb, start="2025-03-02")
    assert out["opportunity_id"].tolist() == ["OS"]
    s = out.iloc[0]
    assert (s["pushes"], s["pulls"], s["days_pushed"]) == (2, 1, 36)
    assert str(s["first_expected_close"])[:10] == "2025-03-01"
    assert str(s["latest_expected_close"])[:10] == "2025-04-01"
    assert (late.iloc[0]["pushes"], late.iloc[0]["pulls"]) == (1, 0)


def test_pipeline_waterfall_adds_up_step_by_step():
    # tracked: deals expected to close in 2025-Q2, from Apr 1 to May 31
    q2 = "2025-06-15"
    opps = [
        opp("keep", "R1", "2025-03-01", amount=120, expected_close=q2),      # 100 -> 120
        opp("won", "R1", "2025-03-01", "won", "2025-05-01", 60, expected_close=q2),  # 50 -> won 60
        opp("lost", "R1", "2025-03-01", "lost", "2025-05-02", 70, expected_close=q2),
        opp("push", "R1", "2025-03-01", amount=80, expected_close="2025-08-01"),
        opp("new", "R1", "2025-04-15", amount=90, expected_close=q2),
        opp("pull", "R1", "2025-03-01", amount=40, expected_close=q2),         # was Q3
        opp("quick", "R1", "2025-04-20", "won", "2025-05-10", 25, expected_close=q2),
    ]
    history = [hist("Okeep", "2025-03-01", amount=100, close=q2),
               hist("Okeep", "2025-04-10", amount=120, close=q2),
               hist("Owon", "2025-03-01", amount=50, close=q2),
               hist("Olost", "2025-03-01", amount=70, close=q2),
               hist("Opush", "2025-03-01", amount=80, close=q2),
               hist("Opush", "2025-05-01", amount=80, close="2025-08-01"),
               hist("Opull", "2025-03-01", amount=40, close="2025-08-01"),
               hist("Opull", "2025-05-01", amount=40, close=q2)]
    with build(reps=REPS, opportunities=opps, opportunity_history=history) as wb:
        out = kpi.pipeline_waterfall(wb, start="2025-03-31", end="2025-05-31", by="rep")
    r1 = out.set_index("rep").loc["R1"]
    expected = {"start": 100 + 50 + 70 + 80, "new": 90 + 25, "pulled_in": 40,
                "amount_changes": 20 + 10, "won": -60 - 25, "lost": -70, "pushed_out": -80,
                "removed": 0, "end": 120 + 90 + 40}
    assert r1[list(expected)].to_dict() == expected
    steps = list(expected)[1:-1]
    assert r1["start"] + r1[steps].sum() == r1["end"]
    assert out.set_index("rep").loc["R2", "end"] == 0


def test_stage_conversion_counts_skipped_stages_as_passed_and_ignores_backward_moves():
    opps = [opp("A", "R1", "2025-01-05", stage="proposal"),
            opp("B", "R1", "2025-01-06", stage="qualified"),
            opp("C", "R1", "2025-01-07", "lost", "2025-02-01", stage="lost"),
            opp("D", "R1", "2025-01-08", "won", "2025-02-01", stage="won")]
    history = [hist("OA", "2025-01-05", "lead"), hist("OA", "2025-01-10", "qualified"),
               hist("OA", "2025-01-15", "proposal"),
               hist("OB", "2025-01-06", "lead"), hist("OB", "2025-01-10", "proposal"),
               hist("OB", "2025-01-20", "qualified"),   # moved back
               hist("OC", "2025-01-07", "lead"), hist("OD", "2025-01-08", "lead")]
    with build(reps=REPS, stages=STAGES, opportunities=opps, opportunity_history=history) as wb:
        out = kpi.stage_conversion(wb, by=None)
        velocity = kpi.sales_velocity(wb, by=None).iloc[0]
    assert out["stage"].tolist() == ["lead", "qualified", "proposal", "negotiation"]
    assert out["next_stage"].tolist() == ["qualified", "proposal", "negotiation", "won"]
    assert out["reached"].tolist() == [4, 3, 3, 1]
    assert out["advanced"].tolist() == [3, 3, 1, 1]
    assert out["stage_conversion"].tolist() == pytest.approx([0.75, 1.0, 1 / 3, 1.0])
    # qualified: A, B and D; one deal won (100, 24 days) of two closed
    assert velocity["qualified_opportunities"] == 3
    assert velocity["sales_velocity"] == pytest.approx(3 * 100 * 0.5 / 24)


def test_waterfall_needs_two_dates(pipe_wb):
    with pytest.raises(ValueError, match="needs both start and end"):
        kpi.pipeline_waterfall(pipe_wb, start="2025-01-01", end=None)
