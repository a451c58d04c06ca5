"""On the demo workbook each planted pattern shows in the KPI that should reveal it."""

import pytest

import salesanalysis as sa
from salesanalysis import demo, kpi

WHERE = demo.planted(24)


@pytest.fixture(scope="module")
def wb():
    tables = demo.generate(reps=24, weeks=104, seed=0)
    book = sa.Workbook.from_frames(tables, as_of=demo.export_date())
    yield book
    book.close()


def test_contact_inflater_has_the_most_touches_per_unique_prospect(wb):
    out = kpi.touches_per_prospect(wb, by="rep").set_index("rep")
    assert out["touches_per_prospect"].idxmax() == WHERE["contact_inflater"]
    # yet by raw contacts the same rep looks like the hardest worker
    assert kpi.contacts_made(wb, by="rep").set_index("rep")["contacts_made"].idxmax() \
        == WHERE["contact_inflater"]


def test_sawtooth_prospector_is_the_least_consistent_and_the_only_sawtooth(wb):
    out = kpi.prospecting_consistency(wb, by="rep").set_index("rep")
    assert out["new_prospects_cv"].idxmax() == WHERE["sawtooth_prospector"]
    assert out.index[out["sawtooth"]].tolist() == [WHERE["sawtooth_prospector"]]


def test_referral_star_converts_referrals_best_and_draws_most_pipeline_from_them(wb):
    out = kpi.compute(wb, ["referral_win_rate", "referral_share", "referral_requests"],
                      by="rep").set_index("rep")
    for column in ("referral_win_rate", "referral_share", "referral_requests"):
        assert out[column].idxmax() == WHERE["referral_star"], column
    by_source = kpi.win_rate(wb, by="source").set_index("source")["win_rate"]
    assert by_source.idxmax() == "referral"


def test_win_rate_collapse_shows_in_one_segment_and_quarter(wb):
    rep = WHERE["win_rate_collapse"]
    out = kpi.growth(wb, metric="win_rate", by=["rep", "segment"], period="quarter",
                     start="2024-07-01", end="2025-09-30")
    own = out[out["rep"] == rep]
    worst = own.loc[own["change"].idxmin()]
    assert (worst["segment"], worst["period"]) == (demo.COLLAPSE_SEGMENT, "2025-Q2")
    assert worst["actual"] < 0.5 * worst["base"]
    assert worst["deals_closed"] >= 10  # a collapse over many deals, not one unlucky loss


def test_stalled_pipeline_rep_has_the_most_deals_to_disqualify(wb):
    out = kpi.stalled_summary(wb, by="rep").set_index("rep")
    assert out["disqualify_candidates"].idxmax() == WHERE["stalled_pipeline"]
    assert out.loc[WHERE["stalled_pipeline"], "stalled_share"] > 0.5
    others = out.drop(WHERE["stalled_pipeline"])
    assert out.loc[WHERE["stalled_pipeline"], "disqualify_candidates"] \
        > 10 * others["disqualify_candidates"].max()


def test_complaints_rise_most_in_the_planted_territory(wb):
    out = kpi.growth(wb, metric="complaints", by="territory", period="quarter",
                     start="2025-10-01", end="2025-12-28")
    assert out.set_index("territory")["change"].idxmax() == WHERE["complaints_territory"]


def test_scorecard_for_every_rep_has_every_headline_kpi(wb):
    card = kpi.scorecard(wb, scope="rep", period="2025-11")
    assert card.attrs["skipped"] == []
    assert len(card) == 24 * len(kpi.HEADLINE)
    revenue = card[card["kpi"] == "revenue"]
    assert revenue["target"].notna().all()
    star = revenue.set_index("scope_id").loc[WHERE["referral_star"]]
    direct = kpi.revenue(wb, by="rep", start="2025-11-01", end="2025-11-30")
    assert star["actual"] == direct.set_index("rep").loc[WHERE["referral_star"], "revenue"]
