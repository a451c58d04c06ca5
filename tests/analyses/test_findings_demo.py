"""On the demo workbook, each planted pattern gives the shipped rules' finding and action
to the right rep, and to no other rep."""

import pandas as pd
import pytest

import salesanalysis as sa
from salesanalysis.store.roster import members
from salesanalysis import demo
from salesanalysis.store import cache
from salesanalysis.analyses import findings

WHERE = demo.planted(24)


@pytest.fixture(scope="module")
def wb(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    book = sa.Workbook.from_frames(demo.generate(reps=24, weeks=104, seed=0),
                                   path=folder / "demo.duckdb", as_of=demo.export_date())
    cache.use(folder / "cache")  # the team-wide evidence once per period, not once per rep
    yield book
    cache.use(None)
    book.close()


def _all_findings(wb, period):
    reps = members(wb)
    return pd.concat([findings.findings(wb, rep=r, period=period) for r in reps["rep_id"]],
                     ignore_index=True)


@pytest.fixture(scope="module")
def month(wb):
    return _all_findings(wb, "2025-11")


@pytest.mark.parametrize("rule, pattern", [
    ("contact_inflation", "contact_inflater"),
    ("inconsistent_prospecting", "sawtooth_prospector"),
    ("stalled_deals", "stalled_pipeline"),
    ("referral_engine", "referral_star"),
])
def test_a_planted_rep_alone_gets_the_finding(month, rule, pattern):
    assert month.loc[month["rule"] == rule, "rep"].tolist() == [WHERE[pattern]]


def test_the_stalled_rep_s_action_lists_their_own_deals(wb, month):
    row = month[month["rule"] == "stalled_deals"].iloc[0]
    deals = wb.table("opportunities").to_pandas().set_index("opportunity_id")["rep_id"]
    listed = row["action"].split(": ", 1)[1].split(" and ")[0].split(", ")
    assert len(listed) == 10 and (deals[listed] == WHERE["stalled_pipeline"]).all()
    assert row["action"].startswith(f"Set a next step or disqualify these {row['actual']:.0f}")


def test_rising_complaints_only_for_reps_of_the_planted_territory(wb, month):
    reps = members(wb).merge(wb.table("reps").to_pandas()[["rep_id", "territory"]])
    east = set(reps.loc[reps["territory"] == WHERE["complaints_territory"], "rep_id"])
    flagged = set(month.loc[month["rule"] == "rising_complaints", "rep"])
    assert flagged and flagged <= east


def test_the_win_rate_collapse_is_found_in_its_segment_and_quarter(wb):
    quarter = _all_findings(wb, "2025-Q2")
    row = quarter[quarter["rule"] == "collapsed_segment"]
    assert row["rep"].tolist() == [WHERE["win_rate_collapse"]]
    assert row["text"].iloc[0].startswith(f"Win rate in {demo.COLLAPSE_SEGMENT} fell from ")
    assert f"lost {demo.COLLAPSE_SEGMENT} deals of 2025-Q2" in row["action"].iloc[0]
    # the quarter before, nobody's segment collapsed
    assert "collapsed_segment" not in set(_all_findings(wb, "2025-Q1")["rule"])
