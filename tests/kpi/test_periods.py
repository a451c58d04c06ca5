"""Period labels and bounds."""

import pandas as pd
import pytest

from salesanalysis.kpi.periods import period_bounds, period_label, period_starts


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
