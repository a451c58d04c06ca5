"""Reading a mapping file: safe YAML, every problem at once with its line.

The keys of a table entry, each documented in the README's "Mappings"::

    tables:
      activities:              # the canonical table, or any name with table: ...
        table: activities      # (only when the entry is not named after its table)
        source: [Task, "*tasks*"]   # file stem, sheet or table name; * matches any
        columns: {Id: activity_id, ActivityDate: [occurred_at]}
        values: {activity_type: {Call: call, "*": other}}   # "*": any other value
        defaults: {status: done}
        units: {duration_s: minutes}          # see UNIT_FACTORS and CLOCK_UNITS
        generate_ids: true
        templates: {name: "{FirstName} {LastName}"}
        prefixes: {WhatId: {"006": opportunity_id}}   # what an id's first characters say
        outcome_from: {closed: IsClosed, won: IsWon, active: Active}
        deleted: {IsDeleted: true}            # rows left out (and counted) unless kept
        stage_dates: 'Date entered "(?P<stage>[^"(]+?)( \\(.*\\))?"'  # melted into history
        lookups: {list_amount: products.list_price}
        won_stages: [Signed]
        lost_stages: [Gone]
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from ..errors import MappingError
from ..layout import TEMPLATES
from ..schema import SCHEMAS
from .mapping import CLOCK_UNITS, LOOKUP, UNIT_FACTORS, Mapping, TableMapping, normalize_name

__all__ = ["read_mapping", "shipped_mappings", "SHIPPED_MAPPINGS", "TABLE_KEYS",
           "OUTCOME_FLAGS"]

SHIPPED_MAPPINGS = TEMPLATES / "mappings"

_OPTION_KEYS = {"dayfirst", "decimal"}
TABLE_KEYS = ("table", "source", "columns", "values", "defaults", "units", "generate_ids",
              "templates", "prefixes", "outcome_from", "deleted", "stage_dates", "lookups",
              "fields", "joins")
_OPPORTUNITY_KEYS = ("won_stages", "lost_stages")
_ACTIVITY_KEYS = ("status_by_time",)
# outcome_from roles: won true is won; closed true (not won) is lost; active false
# (not won) is lost; closed false is open; else the stage decides
OUTCOME_FLAGS = ("won", "closed", "active")


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


def _text(value) -> str:
    """A YAML scalar as the text a source would hold (true, not True)."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _section(spec, key, here, problems) -> dict:
    value = spec.get(key) or {}
    if not isinstance(value, dict):
        problems.add(spec, key, f"{here}.{key} must be a mapping")
        return {}
    return value


def _check_columns(section: dict, here: str, key: str, table: str, names: set,
                   problems: _Problems) -> None:
    for col in section:
        if col not in names:
            problems.add(section, col, f"{here}.{key}: {col!r} is not a column of {table}")


def _parse_columns(spec, here, table, names, problems) -> dict[str, tuple[str, ...]]:
    columns = _section(spec, "columns", here, problems)
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
    return {str(k): _targets(v) for k, v in columns.items()}


def _parse_computed(spec, here, table, names, problems) -> dict:
    """templates, prefixes, outcome_from, deleted, stage_dates, lookups, fields and
    joins."""
    templates = _section(spec, "templates", here, problems)
    _check_columns(templates, here, "templates", table, names, problems)
    for col, text in templates.items():
        if not re.search(r"\{[^{}]+\}", str(text)):
            problems.add(templates, col, f"{here}.templates.{col}: {text!r} names no source "
                                         "column; write them in braces, as in "
                                         "'{FirstName} {LastName}'")
    prefixes = _section(spec, "prefixes", here, problems)
    for header, routes in prefixes.items():
        if not isinstance(routes, dict):
            problems.add(prefixes, header, f"{here}.prefixes.{header} must map id prefixes "
                                           "to columns, as in {'006': opportunity_id}")
            continue
        _check_columns({v: 1 for v in routes.values()}, here, f"prefixes.{header}", table,
                       names, problems)
    outcome_from = _section(spec, "outcome_from", here, problems)
    if outcome_from and table != "opportunities":
        problems.add(spec, "outcome_from", f"{here}.outcome_from: only opportunities have "
                                           "an outcome")
    for role in outcome_from:
        if role not in OUTCOME_FLAGS:
            problems.add(outcome_from, role, f"{here}.outcome_from: unknown flag {role!r}; "
                                             f"expected {', '.join(OUTCOME_FLAGS)}")
    deleted = _section(spec, "deleted", here, problems)
    stage_dates = spec.get("stage_dates")
    if stage_dates is not None:
        try:
            if table != "opportunities" or "stage" not in re.compile(
                    str(stage_dates)).groupindex:
                problems.add(spec, "stage_dates", f"{here}.stage_dates: an opportunities "
                             "entry's pattern with a group (?P<stage>...) for the stage")
        except re.error as exc:
            problems.add(spec, "stage_dates", f"{here}.stage_dates: not a valid regular "
                                              f"expression: {exc}")
    lookups = _section(spec, "lookups", here, problems)
    _check_columns(lookups, here, "lookups", table, names, problems)
    for col, target in lookups.items():
        other, _, column = str(target).partition(".")
        if other not in SCHEMAS or column not in SCHEMAS[other].column_names:
            problems.add(lookups, col, f"{here}.lookups.{col}: {target!r} is not "
                                       "table.column of a canonical table")
        elif not any(c.references == f"{other}.{SCHEMAS[other].key[0]}"
                     for c in SCHEMAS[table].columns):
            problems.add(lookups, col, f"{here}.lookups.{col}: {table} has no column that "
                                       f"refers to {other}")
    return dict(
        fields=_parse_fields(spec, here, table, names, problems),
        joins=_parse_joins(spec, here, table, names, problems),
        templates={str(c): str(t) for c, t in templates.items()},
        prefixes={str(h): {str(p): str(c) for p, c in r.items()}
                  for h, r in prefixes.items() if isinstance(r, dict)},
        outcome_from={str(r): str(h) for r, h in outcome_from.items()},
        deleted={str(h): tuple(_text(v) for v in (vals if isinstance(vals, list) else [vals]))
                 for h, vals in deleted.items()},
        stage_dates=None if stage_dates is None else str(stage_dates),
        lookups={str(c): str(t) for c, t in lookups.items()},
    )


