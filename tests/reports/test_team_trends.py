"""Team trends on hand-worked numbers: the rep's peer band, territories, the ranking."""

import pytest

from builders import build, customers, won
from salesanalysis.reports import team_trends as teams

REPS = [{"rep_id": r, "name": n, "team": t, "department": "D", "role": role}
        for r, n, t, role in (("R1", "Ana", "North", "field"), ("R2", "Ben", "North", "field"),
                              ("R3", "Cleo", "South", "field"), ("R4", "Dan", "South", "field"),
                              ("R5", "Eve", "South", "inside"))]


@pytest.fixture(scope="module")
def trend_wb():
    # March revenue: R1 100, R2 200, R3 300, R4 400 (field); R5 50 (inside)
    # February: R1 10 only. Customers C01-C02 are West, C03 East.
    deals = [won(1, "R1", "2025-03-05", 100), won(2, "R2", "2025-03-06", 200),
             won(3, "R3", "2025-03-07", 300), won(4, "R4", "2025-03-08", 400),
             won(5, "R5", "2025-03-09", 50), won(6, "R1", "2025-02-10", 10)]
    for deal, customer in zip(deals, ("C01", "C03", "C03", "C02", "C01", "C01")):
        deal["customer_id"] = customer
    wb = build(as_of="2025-04-02", reps=REPS, opportunities=deals,
               customers=customers(2) + [{"customer_id": "C03", "segment": "SMB",
                                          "territory": "East"}])
    yield wb
    wb.close()


def test_a_rep_reads_against_the_middle_half_of_the_same_role(trend_wb):
    out = teams.rep_trend(trend_wb, metric="revenue", period="2025-03", periods=2)
    march = out[out["period"] == "2025-03"].set_index("rep")
    # field reps 100, 200, 300, 400: quartiles 175 and 325; the one inside rep is its own band
    assert march.loc["R1", list(teams.BAND)].tolist() == [175, 325]
    assert march.loc["R5", list(teams.BAND)].tolist() == [50, 50]
    assert march.loc["R1", ["name", "role"]].tolist() == ["Ana", "field"]
    # best first in the last period, each rep's periods together
    assert list(dict.fromkeys(out["rep"])) == ["R4", "R3", "R2", "R1", "R5"]
    assert out[out["rep"] == "R1"]["actual"].tolist() == [10, 100]


def test_territories_count_customers_and_a_team_counts_its_reps_records(trend_wb):
    everyone = teams.trend(trend_wb, metric="revenue", level="territory", period="2025-03",
                           periods=1).set_index("territory")["actual"]
    assert everyone.to_dict() == {"East": 500, "West": 550}
    south = teams.trend(trend_wb, metric="revenue", level="territory", period="2025-03",
                        periods=1, team="South").set_index("territory")["actual"]
    assert south.to_dict() == {"East": 300, "West": 450}  # R3 300 East; R4 400 + R5 50 West


def test_the_ranking_names_each_rep_and_role(trend_wb):
    ranked = teams.ranking(trend_wb, metric="revenue", period="2025-03", team="South")
    assert ranked[["rank", "rep", "name", "role"]].values.tolist() == [
        [1, "R4", "Dan", "field"], [2, "R3", "Cleo", "field"], [3, "R5", "Eve", "inside"]]
