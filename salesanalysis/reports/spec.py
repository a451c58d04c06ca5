"""What a report declares: the parameters its notebook accepts, the team-wide work a batch
does once before its runs, and the documents written beside each run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from typing import Callable

from ..kpi.periods import period_bounds
from ..kpi.registry import REGISTRY

__all__ = ["Param", "Report", "WORKBOOK", "PERIOD", "TEAM", "folder_label"]

# who or when a run is about, not what it shows: never in a batch's folder label
_NOT_CONTENT = ("workbook", "period", "team", "rep", "scope")


def folder_label(params: dict, spec) -> str:
    """A batch's folder label: the period, then every other parameter of ``spec`` (its
    :class:`Param` list) set away from its default (``2025-06-win_rate-last_year``), so
    one metric's reports never overwrite another's."""
    parts = [params.get("period") or "all"]
    for param in spec:
        value = params.get(param.name, param.default)
        if param.name in _NOT_CONTENT or value == param.default:
            continue
        parts.append(PurePath(str(value)).stem if param.type == "path" else str(value))
    return "-".join(parts)


@dataclass(frozen=True)
class Param:
    name: str
    type: str  # str, int, float, bool, path, period, choice, kpi
    default: object
    help: str
    choices: tuple = ()
    optional: bool = False  # None is allowed

    def check(self, value) -> str | None:
        """None when ``value`` is acceptable, else what is wrong."""
        if value is None:
            return None if self.optional else "may not be empty"
        kind = self.type
        if kind == "bool" and not isinstance(value, bool):
            return f"must be true or false, got {value!r}"
        if kind == "int" and (not isinstance(value, int) or isinstance(value, bool)):
            return f"must be a whole number, got {value!r}"
        if kind == "float" and (not isinstance(value, (int, float)) or isinstance(value, bool)):
            return f"must be a number, got {value!r}"
        if kind in ("str", "path", "period", "choice", "kpi") and not isinstance(value, str):
            return f"must be text, got {value!r}"
        if kind == "period":
            try:
                period_bounds(value)
            except ValueError as exc:
                return str(exc)
        if kind == "choice" and value not in self.choices:
            return f"must be one of {', '.join(map(str, self.choices))}; got {value!r}"
        if kind == "kpi" and value not in REGISTRY:
            return f"must be a KPI name (salesanalysis.kpi.kpis()); got {value!r}"
        return None

    def convert(self, text: str):
        """A value given as text on the command line, in this parameter's type."""
        if text.lower() in ("none", "null", ""):
            return None
        if self.type == "int":
            return int(text) if text.lstrip("-").isdigit() else text
        if self.type == "float":
            try:
                return float(text)
            except ValueError:
                return text
        if self.type == "bool":
            return {"true": True, "yes": True, "1": True, "false": False, "no": False,
                    "0": False}.get(text.lower(), text)
        return text


@dataclass(frozen=True)
class Report:
    """One report notebook's declaration.

    shared_work(workbook, parameters): the team-wide tables every run filters, computed
        once per batch before the runs start.
    outputs: names of the documents written beside each successful run (the batch looks
        the writers up in :data:`salesanalysis.present.OUTPUT_WRITERS`).
    """

    name: str
    params: tuple[Param, ...]
    shared_work: Callable | None = None
    outputs: tuple[str, ...] = ()


WORKBOOK = Param("workbook", "path", "data/demo.duckdb", "the workbook file")
PERIOD = Param("period", "period", None, "a closed period such as 2025-11 or 2025-Q3; "
               "None: the last full month", optional=True)
TEAM = Param("team", "str", None, "one team, or None for every team", optional=True)