def _parse_fields(spec, here, table, names, problems) -> dict:
    """``fields: {column: Field, value: NewValue, names: {StageName: stage}}``: a change
    log's field names to canonical columns."""
    fields = _section(spec, "fields", here, problems)
    if not fields:
        return {}
    for key in sorted(set(fields) - {"column", "value", "names"}, key=str):
        problems.add(fields, key, f"{here}.fields: unknown key {key!r}; expected column, "
                                  "value, names")
    for key in ("column", "value"):
        if not isinstance(fields.get(key), str):
            problems.add(spec, "fields", f"{here}.fields.{key} must name the source column "
                         f"that holds the {'field name' if key == 'column' else 'new value'}")
    mapped = fields.get("names")
    if not isinstance(mapped, dict) or not mapped:
        problems.add(spec, "fields", f"{here}.fields.names must map field names to "
                                     "columns, as in {StageName: stage}")
        return {}
    _check_columns({v: 1 for v in mapped.values()}, here, "fields.names", table, names,
                   problems)
    return {"column": str(fields.get("column")), "value": str(fields.get("value")),
            "names": {str(k): str(v) for k, v in mapped.items()}}


def _parse_joins(spec, here, table, names, problems) -> dict:
    """``joins: {team: {from: user_roles, by: UserRoleId, key: Id, take: Name}}``: the
    lookup entry's ``take`` where its ``key`` is this row's ``by``."""
    joins = _section(spec, "joins", here, problems)
    _check_columns(joins, here, "joins", table, names, problems)
    out = {}
    for col, join in joins.items():
        if not isinstance(join, dict) or set(join) != {"from", "by", "key", "take"}:
            problems.add(joins, col, f"{here}.joins.{col} must say from (a lookup entry), "
                                     "by, key and take, as in {from: user_roles, by: "
                                     "UserRoleId, key: Id, take: Name}")
            continue
        out[str(col)] = {k: str(v) for k, v in join.items()}
    return out


def _source(spec, entry: str) -> str | tuple[str, ...]:
    """The file stems, sheets or tables an entry reads (its own name by default)."""
    source = spec.get("source", entry)
    return tuple(str(s) for s in source) if isinstance(source, list) else str(source)


def _parse_lookup(entry: str, spec, here: str, problems: _Problems) -> TableMapping:
    """An entry read for other entries' joins only, stored nowhere."""
    for key in sorted(set(spec) - {"table", "source"}, key=str):
        problems.add(spec, key, f"{here}: unknown key {key!r}; a lookup entry says only "
                                "table and source")
    return TableMapping(table=LOOKUP, name=entry, source=_source(spec, entry))


def _parse_generate(spec, here, table, problems) -> tuple[bool, tuple[str, ...]]:
    """``generate_ids``: true, false, or the source columns that name a row."""
    generate = spec.get("generate_ids", False)
    key = SCHEMAS[table].key
    id_columns = ()
    if isinstance(generate, list) and generate and all(isinstance(h, str) for h in generate):
        generate, id_columns = True, tuple(generate)
    if generate not in (True, False):
        problems.add(spec, "generate_ids", f"{here}.generate_ids must be true, false or the "
                                           "list of source columns that identify a row")
    elif generate and len(key) != 1:
        problems.add(spec, "generate_ids", f"{here}.generate_ids: {table} is keyed by "
                                           f"{', '.join(key)}, which cannot be generated")
    return generate is True, id_columns


