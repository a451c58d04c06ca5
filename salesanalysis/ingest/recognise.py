"""Which mapping a source's tables fit, by their names and headers.

A shipped mapping (``templates/mappings/``) is recognised when the headers of the
source's tables are the ones its entries name; a table whose file name no entry
matches is given to the entry its headers fit (an export saved as ``export.csv``).
"""

from __future__ import annotations

import re
from dataclasses import replace

import pandas as pd

from .mapping import LOOKUP, Mapping, TableMapping, load_mapping, normalize_name
from .mapping_file import shipped_mappings
from ..schema import SCHEMAS

__all__ = ["entry_fit", "bind", "recognise", "NOT_RECOGNISED"]

# shipped files that describe no export format of their own
NOT_RECOGNISED = ("identity", "crm_example")


# headers nearly every table has: they say nothing about which table it is
_GENERIC = {"id", "name", "type", "status", "date", "created", "description", "title"}


def _named_headers(entry: TableMapping) -> set[str]:
    """The headers an entry names, but for deletion flags and generic words."""
    named = set(entry.columns) | set(entry.prefixes) | set(entry.outcome_from.values())
    named |= {h for t in entry.templates.values() for part in re.findall(r"\{([^{}]+)\}", t)
              for h in part.split("|")}
    return {normalize_name(h) for h in named} - _GENERIC - {
        normalize_name(h) for h in entry.deleted}


def entry_fit(entry: TableMapping, headers) -> int | None:
    """How many of ``headers`` the entry reads, if it can read a table with them
    (every required column provided); else None."""
    if entry.table == LOOKUP:  # read for joins; never a table of its own
        return None
    present = {normalize_name(h) for h in headers}
    named = _named_headers(entry)
    canonical = set(SCHEMAS[entry.table].column_names)
    provided = {t for h, targets in entry.columns.items() if normalize_name(h) in present
                for t in targets}
    provided |= entry.computed | set(entry.defaults) | (present & canonical - named)
    if entry.generate_ids:
        provided |= set(SCHEMAS[entry.table].key[:1])
    schema = SCHEMAS[entry.table]
    required = {c.name for c in schema.columns if c.required and c.default is None}
    if not required <= provided:
        return None
    hits = len(named & present) if named else len(present & canonical - _GENERIC)
    if hits < 2 or (named and hits < 0.4 * len(named)):
        return None
    return hits


def bind(mapping: Mapping, samples: dict[str, pd.DataFrame]) -> tuple[Mapping, list[str]]:
    """Give each table no entry names to the entry its headers fit best; returns the
    mapping with those sources added and one note per table so read."""
    tables = dict(mapping.tables)
    notes = []
    for name, frame in samples.items():
        if mapping.table_for_source(name) is not None:
            continue
        fits = {e.name: entry_fit(e, frame.columns) for e in mapping.entries()}
        fits = {e: f for e, f in fits.items() if f is not None}
        if not fits:
            continue
        best = max(fits.values())
        chosen = [e for e, f in fits.items() if f == best]
        if len(chosen) > 1:
            notes.append(f"{name}: its headers fit {' and '.join(chosen)} equally; rename it "
                         "after the table it holds")
            continue
        entry = mapping.for_table(chosen[0])
        tables[entry.name] = replace(entry, source=(*entry.sources, name))
        notes.append(f"{name} read as {entry.name} ({best} of its headers match)")
    return replace(mapping, tables=tables), notes


def recognise(samples: dict[str, pd.DataFrame]) -> tuple[str, Mapping, list[str]] | None:
    """The shipped mapping the source's tables fit best, bound to them, with notes;
    None when none fits at least one table by name or headers."""
    best = None
    for name, path in shipped_mappings().items():
        if name in NOT_RECOGNISED:
            continue
        mapping = load_mapping(path)
        score, fitted = 0, 0
        for source, frame in samples.items():
            entry = mapping.table_for_source(source)
            candidates = ([mapping.for_table(entry)] if entry in mapping.tables
                          else list(mapping.tables.values()))
            fits = [f for f in (entry_fit(e, frame.columns) for e in candidates) if f]
            if fits:
                score += max(fits)
                fitted += 1
        if fitted and score >= 3 and (best is None or score > best[0]):
            best = (score, name, mapping)
    if best is None:
        return None
    bound, notes = bind(best[2], samples)
    return best[1], bound, notes
