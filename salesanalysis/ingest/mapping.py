"""Column mappings: how a source's tables, columns and values map to the canonical model.

A mapping is a YAML file (see ``templates/mappings/``)::

    options:                 # defaults for reading values; import arguments override them
      dayfirst: true         # 03/04/2024 is 3 April
      decimal: ","           # 1.234,56 is one thousand two hundred ...
    tables:
      activities:            # canonical table
        source: Activities   # file stem, sheet or table name in the source
        columns:             # source column: canonical column
          Activity ID: activity_id
        values:              # canonical column: {source value: canonical value}
          activity_type: {Phone Call: call}
        defaults:            # canonical column: value used when the source has none
          status: done
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

__all__ = ["Mapping", "TableMapping", "load_mapping", "normalize_name"]

_OPTION_KEYS = {"dayfirst", "decimal"}


def normalize_name(name: object) -> str:
    """Header and sheet names compared loosely: 'Rep ID' and 'rep-id' match 'rep_id'."""
    return re.sub(r"[\s\-]+", "_", str(name).strip()).lower()


@dataclass(frozen=True)
class TableMapping:
    table: str
    source: str
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    defaults: dict[str, object] = field(default_factory=dict)
    won_stages: tuple[str, ...] = ()  # opportunities: stage values that mean won
    lost_stages: tuple[str, ...] = ()  # and lost, beside the built-in words

    def resolve_columns(self, source_columns: list[str]) -> tuple[dict[str, str], list[str]]:
        """Map source headers to canonical columns.

        Returns ``({canonical: source header}, [unused source headers])``.
        """
        canonical = set(SCHEMAS[self.table].column_names)
        explicit = {normalize_name(k): v for k, v in self.columns.items()}
        found: dict[str, str] = {}
        unused: list[str] = []
        for header in source_columns:
            key = normalize_name(header)
            target = explicit.get(key, key if key in canonical else None)
            if target is None or target in found:
                unused.append(header)
            else:
                found[target] = header
        return found, unused


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


def _fail(where: str, message: str) -> MappingError:
    return MappingError(f"{where}: {message}")


def _parse(data: object, where: str) -> Mapping:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise _fail(where, "a mapping file must hold a YAML mapping at top level")
    unknown = set(data) - {"options", "tables", "description", "name"}
    if unknown:
        raise _fail(where, f"unknown top-level key(s) {sorted(unknown)}; "
                           "expected options, tables, description")
    options = data.get("options") or {}
    bad_options = set(options) - _OPTION_KEYS
    if bad_options:
        raise _fail(where, f"unknown option(s) {sorted(bad_options)}; "
                           f"expected {sorted(_OPTION_KEYS)}")
    decimal = str(options.get("decimal", "."))
    if decimal not in {".", ","}:
        raise _fail(where, f"options.decimal must be '.' or ',', got {decimal!r}")
    tables: dict[str, TableMapping] = {}
    for table, spec in (data.get("tables") or {}).items():
        if table not in SCHEMAS:
            raise _fail(where, f"tables.{table}: unknown table; the canonical tables are "
                               f"{', '.join(SCHEMAS)}")
        spec = spec or {}
        here = f"tables.{table}"
        allowed = {"source", "columns", "values", "defaults"} | (
            {"won_stages", "lost_stages"} if table == "opportunities" else set())
        bad_keys = set(spec) - allowed
        if bad_keys:
            raise _fail(where, f"{here}: unknown key(s) {sorted(bad_keys)}; "
                               f"expected {', '.join(sorted(allowed))}")
        stage_lists = {}
        for key in ("won_stages", "lost_stages"):
            listed = spec.get(key) or []
            if not isinstance(listed, list):
                raise _fail(where, f"{here}.{key} must be a list of stage values")
            stage_lists[key] = tuple(str(v) for v in listed)
        names = set(SCHEMAS[table].column_names)
        columns = {str(k): str(v) for k, v in (spec.get("columns") or {}).items()}
        for source_col, target in columns.items():
            if target not in names:
                raise _fail(where, f"{here}.columns: {source_col!r} maps to {target!r}, "
                                   f"which is not a column of {table} ({', '.join(sorted(names))})")
        targets = list(columns.values())
        repeated = sorted({t for t in targets if targets.count(t) > 1})
        if repeated:
            raise _fail(where, f"{here}.columns: several source columns map to {repeated}")
        values = spec.get("values") or {}
        for col, recode in values.items():
            if col not in names:
                raise _fail(where, f"{here}.values: {col!r} is not a column of {table}")
            if not isinstance(recode, dict):
                raise _fail(where, f"{here}.values.{col} must map source values to "
                                   "canonical values")
        defaults = spec.get("defaults") or {}
        for col in defaults:
            if col not in names:
                raise _fail(where, f"{here}.defaults: {col!r} is not a column of {table}")
        tables[table] = TableMapping(
            table=table,
            source=str(spec.get("source", table)),
            columns=columns,
            values={c: {str(k): str(v) for k, v in r.items()} for c, r in values.items()},
            defaults=dict(defaults),
            **stage_lists,
        )
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
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise MappingError(f"{path}: not valid YAML: {exc}") from None
    return _parse(data, str(path))
