"""explain_gap on the demo workbook: the planted causes come out on top, the bridge adds up."""

import matplotlib
import pytest

import salesanalysis as sa
from salesanalysis import demo, kpi
from salesanalysis.present import plots
from salesanalysis.reports import rep_review as review
from salesanalysis.errors import MissingDataError
from salesanalysis.analyses.gap import explain_gap

matplotlib.use("Agg")
WHERE = demo.planted(24)


@pytest.fixture(scope="module")
def wb():
    book = sa.Workbook.from_frames(demo.generate(reps=24, weeks=104, seed=0),
                                   as_of=demo.export_date())
    yield book
    book.close()


def test_names_the_win_rate_collapse_of_the_planted_rep(wb):
    rep = WHERE["win_rate_collapse"]
    found = explain_gap(wb, metric="win_rate", scope=rep, period="2025-Q2",
                        against="previous", dims=["segment", "territory", "source"])
    top = found.segments.iloc[0]
    assert top["where"] == {"segment": demo.COLLAPSE_SEGMENT}
    # the numbers are the KPI library's for that rep, segment and quarter
    rates = kpi.compute(wb, "win_rate", by=["rep", "segment"], period="quarter",
                        start="2025-01-01", end="2025-06-30")
    own = rates[(rates["rep"] == rep) & (rates["segment"] == demo.COLLAPSE_SEGMENT)]
    assert top["actual"] == pytest.approx(own.loc[own["period"] == "2025-Q2", "win_rate"].item())
    assert top["expected"] == pytest.approx(own.loc[own["period"] == "2025-Q1", "win_rate"].item())
    assert found.sentences()[0].startswith(f"Win rate in {demo.COLLAPSE_SEGMENT} fell from ")


def test_names_the_territory_whose_complaints_rose(wb):
    found = explain_gap(wb, metric="complaints", period="2025-Q4", against="last_year",
                        dims=["territory", "segment", "rep"])
    assert found.segments.iloc[0]["where"] == {"territory": WHERE["complaints_territory"]}
    assert found.gap > 0 and found.segments.iloc[0]["contribution"] > 0.5 * found.gap


@pytest.mark.parametrize("against", ["previous", "last_year", "target"])
def test_revenue_bridge_adds_up_to_the_gap(wb, against):
    found = explain_gap(wb, metric="revenue", scope=WHERE["referral_star"], period="2025-Q3",
                        against=against, dims=["segment", "source"])
    assert found.bridge["effect"].sum() == pytest.approx(found.gap, rel=1e-9)
    assert list(found.bridge["driver"]) == ["activities", "Offers per activity", "Win rate",
                                            "Revenue per win"]
    # the segment x driver table adds up too, by rows and in all
    drivers = found.matrix.drop(columns="total")
    assert drivers.sum(axis=1).to_numpy() == pytest.approx(found.matrix["total"].to_numpy())
    assert found.matrix["total"].sum() == pytest.approx(found.gap, rel=1e-9)


def test_against_target_uses_the_target_sum(wb):
    rep = WHERE["referral_star"]
    found = explain_gap(wb, metric="revenue", scope=rep, period="2025-Q3", against="target",
                        dims=["segment"])
    target = kpi.targets(wb, metric="revenue", by="rep", labels=["2025-Q3"])
    assert found.baseline == pytest.approx(target.loc[target["rep"] == rep, "target"].item())
    actual = kpi.compute(wb, "revenue", by="rep", start="2025-07-01", end="2025-09-30")
    assert found.actual == pytest.approx(actual.loc[actual["rep"] == rep, "revenue"].item())


def test_ratio_bridge_is_mix_and_rate(wb):
    found = explain_gap(wb, metric="win_rate", period="2025-Q2", against="last_year",
                        dims=["segment", "rep"])
    assert list(found.bridge["driver"]) == ["Mix of segment", "Win rate within each segment"]
    assert found.bridge["effect"].sum() == pytest.approx(found.gap, abs=1e-12)


