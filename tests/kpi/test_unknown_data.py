"""What the data cannot tell is unknown, not zero: an open deal without an amount, a
pipeline without stage probabilities, a stall reason whose data is not recorded."""

import math

import pandas as pd

from builders import FIELD_REPS, STAGES, act, build, customers, opp
from salesanalysis import kpi

AS_OF = "2025-06-30"


def _deals():
    """R1: two open deals of 100 and one without an amount; R2: one open deal without an
    amount. No next steps, no expected close dates."""
    return [opp(1, "R1", "2025-01-10", stage="proposal", amount=100.0),
            opp(2, "R1", "2025-02-10", stage="lead", amount=100.0),
            opp(3, "R1", "2025-03-10", stage="lead", amount=None),
            opp(4, "R2", "2025-03-10", stage="proposal", amount=None)]


def test_the_open_pipeline_counts_what_is_priced_and_how_many_deals_are_not():
    wb = build(as_of=AS_OF, reps=FIELD_REPS, opportunities=_deals(), stages=STAGES)
    pipe = kpi.open_pipeline(wb, by="rep").set_index("rep")
    assert pipe.loc["R1", ["open_deals", "open_pipeline", "unpriced_deals"]].tolist() == [
        3, 200.0, 1]
    assert pipe.loc["R1", "weighted_pipeline"] == 100 * 0.5 + 100 * 0.1
    # none of R2's deals has an amount: unknown, not 0
    assert pipe.loc["R2", "unpriced_deals"] == 1
    assert math.isnan(pipe.loc["R2", "open_pipeline"])
    assert math.isnan(pipe.loc["R2", "weighted_pipeline"])


def test_without_stage_probabilities_the_weighted_pipeline_is_unknown():
    wb = build(as_of=AS_OF, reps=FIELD_REPS, opportunities=_deals())
    pipe = kpi.open_pipeline(wb, by="rep").set_index("rep")
    assert pipe.loc["R1", "open_pipeline"] == 200.0
    assert pipe["weighted_pipeline"].isna().all()


def test_stall_reasons_the_data_cannot_judge_are_never_given():
    wb = build(as_of=AS_OF, reps=FIELD_REPS, opportunities=_deals(), stages=STAGES)
    unjudged = kpi.unjudged_stall_reasons(wb)
    assert set(unjudged) == set(kpi.STALL_REASONS)  # no next steps, activities, history...
    assert unjudged["idle"] == "table activities (no rows loaded)"
    assert unjudged["no_next_step"] == "column opportunities.next_step (no values)"
    deals = kpi.stalled_deals(wb, as_of=AS_OF)
    assert len(deals) == 4
    assert (deals["reason_count"] == 0).all() and not deals["disqualify"].any()


def test_stall_reasons_are_judged_once_their_data_is_there():
    deals = _deals()
    deals[0].update(next_step="call back", next_step_due="2025-05-01",
                    expected_close="2025-06-01")
    deals[1].update(expected_close="2025-09-01")
    calls = [act(1, "R1", "call", "2025-06-20", customer="C01", opp="O2")]
    wb = build(as_of=AS_OF, reps=FIELD_REPS, customers=customers(1), opportunities=deals,
               activities=calls, stages=STAGES)
    assert set(kpi.unjudged_stall_reasons(wb)) == {"stuck_in_stage"}
    found = kpi.stalled_deals(wb, as_of=AS_OF).set_index("opportunity_id")
    # O1: next step overdue, idle since 2025-01-10, past its expected close
    assert found.loc["O1", "reasons"] == "next step overdue, idle, past expected close"
    assert found.loc["O1", "disqualify"]
    # O2: no next step, but an activity ten days ago and an expected close ahead
    assert found.loc["O2", "reasons"] == "no next step"
    assert not found.loc["O2", "disqualify"]


