"""Column mappings: how a source's tables, columns and values map to the canonical model.

A mapping is a YAML file (see ``templates/mappings/`` and the README's "Mappings"):
one entry per source table, named after the canonical table it feeds (or any name
with ``table:`` saying which, so that two sources, say tasks and events, can feed
one table). :mod:`salesanalysis.ingest.mapping_file` reads and checks the file.

Tables and columns not named are matched by their canonical names, ignoring case,
surrounding blanks and the difference between spaces, hyphens and underscores.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field

from ..schema import SCHEMAS, TABLE_ORDER

__all__ = ["Mapping", "TableMapping", "UNIT_FACTORS", "CLOCK_UNITS", "COMPUTED_PREFIX", "LOOKUP",
           "load_mapping", "normalize_name"]

# what a source value is multiplied by to be in the canonical unit (seconds, currency,
# a fraction)
UNIT_FACTORS = {"seconds": 1, "milliseconds": 0.001, "minutes": 60, "hours": 3600,
                "cents": 0.01, "thousands": 1000, "percent": 0.01}
CLOCK_UNITS = ("hh:mm", "hh:mm:ss")  # durations written 00:30 or 1:02:03
# staging columns a mapping computes (templates, id prefixes, outcome flags)
COMPUTED_PREFIX = "__computed_"
LOOKUP = "lookup"  # the table of an entry read only for other entries' joins


def normalize_name(name: object) -> str:
    """Header and sheet names compared loosely: 'Rep ID' and 'rep-id' match 'rep_id'."""
    return re.sub(r"[\s\-]+", "_", str(name).strip()).lower()


@dataclass(frozen=True)
class TableMapping:
    """How one source table feeds canonical ``table``; ``name`` is its mapping entry."""

    table: str
    source: str | tuple[str, ...]  # file stem, sheet or table name; * and ? match any
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)  # header: targets
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    defaults: dict[str, object] = field(default_factory=dict)
    generate_ids: bool = False  # a key the source lacks is made from the row's values
    # ... from these headers only (what identifies a record, not what changes)
    id_columns: tuple[str, ...] = ()
    units: dict[str, str] = field(default_factory=dict)  # canonical column: unit in source
    won_stages: tuple[str, ...] = ()  # opportunities: stage values that mean won
    lost_stages: tuple[str, ...] = ()  # and lost, beside the built-in words
    templates: dict[str, str] = field(default_factory=dict)  # canonical: "{A} {B}"
    prefixes: dict[str, dict[str, str]] = field(default_factory=dict)  # header: {006: col}
    outcome_from: dict[str, str] = field(default_factory=dict)  # won/closed/active: header
    deleted: dict[str, tuple[str, ...]] = field(default_factory=dict)  # header: values
    stage_dates: str | None = None  # regex of wide "date entered <stage>" headers
    lookups: dict[str, str] = field(default_factory=dict)  # canonical: table.column
    # activities of a calendar without a status: done once ended, by the data date
    status_by_time: bool = False
    # a change log, one row per field changed: {column: Field, value: NewValue,
    # names: {StageName: stage, ...}}; rows of other fields are left out and counted
    fields: dict = field(default_factory=dict)
    # canonical: {from: a lookup entry, by: this source's header, key: its header,
    # take: its header} - a value read from another file of the import
    joins: dict[str, dict[str, str]] = field(default_factory=dict)
    name: str = ""

    def __post_init__(self):
        if not self.name:
            object.__setattr__(self, "name", self.table)

    @property
    def sources(self) -> tuple[str, ...]:
        return (self.source,) if isinstance(self.source, str) else tuple(self.source)

    def matches(self, source_name: str) -> str | None:
        """'exact' or 'pattern' when ``source_name`` is one of this entry's sources."""
        wanted = normalize_name(source_name)
        names = [normalize_name(s) for s in self.sources]
        if wanted in names:
            return "exact"
        if any(fnmatch.fnmatchcase(wanted, n) for n in names if any(c in n for c in "*?[")):
            return "pattern"
        return None

    @property
    def computed(self) -> set[str]:
        """The canonical columns this mapping computes rather than reads."""
        out = set(self.templates) | {c for routes in self.prefixes.values()
                                     for c in routes.values()}
        out |= set(self.fields.get("names", {}).values()) | set(self.joins)
        return out | ({"outcome"} if self.outcome_from else set())

    def resolve_columns(self, source_columns: list[str]) -> tuple[dict[str, str], list[str]]:
        """Map source headers to canonical columns; one header may feed several.

        Returns ``({canonical: source header}, [unused source headers])``. A column the
        mapping computes wins over one it names, which wins over one that merely has a
        canonical column's name.
        """
        canonical = set(SCHEMAS[self.table].column_names)
        explicit = {normalize_name(k): v for k, v in self.columns.items()}
        consumed = {normalize_name(h) for h in (*self.prefixes, *self.outcome_from.values(),
                                                *self.deleted, self.fields.get("column", ""),
                                                self.fields.get("value", ""),
                                                *(j["by"] for j in self.joins.values()))}
        consumed |= {normalize_name(h) for t in self.templates.values()
                     for names in re.findall(r"\{([^{}]+)\}", t) for h in names.split("|")}
        found: dict[str, str] = {}
        used: set[str] = set()
        for header in source_columns:
            if header.startswith(COMPUTED_PREFIX):
                found[header[len(COMPUTED_PREFIX):]] = header
                used.add(header)
        for header in source_columns:
            for target in explicit.get(normalize_name(header), ()):
                found.setdefault(target, header)
                used.add(header)
        for header in source_columns:
            key = normalize_name(header)
            if header not in used and key not in explicit and key in canonical \
                    and key not in found and key not in consumed:
                found[key] = header
                used.add(header)
            if key in consumed:
                used.add(header)
        if self.stage_dates:
            used |= {h for h in source_columns if re.search(self.stage_dates, h)}
        return found, [h for h in source_columns if h not in used]


@dataclass(frozen=True)
class Mapping:
    tables: dict[str, TableMapping]  # by entry name
    dayfirst: bool = False
    decimal: str = "."
    path: str | None = None
    description: str = ""
    # a table no entry names is read as the entry its headers fit
    by_headers: bool = True

    def for_table(self, entry: str) -> TableMapping:
        """The mapping entry ``entry``; a canonical table not mapped reads as itself."""
        return self.tables.get(entry) or TableMapping(table=entry, source=entry)

    def entries(self) -> list[TableMapping]:
        """Every entry, the identity of each canonical table not mapped included."""
        named = list(self.tables.values())
        return named + [TableMapping(table=t, source=t) for t in TABLE_ORDER
                        if t not in self.tables]

    def table_for_source(self, source_name: str) -> str | None:
        """The entry a file stem, sheet or table name feeds: an exact name first, then
        the first entry whose pattern it matches."""
        matches = {e.name: e.matches(source_name) for e in self.entries()}
        for kind in ("exact", "pattern"):
            for entry, how in matches.items():
                if how == kind:
                    return entry
        return None


def load_mapping(mapping=None) -> Mapping:
    """Read a mapping from a YAML file or a dict; ``None`` is the identity mapping."""
    from .mapping_file import read_mapping  # the loader needs the classes above

    return mapping if isinstance(mapping, Mapping) else read_mapping(mapping)
