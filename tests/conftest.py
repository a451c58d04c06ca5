import pandas as pd
import pytest

import salesanalysis as sa


@pytest.fixture
def reps():
    return pd.DataFrame({"rep_id": ["R1", "R2"], "name": ["Ana", "Ben"],
                         "role": ["field", "inside"]})


@pytest.fixture
def workbook():
    wb = sa.open_workbook(":memory:")
    yield wb
    wb.close()


def problems_of(report, table):
    """(row, column, reason) of a table's rejects, sorted."""
    r = report.rejects
    r = r[r["table"] == table]
    return sorted(zip(r["row"], r["column"], r["reason"]))


def build(as_of="2025-12-31", **frames):
    """A workbook from small DataFrames (or lists of row dicts), strict, dated ``as_of``."""
    tables = {name: pd.DataFrame(rows) for name, rows in frames.items()}
    return sa.Workbook.from_frames(tables, strict=True, as_of=as_of)
