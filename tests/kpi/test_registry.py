import pandas as pd

import salesanalysis as sa


def test_coverage_says_what_the_loaded_data_allows():
    from salesanalysis.kpi.registry import coverage, describe_coverage

    wb = sa.Workbook.from_frames({
        "reps": pd.DataFrame({"rep_id": ["R1"], "name": ["Ana"]}),
        "opportunities": pd.DataFrame({"opportunity_id": ["O1", "O2"], "rep_id": "R1",
                                       "created_at": "2024-01-02", "stage": ["Won", "Lost"],
                                       "amount": [100.0, 50.0],
                                       "expected_close": "2024-02-01"})})
    table = coverage(wb).set_index("kpi")
    assert table.loc["win_rate", "available"]
    assert not table.loc["calls", "available"]
    assert table.loc["calls", "needs"] == "table activities (no rows loaded)"
    assert "needs column opportunities.offer_sent_at (no values): offers_submitted" in \
        describe_coverage(wb)