def test_stage_conversion_on_a_snapshot_keeps_every_lost_deal():
    """No history: two open deals (lead, proposal), one won, one lost where it was in
    qualified (its stage says so) and one lost with the closed stage only."""
    deals = [opp(1, "R1", "2025-01-05", stage="lead"),
             opp(2, "R1", "2025-01-06", stage="proposal"),
             opp(3, "R1", "2025-01-07", "won", "2025-02-01", stage="won"),
             opp(4, "R1", "2025-01-08", "lost", "2025-02-02", stage="lost"),
             opp(5, "R1", "2025-01-09", "lost", "2025-02-03", stage="qualified")]
    wb = build(as_of=AS_OF, reps=FIELD_REPS, opportunities=deals, stages=STAGES)
    out = kpi.stage_conversion(wb, by="rep")
    out = out[out["rep"] == "R1"].set_index("stage")
    # lead: all five (O4 assumed to have reached the first stage); qualified: O2, O3, O5
    assert out.loc["lead", ["reached", "advanced"]].tolist() == [5, 3]
    assert out.loc["qualified", ["reached", "advanced"]].tolist() == [3, 2]
    # proposal: O2 (still there) and O3 (won); only O3 went on
    assert out.loc["proposal", ["reached", "advanced"]].tolist() == [2, 1]
    assert out.loc["proposal", "stage_conversion"] == 0.5
    assert out.loc["negotiation", ["reached", "advanced"]].tolist() == [1, 1]
    assert out.loc["stage unknown", "reached"] == 1  # the deals the assumption applies to
    assert math.isnan(out.loc["stage unknown", "stage_conversion"])


def test_win_rate_by_value_is_unknown_where_a_closed_deal_has_no_amount():
    """R1 won 300 and 100 and lost one deal nobody priced; R2 won 200 and lost 600."""
    deals = [opp(1, "R1", "2025-01-05", "won", "2025-02-10", amount=300.0),
             opp(2, "R1", "2025-01-06", "won", "2025-02-11", amount=100.0),
             opp(3, "R1", "2025-01-07", "lost", "2025-02-12", amount=None),
             opp(4, "R2", "2025-01-08", "won", "2025-02-13", amount=200.0),
             opp(5, "R2", "2025-01-09", "lost", "2025-02-14", amount=600.0)]
    wb = build(as_of=AS_OF, reps=FIELD_REPS, opportunities=deals)
    out = kpi.compute(wb, ["win_rate", "win_rate_by_value", "average_deal_size"],
                      by="rep", start="2025-02-01", end="2025-02-28").set_index("rep")
    assert out.loc["R1", "win_rate"] == 2 / 3
    # 400 / 400 would read 100 %: the lost deal's amount is unknown, and so is the ratio
    assert math.isnan(out.loc["R1", "closed_value"])
    assert math.isnan(out.loc["R1", "win_rate_by_value"])
    assert out.loc["R1", "average_deal_size"] == 200.0
    assert out.loc["R2", "win_rate_by_value"] == 200 / 800
    # a won deal without an amount leaves the average of the priced ones
    deals[1]["amount"] = None
    wb = build(as_of=AS_OF, reps=FIELD_REPS, opportunities=deals)
    out = kpi.compute(wb, "average_deal_size", by="rep", start="2025-02-01",
                      end="2025-02-28").set_index("rep")
    assert out.loc["R1", ["revenue", "priced_won", "average_deal_size"]].tolist() == [
        300.0, 1, 300.0]


def test_coverage_is_read_again_after_an_import():
    deals = [opp(1, "R1", "2025-01-05", "won", "2025-02-10")]
    wb = build(as_of=AS_OF, reps=FIELD_REPS, opportunities=deals)
    march = dict(by="rep", period="month", start="2025-03-01", end="2025-03-31")
    assert kpi.compute(wb, "deals_won", **march)["deals_won"].isna().all()  # after the data
    wb.import_data({"opportunities": pd.DataFrame(
        [*deals, opp(2, "R2", "2025-02-20", "won", "2025-03-15")])})
    assert kpi.compute(wb, "deals_won", **march).set_index("rep")["deals_won"].to_dict() == {
        "R1": 0, "R2": 1}


def test_amounts_are_written_in_the_workbook_s_currency_and_without_one_as_numbers():
    from salesanalysis.kpi import units

    with units.currency("EUR"):
        assert units.format_value(-22032.4, "currency") == "-€22,032"
        assert units.format_value(0.5, "ratio") == "50.0%"  # only amounts change
    with units.currency("chf"):
        assert units.format_value(1200, "currency") == "1,200 CHF"
    assert units.format_value(1200, "currency") == "1,200"  # as before the blocks
    wb = build(as_of=AS_OF, reps=FIELD_REPS, opportunities=_deals())
    assert wb.settings() == {}
    wb.set_setting("currency", "USD")
    assert wb.settings() == {"currency": "USD"}
