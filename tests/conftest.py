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


HOSTILE = "<script>alert(1)</script>"


def small_demo(folder):
    """A workbook file of twelve demo reps over 40 weeks (data to 2024-10-07) in which rep
    R001 and every customer carry a hostile name."""
    from salesanalysis import demo

    tables = demo.generate(reps=12, weeks=40, seed=3)
    tables["reps"].loc[tables["reps"]["rep_id"] == "R001", "name"] = HOSTILE
    tables["customers"]["name"] = f"{HOSTILE} & Co"
    path = folder / "small.duckdb"
    with sa.open_workbook(path) as wb:
        wb.import_data(tables, as_of=demo.export_date(weeks=40).date(), progress=False)
    return path
