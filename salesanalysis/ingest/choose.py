"""The mapping an import uses: the one asked for, recognised (``"auto"``) or proposed,
bound by headers to the files whose names it does not know."""

from __future__ import annotations

from pathlib import Path

import yaml

from .mapping import Mapping, load_mapping
from .propose import propose
from .recognise import bind, recognise
from .samples import TABLE_FILES, read_samples
from .excel_files import sheet_names

__all__ = ["AUTO", "choose_mapping", "source_names"]

AUTO = "auto"
_STEM_SUFFIXES = (".csv", ".tsv", ".txt", ".parquet", ".pq", ".gz")


def _files(source) -> list[Path] | None:
    """The table files of a file or folder source; None for other sources."""
    if not isinstance(source, (str, Path)) or "://" in str(source):
        return None
    path = Path(source)
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file() and TABLE_FILES.search(p.name))
    if path.is_file() and TABLE_FILES.search(path.name):
        return [path]
    return None


def source_names(files: list[Path]) -> list[str]:
    """The names a mapping's ``source`` matches: file stems and Excel sheets."""
    names = []
    for path in files:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            names += sheet_names(path)
        else:
            name = path.name
            while Path(name).suffix.lower() in _STEM_SUFFIXES:
                name = name[: -len(Path(name).suffix)]
            names.append(name)
    return names


def choose_mapping(source, mapping, *, table=None, encoding="utf-8") -> tuple[Mapping, list[str]]:
    """The mapping to import ``source`` with, and what was decided, one note each."""
    files = _files(source)
    if mapping == AUTO:
        if files is None:
            return load_mapping(None), ["mapping auto: only files and folders are "
                                        "recognised; reading the tables by their names"]
        samples = read_samples(files, encoding=encoding)
        found = recognise(samples)
        if found is not None:
            name, chosen, notes = found
            return chosen, [f"mapping: recognised as {name} "
                            f"({chosen.description or chosen.path})", *notes]
        text, skipped = propose(samples)
        return load_mapping(yaml.safe_load(text)), [
            "mapping: no shipped format recognised; the proposed mapping was used (see it "
            f"with: salesanalysis map {source})", *skipped]
    chosen = load_mapping(mapping)
    if files is None or table is not None or not chosen.by_headers:
        return chosen, []
    if all(chosen.table_for_source(n) is not None for n in source_names(files)):
        return chosen, []
    return bind(chosen, read_samples(files, encoding=encoding))
