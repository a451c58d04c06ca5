"""The data-quality report on a small import with known problems: the import log,
rejects by reason, completeness per column, which KPIs the data allows, and the numbers
the batch index shows."""

import pandas as pd
import pytest

import salesanalysis as sa
from builders import FIELD_REPS, act, build, customers, opp
from salesanalysis.errors import UnknownNameError
from salesanalysis.kpi.registry import REGISTRY
from salesanalysis.reports import data_quality as quality

# Five deals: O1 (customer C99 is not loaded: flagged, kept), O2 (no amount: kept),
# O3 (negative amount), O4 (negative amount and unknown rep R9: one row, two problems),
# O5 (a creation date that is no date). Rows read 2 reps + 1 customer + 5 deals = 8;
# accepted 2 + 1 + 2 = 5; rejected 3 rows with 4 problems.
DEALS = [opp(1, "R1", "2025-01-05", amount=100.0, customer="C99"),
         opp(2, "R1", "2025-01-06", amount=None, customer="C01"),
         opp(3, "R1", "2025-01-07", amount=-5.0, customer="C01"),
         opp(4, "R9", "2025-01-08", amount=-7.0, customer="C01"),
         opp(5, "R2", "not a date", amount=50.0, customer="C01")]
CALLS = [act(1, "R1", "call", "2025-02-03"), act(2, "R2", "email", "2025-02-04")]


def _imported(*, then_calls=False):
    wb = sa.open_workbook(":memory:")
    wb.import_data({"reps": pd.DataFrame(FIELD_REPS), "customers": pd.DataFrame(customers(1)),
                    "opportunities": pd.DataFrame(DEALS)}, as_of="2025-03-31")
    if then_calls:  # a second import, without problems
        wb.import_data({"activities": pd.DataFrame(CALLS)}, as_of="2025-03-31")
    return wb


@pytest.fixture(scope="module")
def book():
    wb = _imported()
    yield wb
    wb.close()


@pytest.fixture(scope="module")
def book_after_calls():
    wb = _imported(then_calls=True)
    yield wb
    wb.close()


def test_the_import_history_counts_the_rows_of_every_import(book_after_calls):
    history = quality.import_history(book_after_calls)
    assert list(history.columns) == ["import_id", "finished_at", "as_of", "rows_read",
                                     "accepted", "rejected", "flagged"]
    assert history[["import_id", "rows_read", "accepted", "rejected", "flagged"]].values.tolist() \
        == [[1, 8, 5, 3, 1], [2, 2, 2, 0, 0]]
    assert (history["as_of"] == pd.Timestamp("2025-03-31")).all()


def test_rejects_are_counted_by_table_column_and_reason_with_an_example(book):
    out = quality.rejects_by_reason(book)
    assert list(out.columns) == ["table", "column", "reason", "problems", "example"]
    # O3 and O4 below zero (O3 first), O5's date, O4's rep; most frequent first
    assert out.values.tolist() == [
        ["opportunities", "amount", "below_minimum", 2, "-5.0"],
        ["opportunities", "created_at", "bad_date", 1, "not a date"],
        ["opportunities", "rep_id", "unknown_reference", 1, "R9"]]


def test_rejects_are_those_of_the_latest_import(book_after_calls):
    out = quality.rejects_by_reason(book_after_calls)
    assert out.empty
    assert list(out.columns) == ["table", "column", "reason", "problems", "example"]


