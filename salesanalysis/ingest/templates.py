"""Blank data-entry files for teams that keep their sales records in spreadsheets.

``templates/data-entry/`` (a CSV per canonical table) and ``templates/data-entry.xlsx``
(a sheet per table) are what :func:`write_data_entry_templates` writes: each has the
header row and one example row, and imports as it is.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..schema import SCHEMAS, TABLE_ORDER

__all__ = ["example_frames", "write_data_entry_templates", "CSV_FOLDER", "WORKBOOK_NAME"]

CSV_FOLDER = "data-entry"
WORKBOOK_NAME = "data-entry.xlsx"


def example_frames() -> dict[str, pd.DataFrame]:
    """One example row per canonical table, consistent across tables."""
    return {
        name: pd.DataFrame([{c.name: c.example for c in SCHEMAS[name].columns}],
                           columns=SCHEMAS[name].column_names)
        for name in TABLE_ORDER
    }


def write_data_entry_templates(templates: str | Path) -> list[Path]:
    """Write ``data-entry/<table>.csv`` and ``data-entry.xlsx`` under ``templates``."""
    folder = Path(templates) / CSV_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    frames = example_frames()
    paths = []
    for name, frame in frames.items():
        path = folder / f"{name}.csv"
        frame.to_csv(path, index=False)
        paths.append(path)
    book = Path(templates) / WORKBOOK_NAME
    with pd.ExcelWriter(book, engine="openpyxl") as writer:
        for name, frame in frames.items():
            frame.to_excel(writer, sheet_name=name, index=False)
    paths.append(book)
    return paths


if __name__ == "__main__":
    import sys

    for p in write_data_entry_templates(sys.argv[1] if len(sys.argv) > 1 else "templates"):
        print(p)
