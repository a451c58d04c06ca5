"""The headers and first rows of each table a source holds, read cheaply as text:
what recognising an export and proposing a mapping look at."""

from __future__ import annotations

import codecs
import csv
import io
import re
from pathlib import Path

import duckdb
import pandas as pd

from ..errors import SourceError
from .csv_files import _encoding, _open_binary, delimiter_of, file_literal
from .excel_files import read_sheet, sheet_names

__all__ = ["read_samples", "TABLE_FILES"]

TABLE_FILES = re.compile(r"\.(csv|tsv|txt|parquet|pq|xlsx|xlsm)(\.gz)?$", re.I)
_STEM = re.compile(r"(\.csv|\.parquet|\.pq|\.tsv|\.txt)?(\.gz)?$", re.I)


def _csv_sample(path: Path, rows: int, encoding: str) -> pd.DataFrame:
    with _open_binary(path) as f:
        head = f.read(1 << 20)
    actual = _encoding(path, encoding)
    try:  # incremental: a character cut at the end of the sample is no error
        text = codecs.getincrementaldecoder(actual)().decode(head)
    except UnicodeDecodeError:  # as the import reads it: else Windows-1252, as Excel saves
        text = head.decode("cp1252" if actual == "utf-8" else actual, errors="replace")
    lines = [line for line in io.StringIO(text).read().splitlines()]
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        return pd.DataFrame()
    if len(head) == 1 << 20:
        lines = lines[:-1]  # the last line may be cut
    records = list(csv.reader(lines, delimiter=delimiter_of(lines[0])))
    header, body = records[0], [r for r in records[1:rows + 1] if any(c.strip() for c in r)]
    width = len(header)
    return pd.DataFrame([(r + [""] * width)[:width] for r in body],
                        columns=[h.strip() for h in header], dtype=object)


def read_samples(source, *, rows: int = 200, encoding: str = "utf-8") -> dict[str, pd.DataFrame]:
    """``{name: first rows as text}`` per table of ``source``: a file, a folder or
    several of them. The name is what a mapping's ``source`` matches: the file stem,
    or the sheet of an Excel file."""
    paths = [Path(s) for s in (source if isinstance(source, (list, tuple)) else [source])]
    files: list[Path] = []
    for path in paths:
        if not path.exists():
            raise SourceError(f"source not found: {path}")
        files += sorted(p for p in path.iterdir() if p.is_file() and TABLE_FILES.search(p.name)
                        and not p.name.startswith(".")) if path.is_dir() else [path]
    out: dict[str, pd.DataFrame] = {}
    unreadable: list[str] = []
    for path in files:
        suffix = path.suffix.lower()
        if suffix in (".xlsx", ".xlsm"):
            for sheet in sheet_names(path):
                try:
                    frame, _ = read_sheet(path, sheet, f"{path.name}[{sheet}]")
                except SourceError as exc:  # an empty or unreadable sheet: nothing to map
                    unreadable.append(str(exc))
                    continue
                out[sheet] = frame.head(rows).map(lambda v: "" if v is None else str(v))
        elif suffix in (".parquet", ".pq"):
            frame = duckdb.sql(f"SELECT * FROM read_parquet({file_literal(path)}) "
                               f"LIMIT {rows}").df()
            out[_STEM.sub("", path.name)] = frame.astype(str).where(frame.notna(), "")
        elif TABLE_FILES.search(path.name):
            out[_STEM.sub("", path.name)] = _csv_sample(path, rows, encoding)
    if not out and unreadable:  # say why, rather than that there is nothing
        raise SourceError("\n".join(unreadable))
    return out