def test_completeness_is_the_share_of_accepted_rows_with_a_value(book):
    out = quality.completeness(book).set_index(["table", "column"])
    # only the tables that hold rows; each accepted deal has a snapshot in the history
    assert list(dict.fromkeys(out.index.get_level_values("table"))) == [
        "reps", "customers", "opportunities", "opportunity_history"]
    deals = out.loc["opportunities"]
    assert (deals["rows"] == 2).all()  # O1 and O2
    assert deals.loc["amount", ["with_value", "filled"]].tolist() == [1, 0.5]  # O2 has none
    assert deals.loc["customer_id", ["with_value", "filled"]].tolist() == [2, 1.0]
    assert deals.loc["closed_at", ["with_value", "filled"]].tolist() == [0, 0.0]
    assert deals.loc["opportunity_id", "required"] and not deals.loc["amount", "required"]
    assert out.loc[("opportunity_history", "amount"), ["rows", "with_value"]].tolist() == [2, 1]
    assert out.loc[("customers", "name"), ["rows", "with_value", "filled"]].tolist() == [1, 0, 0]
    assert out.loc[("reps", "team"), "filled"] == 1.0


def test_completeness_of_chosen_tables_leaves_empty_ones_out(book):
    out = quality.completeness(book, tables=["activities", "reps"])
    # no activities loaded: only the reps' nine columns, two reps each
    assert out["table"].unique().tolist() == ["reps"]
    assert len(out) == 9 and (out["rows"] == 2).all()
    assert out.set_index("column").loc["manager_id", ["with_value", "filled"]].tolist() == [0, 0]


def test_completeness_of_a_table_that_does_not_exist_is_refused(book):
    with pytest.raises(UnknownNameError, match="opportunities"):
        quality.completeness(book, tables=["deals"])


def test_kpi_availability_of_deals_without_dates_of_closing_or_activities():
    wb = build(as_of="2025-03-31", reps=FIELD_REPS,
               opportunities=[opp(1, "R1", "2025-01-05"), opp(2, "R2", "2025-02-01",
                                                              source="referral")])
    out = quality.kpi_availability(wb)
    assert len(out) == len(REGISTRY)
    # open deals with creation date, amount and source give exactly the KPIs that need
    # nothing else: listed last, by group
    assert out[out["available"]]["kpi"].tolist() == [
        "referral_share", "referrals_received", "new_opportunities", "new_pipeline",
        "disqualify_candidates", "open_pipeline"]
    assert not out["available"].iloc[: len(REGISTRY) - 6].any()
    missing = out.set_index("kpi")["missing"]
    assert missing["calls"] == "table activities (no rows loaded)"
    assert missing["win_rate"] == "column opportunities.closed_at (no values)"
    assert missing["open_pipeline"] == ""
    wb.close()


def test_kpis_need_more_than_reps():
    wb = build(reps=FIELD_REPS)
    assert not quality.kpi_availability(wb)["available"].any()
    wb.close()


def test_calls_become_available_once_activities_are_imported(book, book_after_calls):
    before = quality.kpi_availability(book).set_index("kpi")["available"]
    after = quality.kpi_availability(book_after_calls).set_index("kpi")["available"]
    assert not before["calls"] and after["calls"]
    assert not before["done"] and after["done"]


def test_headline_numbers_take_the_latest_import_and_count_the_kpis():
    imports = pd.DataFrame({"import_id": [1, 2], "rejected": [3, 1]})
    available = pd.DataFrame({"kpi": ["revenue", "calls", "win_rate"],
                              "available": [True, False, True]})
    # the latest import rejected 1 row; two KPIs available, one not
    assert quality.headline_numbers(imports=imports, available=available) == {
        "rejected": 1, "kpis_available": 2, "kpis_missing": 1}


def test_headline_numbers_of_an_import_without_rejects(book_after_calls):
    numbers = quality.headline_numbers(
        imports=quality.import_history(book_after_calls),
        available=quality.kpi_availability(book_after_calls))
    assert numbers["rejected"] == 0
    assert numbers["kpis_available"] + numbers["kpis_missing"] == len(REGISTRY)


def test_the_headline_counts_rejected_rows_not_problems(book):
    numbers = quality.headline_numbers(imports=quality.import_history(book),
                                       available=quality.kpi_availability(book))
    assert numbers["rejected"] == quality.import_history(book)["rejected"].iloc[-1] == 3
