"""Who sells: a role says inside or field, but anyone who owns activities or deals sells."""

from builders import act, build, opp
from salesanalysis import kpi
from salesanalysis.store.roster import members


def test_owners_of_deals_or_activities_are_sellers_whatever_their_role():
    reps = [{"rep_id": "Tom Baker", "name": "Tom Baker", "team": "Sales"},
            {"rep_id": "Ann Lee", "name": "Ann Lee", "team": "Sales"},
            {"rep_id": "Boss", "name": "Boss", "team": "Sales"},
            {"rep_id": "R4", "name": "Ria", "team": "Sales", "role": "inside"}]
    wb = build(reps=reps,
               opportunities=[opp(1, "Tom Baker", "2025-01-05", "won", "2025-02-01", 300)],
               activities=[act(1, "Ann Lee", "call", "2025-02-03")])
    try:
        assert sorted(members(wb)["rep_id"]) == ["Ann Lee", "R4", "Tom Baker"]
        frame = kpi.compute(wb, ["revenue", "done"], by="rep", start="2025-02-01",
                            end="2025-02-28").set_index("rep")
        assert sorted(frame.index) == ["Ann Lee", "R4", "Tom Baker"]
        assert frame.loc["Tom Baker", "revenue"] == 300.0
        assert frame.loc["Ann Lee", "done"] == 1
    finally:
        wb.close()
