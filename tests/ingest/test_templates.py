"""The shipped data-entry templates are what the schema says, and import unchanged."""

import pandas as pd

from salesanalysis.schema import SCHEMAS
from salesanalysis.ingest.templates import write_data_entry_templates


def test_shipped_templates_match_the_schema(tmp_path):
    write_data_entry_templates(tmp_path)
    for name, schema in SCHEMAS.items():
        shipped = (pd.read_csv(f"templates/data-entry/{name}.csv", dtype=str)
                   .fillna(""))
        fresh = pd.read_csv(tmp_path / "data-entry" / f"{name}.csv", dtype=str).fillna("")
        assert shipped.columns.tolist() == schema.column_names
        pd.testing.assert_frame_equal(shipped, fresh, obj=name)
    sheets = pd.read_excel("templates/data-entry.xlsx", sheet_name=None)
    assert set(sheets) == set(SCHEMAS)
    assert all(len(frame) == 1 for frame in sheets.values())
