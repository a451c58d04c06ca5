"""Column mappings: how a source's tables, columns and values map to the canonical model.

A mapping is a YAML file (see ``templates/mappings/``)::

    options:                 # defaults for reading values; import arguments override them
      dayfirst: true         # 03/04/2024 is 3 April
      decimal: ","           # 1.234,56 is one thousand two hundred ...
    tables:
      activities:            # canonical table
        source: Activities   # file stem, sheet or table name in the source
        columns:             # source column: canonical column, or a list of them
          Activity ID: activity_id
        values:              # canonical column: {source value: canonical value}
          activity_type: {Phone Call: call}
        defaults:            # canonical column: value used when the source has none
          status: done
        units:               # canonical column: the unit the source writes it in
          duration_s: minutes  # seconds, minutes, hours; amounts: cents, thousands
        generate_ids: true   # no activity_id in the source: one is made from the row
      opportunities:
        won_stages: [Signed]  # stage values that mean won or lost, beside the built-in
        lost_stages: [Gone]   # words (see salesanalysis.ingest.derive)

Tables and columns not named are matched by their canonical names, ignoring case,
surrounding blanks and the difference between spaces, hyphens and underscores.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import MappingError
from ..schema import SCHEMAS

__all__ = ["Mapping", "TableMapping", "UNIT_FACTORS", "load_mapping", "normalize_name"]

_OPTION_KEYS = {"dayfirst", "decimal"}
# what a source value is multiplied by to be in the canonical unit (seconds, currency)
UNIT_FACTORS = {"seconds": 1, "minutes": 60, "hours": 3600, "cents": 0.01,
                "thousands": 1000}


def normalize_name(name: object) -> str:
    """Header and sheet names compared loosely: 'Rep ID' and 'rep-id' match 'rep_id'."""
    return re.sub(r"[\s\-]+", "_", str(name).strip()).lower()


@dataclass(frozen=True)
class TableMapping:
    table: str
    source: str
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)  # header: targets
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    defaults: dict[str, object] = field(default_factory=dict)
    generate_ids: bool = False  # a key the source lacks is made from the row's values
    units: dict[str, str] = field(default_factory=dict)  # canonical column: unit in source
    won_stages: tuple[str, ...] = ()  # opportunities: stage values that mean won
    lost_stages: tuple[str, ...] = ()  # and lost, beside the built-in words

    def resolve_columns(self, source_columns: list[str]) -> tuple[dict[str, str], list[str]]:
        """Map source headers to canonical columns; one header may feed several.

        Returns ``({canonical: source header}, [unused source headers])``. A header the
        mapping names wins over one that merely has a canonical column's name.
        """
        canonical = set(SCHEMAS[self.table].column_names)
        explicit = {normalize_name(k): v for k, v in self.columns.items()}
        found: dict[str, str] = {}
        used: set[str] = set()
        for header in source_columns:
            for target in explicit.get(normalize_name(header), ()):
                found.setdefault(target, header)
                used.add(header)
        for header in source_columns:
            key = normalize_name(header)
            if header not in used and key not in explicit and key in canonical \
                    and key not in found:
                found[key] = header
                used.add(header)
        return found, [h for h in source_columns if h not in used]


@dataclass(frozen=True)
class Mapping:
    tables: dict[str, TableMapping]
    dayfirst: bool = False
    decimal: str = "."
    path: str | None = None

    def for_table(self, table: str) -> TableMapping:
        return self.tables.get(table) or TableMapping(table=table, source=table)

    def table_for_source(self, source_name: str) -> str | None:
        """The canonical table a file stem, sheet or table name feeds, if any."""
        wanted = normalize_name(source_name)
        for table in SCHEMAS:
            if normalize_name(self.for_table(table).source) == wanted:
                return table
        return None


class _Keyed(dict):
    """A YAML mapping that remembers the line of each key."""

    lines: dict


class _Loader(yaml.SafeLoader):
    """Safe YAML that records the line of every key and every key given twice."""

    def __init__(self, stream):
        super().__init__(stream)
        self.repeated: list[str] = []


def _mapping_with_lines(loader: _Loader, node) -> _Keyed:
    loader.flatten_mapping(node)
    out = _Keyed()
    out.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in out:
            loader.repeated.append(f"line {line}: {key!r} is given twice (first on line "
                                   f"{out.lines[key]}); the second would silently win")
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[key] = line
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_lines)


class _Problems(list):
    """Every problem of a mapping file, each with its line where the file says it."""

    def add(self, spec, key, message: str) -> None:
        line = getattr(spec, "lines", {}).get(key)
        self.append(f"line {line}: {message}" if line else message)


def _targets(value) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else (str(value),)


def _parse_table(table: str, spec, problems: _Problems) -> TableMapping:
    here = f"tables.{table}"
    allowed = {"source", "columns", "values", "defaults", "generate_ids", "units"} | (
        {"won_stages", "lost_stages"} if table == "opportunities" else set())
    for key in sorted(set(spec) - allowed, key=str):
        problems.add(spec, key, f"{here}: unknown key {key!r}; expected "
                                f"{', '.join(sorted(allowed))}")
    names = set(SCHEMAS[table].column_names)
    columns = spec.get("columns") or {}
    if not isinstance(columns, dict):
        problems.add(spec, "columns", f"{here}.columns must map source columns to "
                                      "canonical columns")
        columns = {}
    headers: dict[str, str] = {}
    for source_col, target in columns.items():
        for name in _targets(target):
            if name not in names:
                problems.add(columns, source_col,
                             f"{here}.columns: {source_col!r} maps to {name!r}, which is not "
                             f"a column of {table} ({', '.join(sorted(names))})")
        loose = normalize_name(source_col)
        if loose in headers:
            problems.add(columns, source_col,
                         f"{here}.columns: {source_col!r} and {headers[loose]!r} name the "
                         "same source column (case, blanks and hyphens do not count)")
        headers[loose] = str(source_col)
    targets = [t for v in columns.values() for t in _targets(v)]
    for name in sorted({t for t in targets if targets.count(t) > 1}):
        problems.add(spec, "columns", f"{here}.columns: several source columns map to "
                                      f"{name!r}")
    values = spec.get("values") or {}
    for col, recode in values.items():
        if col not in names:
            problems.add(values, col, f"{here}.values: {col!r} is not a column of {table}")
        elif not isinstance(recode, dict):
            problems.add(values, col, f"{here}.values.{col} must map source values to "
                                      "canonical values")
    defaults = spec.get("defaults") or {}
    for col in defaults:
        if col not in names:
            problems.add(defaults, col, f"{here}.defaults: {col!r} is not a column of {table}")
    units = spec.get("units") or {}
    for col, unit in units.items():
        if col not in names:
            problems.add(units, col, f"{here}.units: {col!r} is not a column of {table}")
        elif unit not in UNIT_FACTORS:
            problems.add(units, col, f"{here}.units.{col}: unknown unit {unit!r}; expected "
                                     f"{', '.join(UNIT_FACTORS)}")
    generate = spec.get("generate_ids", False)
    key = SCHEMAS[table].key
    if generate not in (True, False):
        problems.add(spec, "generate_ids", f"{here}.generate_ids must be true or false")
    elif generate and len(key) != 1:
        problems.add(spec, "generate_ids", f"{here}.generate_ids: {table} is keyed by "
                                           f"{', '.join(key)}, which cannot be generated")
    stage_lists = {}
    for key in ("won_stages", "lost_stages"):
        listed = spec.get(key) or []
        if not isinstance(listed, list):
            problems.add(spec, key, f"{here}.{key} must be a list of stage values")
            listed = []
        stage_lists[key] = tuple(str(v) for v in listed)
    return TableMapping(
        table=table,
        source=str(spec.get("source", table)),
        columns={str(k): _targets(v) for k, v in columns.items()},
        values={c: {str(k): str(v) for k, v in r.items()} for c, r in values.items()
                if isinstance(r, dict)},
        defaults=dict(defaults),
        generate_ids=generate is True,
        units={str(c): str(u) for c, u in units.items()},
        **stage_lists,
    )


def _parse(data: object, where: str, repeated: list[str] | None = None) -> Mapping:
    """The mapping ``data`` says; every problem at once, with its line in the file."""
    problems = _Problems(repeated or [])
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise MappingError(f"{where}: a mapping file must hold a YAML mapping at top level")
    for key in sorted(set(data) - {"options", "tables", "description", "name"}, key=str):
        problems.add(data, key, f"unknown top-level key {key!r}; expected options, tables, "
                                "description")
    options = data.get("options") or {}
    for key in sorted(set(options) - _OPTION_KEYS, key=str):
        problems.add(options, key, f"unknown option {key!r}; expected "
                                   f"{', '.join(sorted(_OPTION_KEYS))}")
    decimal = str(options.get("decimal", "."))
    if decimal not in {".", ","}:
        problems.add(options, "decimal", f"options.decimal must be '.' or ',', got {decimal!r}")
    tables: dict[str, TableMapping] = {}
    given = data.get("tables") or {}
    for table, spec in given.items():
        if table not in SCHEMAS:
            problems.add(given, table, f"tables.{table}: unknown table; the canonical tables "
                                       f"are {', '.join(SCHEMAS)}")
            continue
        tables[table] = _parse_table(table, spec or {}, problems)
    if problems:
        raise MappingError(f"{where}: {len(problems)} problem(s):\n  " + "\n  ".join(problems))
    return Mapping(tables=tables, dayfirst=bool(options.get("dayfirst", False)),
                   decimal=decimal, path=None if where == "mapping" else where)


def load_mapping(mapping: str | Path | dict | Mapping | None = None) -> Mapping:
    """Read a mapping from a YAML file or a dict; ``None`` is the identity mapping."""
    if isinstance(mapping, Mapping):
        return mapping
    if mapping is None or isinstance(mapping, dict):
        return _parse(mapping, "mapping")
    path = Path(mapping)
    if not path.is_file():
        raise MappingError(f"mapping file not found: {path}")
    loader = _Loader(path.read_text(encoding="utf-8"))
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        raise MappingError(f"{path}: not valid YAML: {exc}") from None
    finally:
        loader.dispose()
    return _parse(data, str(path), loader.repeated)
