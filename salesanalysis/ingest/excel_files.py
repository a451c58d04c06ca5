"""Reading Excel sheets cell by cell, as far as they hold values.

A sheet is read row by row in openpyxl's streaming mode and only as wide as its
header: a stray cell at XFD1048576 costs one row, not a grid of seventeen billion
cells. Rows are numbered as the sheet numbers them; empty rows are skipped, as a
blank CSV line is. Merged cells give every cell of the range the value shown in it.
A formula whose result was never saved (a file written by a program that does
not calculate) cannot be read: the import is refused naming its cells.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from posixpath import join, normpath
from xml.etree import ElementTree

import pandas as pd

from ..errors import SourceError

__all__ = ["sheet_names", "read_sheet"]

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
_FORMULA = re.compile(rb"<(?:\w+:)?f[ >/]")
_CELLS_SHOWN = 10


def _unreadable(path: Path, exc: Exception) -> SourceError:
    return SourceError(f"{path}: cannot be read as an Excel workbook: {exc}")


def _sheet_parts(path: Path) -> dict[str, str]:
    """{sheet name: its part in the zip}, in the workbook's order."""
    try:
        with zipfile.ZipFile(path) as z:
            book = ElementTree.fromstring(z.read("xl/workbook.xml"))
            rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    except (OSError, KeyError, zipfile.BadZipFile, ElementTree.ParseError) as exc:
        raise _unreadable(path, exc) from None
    targets = {r.get("Id"): r.get("Target") for r in rels.iter(f"{_PKG_REL}Relationship")}
    parts = {}
    for sheet in book.iter(f"{_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_REL}id"), "")
        parts[sheet.get("name")] = (target.lstrip("/") if target.startswith("/")
                                    else normpath(join("xl", target)))
    return parts


def sheet_names(path: Path) -> list[str]:
    return list(_sheet_parts(path))


def _scan(path: Path, part: str) -> tuple[bool, list[tuple[int, int, int, int]]]:
    """Whether the sheet holds formulas, and its merged ranges (row1, col1, row2, col2)."""
    from openpyxl.utils import column_index_from_string  # openpyxl loads only for Excel

    has_formula, merged, tail = False, [], b""
    with zipfile.ZipFile(path) as z, z.open(part) as f:
        while chunk := f.read(1 << 20):
            text = tail + chunk
            has_formula = has_formula or bool(_FORMULA.search(text))
            merged += [(int(r1), column_index_from_string(c1.decode()), int(r2),
                        column_index_from_string(c2.decode()))
                       for c1, r1, c2, r2 in _MERGE.findall(text)]
            tail = text[-200:]
    return has_formula, list(dict.fromkeys(merged))


def _rows(path: Path, sheet: str, *, data_only: bool):
    """(sheet row number, values) of every row with a value, streaming."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=data_only)
    except Exception as exc:  # openpyxl raises many kinds
        raise _unreadable(path, exc) from None
    try:
        ws = book[sheet]
        ws.reset_dimensions()  # a recorded size may be absurd: read what is there
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            if any(v is not None and v != "" for v in values):
                yield number, values
    finally:
        book.close()


def _unsaved_formulas(path: Path, sheet: str, rows: dict[int, list]) -> list[str]:
    """Cells whose formula has no saved result (read as empty otherwise)."""
    from openpyxl.utils import get_column_letter

    cells = []
    for number, values in _rows(path, sheet, data_only=False):
        shown = rows.get(number, [])
        for col, value in enumerate(values, start=1):
            if isinstance(value, str) and value.startswith("=") and (
                    col > len(shown) or shown[col - 1] is None):
                cells.append(f"{get_column_letter(col)}{number}")
    return cells


def _filled(row) -> list:
    return [v for v in row if v is not None and str(v).strip()]


def _from_header(rows: dict[int, list], numbers: list[int]) -> list[int]:
    """The row numbers from the header on. A sheet may start with a title above its
    table ("Deals 2024" alone in A1): when the first row holds one cell and a row of
    several text cells follows within ten rows, that row is the header."""
    if len(_filled(rows[numbers[0]])) != 1:
        return numbers
    for i, number in enumerate(numbers[1:11], start=1):
        cells = _filled(rows[number])
        if len(cells) >= 2:
            return numbers[i:] if all(isinstance(v, str) for v in cells) else numbers
    return numbers


def read_sheet(path: Path, sheet: str, label: str) -> tuple[pd.DataFrame, list[int]]:
    """The sheet as a frame of cell values (header row 1 of the values) and the sheet
    row number of each frame row. Cells right of the header go to columns named
    ``(no header) <column letter>``, so that they are reported, not lost."""
    from openpyxl.utils import get_column_letter

    part = _sheet_parts(path)[sheet]
    has_formula, merged = _scan(path, part)
    rows = {number: list(values) for number, values in _rows(path, sheet, data_only=True)}
    if has_formula:
        unsaved = _unsaved_formulas(path, sheet, rows)
        if unsaved:
            listed = ", ".join(unsaved[:_CELLS_SHOWN]) + (
                f" and {len(unsaved) - _CELLS_SHOWN} more" if len(unsaved) > _CELLS_SHOWN
                else "")
            raise SourceError(f"{label}: {len(unsaved)} formula cell(s) have no saved value "
                              f"({listed}); open the file in Excel or LibreOffice and save "
                              "it, or paste the values, then import again")
    for r1, c1, r2, c2 in merged:
        value = rows.get(r1, [])[c1 - 1] if c1 <= len(rows.get(r1, [])) else None
        for r in range(r1, r2 + 1):
            if r in rows or r == r1:
                row = rows.setdefault(r, [])
                row.extend([None] * (c2 - len(row)))
                row[c1 - 1:c2] = [value] * (c2 - c1 + 1)
    if not rows:
        raise SourceError(f"{label}: the sheet is empty; its first row must name the columns")
    numbers = _from_header(rows, sorted(rows))
    names = [str(v).strip() if v is not None else "" for v in rows[numbers[0]]]
    while names and not names[-1]:
        names.pop()
    data = [rows[n] for n in numbers[1:]]
    # only the columns right of the header that hold a value: never a padded grid
    stray = sorted({c for row in data for c in range(len(names), len(row))
                    if row[c] is not None and row[c] != ""})
    columns = [c for c in range(len(names))
               if names[c] or any(c < len(row) and row[c] is not None for row in data)]
    columns += stray
    body = [[row[c] if c < len(row) else None for c in columns] for row in data]
    frame = pd.DataFrame(body, columns=range(len(columns)), dtype=object)
    frame.columns = [names[c] if c < len(names) and names[c]
                     else f"(no header) {get_column_letter(c + 1)}" for c in columns]
    repeated = sorted({n for n in frame.columns if list(frame.columns).count(n) > 1})
    if repeated:
        raise SourceError(f"{label}: the header row must name every column once "
                          f"(repeated: {repeated})")
    return frame, numbers[1:]