def test_bad_arguments_say_what_is_allowed(wb):
    with pytest.raises(ValueError, match="metric must be one of revenue"):
        explain_gap(wb, metric="happiness", period="2025-Q2")
    with pytest.raises(ValueError, match="against must be one of target, previous, last_year"):
        explain_gap(wb, period="2025-Q2", against="budget")
    with pytest.raises(ValueError, match="no rep or team 'Nobody'"):
        explain_gap(wb, period="2025-Q2", scope="Nobody")
    with pytest.raises(ValueError, match="no target for complaints in 2025-Q2; targets exist for"):
        explain_gap(wb, metric="complaints", period="2025-Q2", against="target")
    with pytest.raises(ValueError, match="win_rate is a ratio without targets"):
        explain_gap(wb, metric="win_rate", period="2025-Q2", against="target")
    with pytest.raises(ValueError, match="period must be a label"):
        explain_gap(wb, period="spring")


def test_html_escapes_names(wb):
    found = explain_gap(wb, metric="complaints", period="2025-Q4", against="last_year",
                        dims=["territory"])
    found.segments.loc[0, "sentence"] = "<script>alert(1)</script>"
    html = found._repr_html_()
    assert "&lt;script&gt;" in html and "<script>" not in html


def test_plots_draw_the_bridge_and_the_segments(wb):
    found = explain_gap(wb, metric="complaints", period="2025-Q4", against="last_year",
                        dims=["territory", "segment"])
    ax = plots.gap_bridge(found)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[0].startswith("2024-Q4") and labels[-1] == "2025-Q4 actual"
    # one step per driver, named as a label starts: with a capital
    assert labels[1:-1] == [d[0].upper() + d[1:] for d in found.bridge["driver"]]
    heights = [p.get_height() for p in ax.patches]
    assert heights[0] == pytest.approx(found.baseline) and heights[-1] == pytest.approx(found.actual)
    ax = plots.gap_segments(found)
    widths = [p.get_width() for p in ax.patches]
    assert widths == pytest.approx(list(found.segments["contribution"]))


def test_a_period_outside_the_data_is_unknown_not_a_gap_between_zeros(wb):
    rep = WHERE["referral_star"]
    for against in ("target", "previous"):
        with pytest.raises(MissingDataError, match="revenue from 2026-01-01 to 2026-01-31 is "
                                                   "unknown: the opportunities loaded do not"):
            explain_gap(wb, metric="revenue", scope=rep, period="2026-01", against=against)
    assert review.revenue_gap(wb, rep=rep, period="2025-Q3").against == "target"


def _deals_only(offers: bool):
    from builders import FIELD_REPS, build, customers, opp

    rows = [opp(1, "R1", "2025-01-02", "won", "2025-01-20", 100, customer="C01"),
            opp(2, "R1", "2025-01-03", "won", "2025-01-21", 100, customer="C01"),
            opp(3, "R1", "2025-01-04", "lost", "2025-01-22", 50, customer="C01"),
            opp(4, "R1", "2025-02-02", "won", "2025-02-20", 300, customer="C01")]
    for row in rows:
        row["offer_sent_at"] = row["created_at"] if offers else None
    return build(as_of="2025-02-28", reps=FIELD_REPS, customers=customers(1),
                 opportunities=rows)


@pytest.mark.parametrize("offers,drivers", [
    (False, ["wins", "Revenue per win"]),
    (True, ["offers", "Win rate", "Revenue per win"])])
def test_without_activities_the_revenue_bridge_uses_the_tree_the_data_allows(offers, drivers):
    gap = explain_gap(_deals_only(offers), metric="revenue", scope="R1", period="2025-02",
                      against="previous")
    assert (gap.actual, gap.baseline) == (300.0, 200.0)
    assert list(gap.bridge["driver"]) == drivers
    assert gap.bridge["effect"].sum() == pytest.approx(100.0)  # the bridge adds up
    assert gap.note.startswith("The bridge splits revenue into " + " x ".join(
        d.lower() for d in drivers))
    # it names what the fuller tree needs: no activities were loaded, nor offer dates
    assert "the fuller tree needs " in gap.note
    assert "table activities (no rows loaded)" in gap.note
    assert ("offer_sent_at" in gap.note) == (not offers)
    if not offers:  # one win instead of two, each worth three times as much
        effects = dict(zip(gap.bridge["driver"], gap.bridge["effect"]))
        assert effects["wins"] < 0 < effects["Revenue per win"]
