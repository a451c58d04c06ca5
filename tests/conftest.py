import pandas as pd
import pytest

import salesanalysis as sa

from backends import postgres  # noqa: F401 (the PostgreSQL server of the backend tests)
from browsers import browser  # noqa: F401 (the Chromium fixture of the browser tests)
from builders import FIELD_REPS, FINDINGS_RULES, REPS, build, opp, revenue_targets, won


@pytest.fixture
def reps():
    return pd.DataFrame({"rep_id": ["R1", "R2"], "name": ["Ana", "Ben"],
                         "role": ["field", "inside"]})


@pytest.fixture
def workbook():
    wb = sa.open_workbook(":memory:")
    yield wb
    wb.close()


@pytest.fixture(scope="module")
def march_wb():
    # March: R1 wins 1,200 (target 1,000), R2 wins 500 (target 1,000); team median 850
    deals = [opp(1, "R1", "2025-01-01", "won", "2025-03-10", 1200),
             opp(2, "R2", "2025-01-01", "won", "2025-03-12", 500),
             opp(3, "R1", "2025-01-01", "won", "2025-02-12", 600)]
    targets = revenue_targets(("2025-03", "R1", 1000), ("2025-03", "R2", 1000),
                              ("2025-02", "R1", 800))
    book = build(as_of="2025-04-02", reps=FIELD_REPS, opportunities=deals, targets=targets)
    yield book
    book.close()


@pytest.fixture
def rules_path(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(FINDINGS_RULES)
    return path


@pytest.fixture(scope="module")
def sales_wb():
    opps = [won(1, "R1", "2025-03-05", 400), won(2, "R1", "2025-03-15", 200),
            won(3, "R1", "2025-03-20", 500),            # after the data date: not yet known
            won(4, "R1", "2025-02-03", 300), won(5, "R1", "2025-02-25", 900),
            won(6, "R1", "2024-03-08", 250), won(7, "R1", "2024-03-28", 1000)]
    targets = [{"period": "2025-03", "scope_level": "rep", "scope_id": "R1",
                "metric": "revenue", "value": 1000},
               {"period": "2025-01", "scope_level": "rep", "scope_id": "R1",
                "metric": "revenue", "value": 500},
               {"period": "2025-02", "scope_level": "rep", "scope_id": "R1",
                "metric": "revenue", "value": 800},
               {"period": "2025-Q1", "scope_level": "team", "scope_id": "T",
                "metric": "revenue", "value": 3000}]
    wb = build(as_of="2025-03-16", reps=REPS, opportunities=opps, targets=targets)
    yield wb
    wb.close()
