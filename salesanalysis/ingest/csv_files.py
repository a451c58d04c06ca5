"""Reading a CSV file into the staging table, whatever its encoding and layout.

DuckDB reads UTF-8; a file in any other encoding (Windows-1252 as Excel saves it,
UTF-16 with a byte order mark, Latin-1) is first decoded in Python into a UTF-8
copy. The row numbers reported are the file's own line numbers: a file with blank
lines or quoted values over several lines gets its record start lines counted.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import os
import tempfile
from pathlib import Path
from typing import Callable, Sequence

import duckdb

from ..errors import SourceError
from .coerce import literal

__all__ = ["csv_stager", "file_literal", "delimiter_of"]

_DELIMITERS = (",", ";", "\t", "|")
_MALFORMED_SHOWN = 20
_CHUNK = 1 << 24
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF32_LE, "utf-32"),
         (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))


def file_literal(path: Path | str) -> str:
    """``path`` as a SQL literal DuckDB reads as this one file, never as a glob."""
    escaped = "".join(f"[{ch}]" if ch in "[*?" else ch for ch in str(path))
    return literal(escaped)


def delimiter_of(header: str) -> str:
    """The delimiter a header line uses: the most frequent of , ; tab |."""
    return max(_DELIMITERS, key=header.count)


def _open_binary(path: Path):
    return gzip.open(path, "rb") if path.suffix.lower() == ".gz" else open(path, "rb")


def _encoding(path: Path, asked: str) -> str:
    """The encoding to read ``path`` with: a byte order mark wins over ``asked``."""
    try:
        name = codecs.lookup(asked).name
    except LookupError:
        raise SourceError(f"{path}: unknown text encoding {asked!r}; use for example "
                          "utf-8, cp1252 (Windows, as Excel saves CSV) or latin-1") from None
    try:
        with _open_binary(path) as f:
            head = f.read(4)
    except OSError as exc:
        raise SourceError(f"{path}: cannot be read: {exc}") from None
    for bom, bom_encoding in _BOMS:
        if head.startswith(bom):
            return bom_encoding
    return name


def _suggestion(path: Path) -> str:
    """Which encoding the start of ``path`` reads as, said as a hint."""
    with _open_binary(path) as f:
        sample = f.read(1 << 20)
    try:
        sample.decode("cp1252")
        return ("it looks like Windows-1252, as Excel on Windows saves CSV: "
                "pass encoding='cp1252' (or --encoding cp1252)")
    except UnicodeDecodeError:
        return "pass its encoding, e.g. encoding='latin-1' (or --encoding latin-1)"


class _NotUtf8(SourceError):
    """A file read as UTF-8 that is not."""


def _not_text(path: Path, encoding: str, data: bytes, error: UnicodeDecodeError,
              lines_before: int) -> SourceError:
    line = lines_before + data.count(b"\n", 0, error.start) + 1
    byte = data[error.start:error.start + 1].hex().upper()
    hint = _suggestion(path) if encoding == "utf-8" else "check the encoding it was saved in"
    kind = _NotUtf8 if encoding == "utf-8" else SourceError
    return kind(f"{path}: line {line} is not {encoding} text (byte 0x{byte}); {hint}")


def _windows_text(path: Path) -> bool:
    """Whether all of ``path`` reads as Windows-1252, as Excel on Windows saves CSV."""
    try:
        _decode_all(path, "cp1252", lambda text: None)
    except SourceError:
        return False
    return True


def _check_utf8(path: Path) -> None:
    """Raise naming the first line that is not UTF-8."""
    _decode_all(path, "utf-8", lambda text: None)


def _decode_all(path: Path, encoding: str, write) -> None:
    """Decode ``path`` chunk by chunk into ``write``; raise naming the first bad line."""
    decoder = codecs.getincrementaldecoder(encoding)()
    lines, chunk = 0, b""
    with _open_binary(path) as f:
        while chunk := f.read(_CHUNK):
            try:
                write(decoder.decode(chunk))
            except UnicodeDecodeError as exc:
                raise _not_text(path, encoding, chunk, exc, lines) from None
            except UnicodeError as exc:  # e.g. UTF-16 without its byte order mark
                raise SourceError(f"{path}: is not {encoding} text ({exc})") from None
            lines += chunk.count(b"\n")
    try:
        write(decoder.decode(b"", final=True))
    except UnicodeError:
        raise SourceError(f"{path}: line {lines + 1} ends in the middle of a character: "
                          f"the file is cut short or not {encoding} text") from None


def _utf8_copy(path: Path, encoding: str) -> Path:
    """A UTF-8 copy of ``path`` in a temporary file the caller removes."""
    fd, name = tempfile.mkstemp(prefix="salesanalysis-", suffix=".csv")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            _decode_all(path, encoding, out.write)
    except BaseException:
        os.unlink(name)
        raise
    return Path(name)


def _header(path: Path, shown: Path) -> tuple[int, str, list[str]]:
    """Blank lines before the header, the delimiter and the column names.

    DuckDB's own sniffer is not used: on a file with ragged lines it may skip
    lines or pick another delimiter, and rows would be lost without a word.
    """
    skipped = 0
    with _open_binary(path) as f:
        for raw in f:
            first = raw.decode("utf-8").lstrip("\ufeff")
            if first.strip():
                break
            skipped += 1
        else:
            raise SourceError(f"{shown}: the file is empty; the first line must name "
                              "the columns")
    delimiter = delimiter_of(first)
    names = next(csv.reader([first], delimiter=delimiter))
    blank = [i + 1 for i, n in enumerate(names) if not n.strip()]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if blank or repeated:
        raise SourceError(f"{shown}: the header line must name every column once "
                          + (f"(column(s) {blank} have no name) " if blank else "")
                          + (f"(repeated: {repeated})" if repeated else ""))
    return skipped, delimiter, names


def _line_count(path: Path) -> int:
    count, last = 0, b"\n"
    with _open_binary(path) as f:
        while chunk := f.read(_CHUNK):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (last != b"\n")


def _record_lines(path: Path, skipped: int, delimiter: str, records: int) -> Sequence[int]:
    """The line on which each record starts, counting blank and continued lines."""
    first = skipped + 2
    if _line_count(path) == skipped + 1 + records:
        return range(first, first + records)
    starts = []
    with io.TextIOWrapper(_open_binary(path), encoding="utf-8", newline="") as f:
        reader = csv.reader(f, delimiter=delimiter, quotechar='"', doublequote=True)
        for _ in range(skipped + 1):
            next(reader, None)
        before = reader.line_num
        for row in reader:
            if row:  # DuckDB skips blank lines too
                starts.append(before + 1)
            before = reader.line_num
    if len(starts) != records:  # a layout read differently: line numbers unknown
        return range(first, first + records)
    return starts


def _failure(path: Path, shown: Path, args: str, exc: Exception) -> str:
    """Every malformed line at once, not only the first DuckDB stopped at."""
    text = str(exc).split("\n")[0]
    # the failed read aborted the import's transaction: look again on a scratch connection
    try:
        with duckdb.connect() as scratch:
            scratch.execute(f"SELECT count(*) FROM read_csv({args}, store_rejects = true)"
                            ).fetchall()
            rows = scratch.execute("SELECT line, first(error_message ORDER BY column_idx) "
                                   "FROM reject_errors GROUP BY line ORDER BY line").fetchall()
    except duckdb.Error:
        rows = []
    if not rows:
        return f"{shown}: cannot be read as CSV: {text}"
    listed = "\n".join(f"  line {line}: {msg.splitlines()[0]}"
                       for line, msg in rows[:_MALFORMED_SHOWN])
    more = (f"\n  ... and {len(rows) - _MALFORMED_SHOWN} more"
            if len(rows) > _MALFORMED_SHOWN else "")
    return (f"{shown}: {len(rows)} malformed line(s); fix them and import again "
            f"(no row of this import was stored):\n{listed}{more}")


def csv_stager(path: Path, encoding: str,
               stage_sql: Callable[[duckdb.DuckDBPyConnection, str], int]):
    """A stager of ``path``: ``stage(con)`` fills the staging table through ``stage_sql``
    (which returns the number of rows staged) and returns each record's line number."""
    def stage(con) -> Sequence[int]:
        actual = _encoding(path, encoding)
        try:
            return read(con, actual)
        except _NotUtf8:
            # not UTF-8 but Windows-1252 throughout: what Excel on Windows writes
            if actual == "utf-8" and _windows_text(path):
                return read(con, "cp1252")
            raise

    def read(con, actual: str) -> Sequence[int]:
        readable = path if actual == "utf-8" else _utf8_copy(path, actual)
        try:
            try:
                skipped, delimiter, names = _header(readable, path)
            except UnicodeDecodeError:
                _check_utf8(path)
                raise _NotUtf8(f"{path}: the header line is not utf-8 text; "
                               f"{_suggestion(path)}") from None
            columns = "{" + ", ".join(f"{literal(n)}: 'VARCHAR'" for n in names) + "}"
            args = (f"{file_literal(readable)}, auto_detect = false, header = true, "
                    f"skip = {skipped}, delim = {literal(delimiter)}, quote = '\"', "
                    f"escape = '\"', columns = {columns}")
            try:
                records = stage_sql(con, f"SELECT * FROM read_csv({args})")
            except duckdb.Error as exc:
                if "unicode" in str(exc).lower():
                    _check_utf8(path)
                raise SourceError(_failure(readable, path, args, exc)) from None
            return _record_lines(readable, skipped, delimiter, records)
        finally:
            if readable != path:
                os.unlink(readable)
    return stage

