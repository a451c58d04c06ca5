"""The scorecard: actual, target, previous period and last year per KPI."""

import math

import pytest

from salesanalysis import kpi



def test_scorecard_of_one_rep(sales_wb):  # noqa: F811
    card = kpi.scorecard(sales_wb, scope={"rep": "R1"}, period="2025-03",
                         kpis=["revenue", "deals_won", "win_rate"]).set_index("kpi")
    rev = card.loc["revenue"]
    assert (rev["scope_level"], rev["scope_id"], rev["period"]) == ("rep", "R1", "2025-03")
    assert (rev["actual"], rev["target"], rev["previous"], rev["last_year"]) == (
        1100, 1000, 1200, 1250)
    assert rev["vs_target"] == pytest.approx(1.1)
    assert rev["change_vs_previous"] == -100
    assert rev["growth_vs_last_year"] == pytest.approx(-150 / 1250)
    assert card.loc["deals_won", ["actual", "previous", "last_year"]].tolist() == [3, 2, 2]
    assert math.isnan(card.loc["deals_won", "target"])
    rate = card.loc["win_rate"]
    assert (rate["numerator"], rate["denominator"], rate["actual"]) == (3, 3, 1.0)
    assert rate["unit"] == "ratio" and rate["direction"] == 1


def test_scorecard_for_every_member_of_a_level(sales_wb):  # noqa: F811
    card = kpi.scorecard(sales_wb, scope="rep", period="2025-Q1", kpis=["revenue"])
    assert card["scope_id"].tolist() == ["R1", "R2"]  # the manager is not a seller
    assert card["actual"].tolist() == [2300, 0]
    assert card.loc[0, "target"] == 2300  # the quarter's months summed
    team = kpi.scorecard(sales_wb, scope=("team", "T"), period="2025-Q1", kpis=["revenue"])
    assert team["target"].tolist() == [3000]


def test_scorecard_refuses_unknown_scopes_and_periods(sales_wb):  # noqa: F811
    with pytest.raises(ValueError, match="scope must be 'rep', 'team' or 'department'"):
        kpi.scorecard(sales_wb, scope="region", period="2025-03")
    with pytest.raises(ValueError, match="no rep 'R9'"):
        kpi.scorecard(sales_wb, scope={"rep": "R9"}, period="2025-03")
    with pytest.raises(ValueError, match="period must be a label such as"):
        kpi.scorecard(sales_wb, scope="rep", period="March")


def test_default_scorecard_leaves_out_what_the_data_cannot_give(sales_wb):  # noqa: F811
    card = kpi.scorecard(sales_wb, scope="rep", period="2025-03")
    assert {"revenue", "deals_won", "win_rate"} <= set(card["kpi"])
    assert "done" not in set(card["kpi"])  # no activities loaded
    assert {"done", "offers_submitted", "touches_per_prospect"} <= set(card.attrs["skipped"])