def _parse_table(entry: str, spec, problems: _Problems, parent) -> TableMapping | None:
    here = f"tables.{entry}"
    table = str(spec.get("table", entry))
    if table == LOOKUP:
        return _parse_lookup(entry, spec, here, problems)
    if table not in SCHEMAS:
        problems.add(*((spec, "table") if "table" in spec else (parent, entry)),
                     f"{here}: unknown table {table!r}; the canonical tables are "
                     f"{', '.join(SCHEMAS)} (an entry named otherwise says table: ...)")
        return None
    allowed = set(TABLE_KEYS) | (set(_OPPORTUNITY_KEYS) if table == "opportunities" else set()) \
        | (set(_ACTIVITY_KEYS) if table == "activities" else set())
    for key in sorted(set(spec) - allowed, key=str):
        problems.add(spec, key, f"{here}: unknown key {key!r}; expected "
                                f"{', '.join(sorted(allowed))}")
    names = set(SCHEMAS[table].column_names)
    columns = _parse_columns(spec, here, table, names, problems)
    values = _section(spec, "values", here, problems)
    for col, recode in values.items():
        if col not in names:
            problems.add(values, col, f"{here}.values: {col!r} is not a column of {table}")
        elif not isinstance(recode, dict):
            problems.add(values, col, f"{here}.values.{col} must map source values to "
                                      "canonical values")
    defaults = _section(spec, "defaults", here, problems)
    _check_columns(defaults, here, "defaults", table, names, problems)
    units = _section(spec, "units", here, problems)
    for col, unit in units.items():
        if col not in names:
            problems.add(units, col, f"{here}.units: {col!r} is not a column of {table}")
        elif unit not in UNIT_FACTORS and unit not in CLOCK_UNITS:
            problems.add(units, col, f"{here}.units.{col}: unknown unit {unit!r}; expected "
                                     f"{', '.join((*UNIT_FACTORS, *CLOCK_UNITS))}")
    generate, id_columns = _parse_generate(spec, here, table, problems)
    stage_lists = {}
    for key in _OPPORTUNITY_KEYS:
        listed = spec.get(key) or []
        if not isinstance(listed, list):
            problems.add(spec, key, f"{here}.{key} must be a list of stage values")
            listed = []
        stage_lists[key] = tuple(str(v) for v in listed)
    by_time = spec.get("status_by_time", False)
    if by_time not in (True, False):
        problems.add(spec, "status_by_time", f"{here}.status_by_time must be true or false")
    return TableMapping(
        table=table, name=entry, source=_source(spec, entry),
        columns=columns,
        values={c: {_text(k): str(v) for k, v in r.items()} for c, r in values.items()
                if isinstance(r, dict)},
        defaults=dict(defaults),
        generate_ids=generate, id_columns=id_columns,
        units={str(c): str(u) for c, u in units.items()},
        status_by_time=by_time is True,
        **stage_lists,
        **_parse_computed(spec, here, table, names, problems),
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
    for entry, spec in given.items():
        if not isinstance(spec or {}, dict):
            problems.add(given, entry, f"tables.{entry} must be a mapping")
            continue
        parsed = _parse_table(str(entry), spec or {}, problems, given)
        if parsed is not None:
            tables[str(entry)] = parsed
    for entry, parsed in tables.items():
        for col, join in parsed.joins.items():
            if getattr(tables.get(join["from"]), "table", None) != LOOKUP:
                problems.add(given[entry]["joins"], col, f"tables.{entry}.joins.{col}: "
                             f"{join['from']!r} is no entry with table: lookup")
    if problems:
        raise MappingError(f"{where}: {len(problems)} problem(s):\n  " + "\n  ".join(problems))
    return Mapping(tables=tables, dayfirst=bool(options.get("dayfirst", False)),
                   decimal=decimal, path=None if where == "mapping" else where,
                   description=str(data.get("description", "")))


def shipped_mappings() -> dict[str, Path]:
    """The mappings in ``templates/mappings/`` by name (``salesforce``, ``spreadsheet`` ...)."""
    return {p.stem: p for p in sorted(SHIPPED_MAPPINGS.glob("*.yaml"))}


def read_mapping(mapping: str | Path | dict | None = None) -> Mapping:
    """A mapping from a YAML file, a shipped mapping's name or a dict; ``None`` is the
    identity mapping."""
    if mapping is None or isinstance(mapping, dict):
        return _parse(mapping, "mapping")
    path = Path(mapping)
    shipped = shipped_mappings()
    if not path.is_file() and str(mapping) in shipped:
        path = shipped[str(mapping)]
    if not path.is_file():
        raise MappingError(f"mapping file not found: {path}; the shipped mappings are "
                           f"{', '.join(shipped)}")
    loader = _Loader(path.read_text(encoding="utf-8"))
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        raise MappingError(f"{path}: not valid YAML: {exc}") from None
    finally:
        loader.dispose()
    return _parse(data, str(path), loader.repeated)
