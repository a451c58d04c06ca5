"""Period labels and bounds."""

import pandas as pd
import pytest

from salesanalysis import kpi
from salesanalysis.errors import InvalidArgumentError
from salesanalysis.kpi.periods import Period, period_bounds, period_label, period_starts


@pytest.mark.parametrize("label, kind, first, last", [
    ("2025", "year", "2025-01-01", "2025-12-31"),
    ("2025-Q3", "quarter", "2025-07-01", "2025-09-30"),
    ("2024-02", "month", "2024-02-01", "2024-02-29"),
    ("2025-W01", "week", "2024-12-30", "2025-01-05"),
    ("2020-W53", "week", "2020-12-28", "2021-01-03"),
])
def test_period_bounds(label, kind, first, last):
    assert period_bounds(label) == (kind, pd.Timestamp(first), pd.Timestamp(last))
    assert period_label(pd.Timestamp(first), kind) == label


@pytest.mark.parametrize("label, message", [
    ("2025-13", "month must be 01 to 12"), ("2025-W53", "2025 has no ISO week 53"),
    ("Q3 2025", "period must be a label such as"),
])
def test_bad_period_labels(label, message):
    with pytest.raises(ValueError, match=message):
        period_bounds(label)


def test_period_starts_cover_partial_periods_at_both_ends():
    starts = period_starts(pd.Timestamp("2024-12-31"), pd.Timestamp("2025-01-07"), "week")
    assert [s.strftime("%Y-%m-%d") for s in starts] == ["2024-12-30", "2025-01-06"]


@pytest.mark.parametrize("label, last_year", [
    ("2025-W23", "2024-W23"),   # the same ISO week number
    ("2025-W01", "2024-W01"),   # not 2023-W52: the ISO year, not the calendar one
    ("2021-W01", "2020-W01"),   # 2021-W01 starts on 2021-01-04
    ("2020-W53", "2019-W52"),   # 2019 has no week 53
    ("2025-11", "2024-11"), ("2025-Q1", "2024-Q1"), ("2025", "2024"),
])
def test_same_period_last_year_is_defined_once(label, last_year):
    assert Period.parse(label).same_last_year().label == last_year
    assert Period.parse(label).baseline("last_year").label == last_year


def test_period_shift_bounds_and_to_date():
    week = Period.parse("2025-W01")
    assert (week.first, week.last) == (pd.Timestamp("2024-12-30"), pd.Timestamp("2025-01-05"))
    assert week.shift(-1).label == "2024-W52" and week.shift(52).label == "2026-W01"
    quarter = Period.parse("2025-Q4")
    assert quarter.shift(1).label == "2026-Q1" and quarter.last == pd.Timestamp("2025-12-31")
    cut = Period.parse("2025-03").to_date("2025-03-10")
    assert (cut.label, cut.days(), cut.is_partial) == ("2025-03", 10, True)
    # like-for-like: the first ten days of the baseline too
    assert cut.baseline("previous").last == pd.Timestamp("2025-02-10")
    assert cut.same_last_year().last == pd.Timestamp("2024-03-10")
    assert Period.parse("2025-03").to_date("2025-06-01").is_partial is False
    assert Period.containing("2025-05-17", "quarter").label == "2025-Q2"


@pytest.mark.parametrize("bad", ["2025-13", "2025-W54", "2025-Q5", "May 2025", None])
def test_a_bad_label_is_an_argument_error(bad):
    with pytest.raises(InvalidArgumentError):
        Period.parse(bad)


def test_every_comparison_of_a_week_agrees(sales_wb):
    """The scorecard, growth and the gap analysis use one "last year" for weeks."""
    card = kpi.scorecard(sales_wb, scope="rep", period="2025-W10", kpis=["revenue"])
    r1 = card.set_index("scope_id").loc["R1"]
    # 2025-W10 is 3-9 March 2025 (400 won); 2024-W10 is 4-10 March 2024 (250 won), where
    # "a year back, then its week" would give 2024-W09 (nothing won)
    assert (r1["actual"], r1["last_year"]) == (400, 250)
    growth = kpi.growth(sales_wb, by="rep", period="week", start="2025-03-03",
                        end="2025-03-09", against="last_year").set_index("rep")
    assert (growth.loc["R1", "actual"], growth.loc["R1", "base"]) == (400, 250)
