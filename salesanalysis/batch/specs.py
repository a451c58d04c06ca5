"""The parameters each report notebook accepts, checked before any kernel starts.

A notebook's parameters cell holds literal defaults; its spec here says what each
parameter may be. A notebook without a spec (a user's own) gets one inferred from
its parameters cell: the type of each default.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .. import findings, meeting
from ..gap.explain import COMPARISONS, METRICS
from ..errors import SalesAnalysisError
from ..kpi.periods import period_bounds
from ..kpi.registry import REGISTRY

__all__ = ["Param", "SPECS", "SHARED_WORK", "RUN_OUTPUTS", "NOTEBOOKS", "ParameterError",
           "notebook_path", "parameters_cell", "spec_for", "check", "describe"]

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


class ParameterError(SalesAnalysisError):
    """Parameters a notebook does not accept; the message lists what it accepts."""


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


_WORKBOOK = Param("workbook", "path", "data/demo.duckdb", "the workbook file")
_PERIOD = Param("period", "period", None, "a closed period such as 2025-11 or 2025-Q3; "
                "None: the last full month", optional=True)
_TEAM = Param("team", "str", None, "one team, or None for every team", optional=True)

SPECS: dict[str, tuple[Param, ...]] = {
    "rep_review": (
        _WORKBOOK,
        Param("rep", "str", "R001", "the rep's id"),
        _PERIOD,
        Param("comparison", "choice", "previous", "the comparison period",
              choices=("previous", "last_year")),
        Param("rules", "path", None, "a findings rules file; None: templates/findings.yaml",
              optional=True),
    ),
    "team_trends": (
        _WORKBOOK, _TEAM, _PERIOD,
        Param("grain", "choice", "month", "the trend's period",
              choices=("week", "month", "quarter", "year")),
        Param("periods", "int", 12, "how many periods to show"),
        Param("metric", "kpi", "revenue", "the KPI to follow"),
    ),
    "pipeline_health": (
        _WORKBOOK, _TEAM, _PERIOD,
        Param("weeks", "int", 26, "weeks of prospecting history"),
    ),
    "data_quality": (_WORKBOOK,),
    "gap_analysis": (
        _WORKBOOK,
        Param("scope", "str", None, "a rep id, a team, or None for the company", optional=True),
        _PERIOD,
        Param("comparison", "choice", "previous", "what the period is compared with",
              choices=COMPARISONS),
        Param("metric", "choice", "revenue", "the KPI whose gap is explained",
              choices=tuple(METRICS)),
    ),
}


def _review_shared_work(workbook, parameters: dict) -> None:
    findings.prepare(workbook, period=parameters["period"], rules=parameters.get("rules"))


# per report: the team-wide work every run filters, done once per batch
SHARED_WORK = {"rep_review": _review_shared_work}


def _review_pack(workbook, parameters: dict, stem: Path) -> list[Path]:
    return meeting.write_pack(workbook, rep=parameters["rep"], period=parameters["period"],
                              stem=stem, rules=parameters.get("rules"),
                              comparison=parameters.get("comparison", "previous"))


# per report: files written beside each successful run's notebook (the rep's agenda,
# action plan and meeting document)
RUN_OUTPUTS = {"rep_review": _review_pack}


def notebook_path(notebook: str | Path) -> Path:
    """A notebook file, or the name of one in ``notebooks/`` (``rep_review``)."""
    path = Path(notebook)
    if path.suffix != ".ipynb" and not path.exists():
        path = NOTEBOOKS / f"{path.name}.ipynb"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")))
        raise ParameterError(f"no notebook {str(notebook)!r}; the reports are: {known}")
    return path


def parameters_cell(path: Path) -> dict[str, object]:
    """Names and literal defaults of the notebook's cell tagged ``parameters``."""
    book = nbformat.read(path, as_version=4)
    cells = [c for c in book.cells if "parameters" in c.metadata.get("tags", [])]
    if len(cells) != 1:
        raise ParameterError(f"{path}: needs exactly one cell tagged 'parameters', "
                             f"found {len(cells)}")
    values = {}
    for node in ast.parse(cells[0].source).body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)):
            raise ParameterError(f"{path}: the parameters cell may hold only assignments "
                                 f"of literals (line {node.lineno})")
        try:
            values[node.targets[0].id] = ast.literal_eval(node.value)
        except ValueError as exc:
            raise ParameterError(f"{path}: parameter {node.targets[0].id!r} (line "
                                 f"{node.lineno}) is not a literal") from exc
    return values


def spec_for(notebook: str | Path) -> tuple[Param, ...]:
    """The declared parameters of a report, or ones inferred from its parameters cell."""
    path = notebook_path(notebook)
    if path.stem in SPECS and path.resolve().parent == NOTEBOOKS:
        return SPECS[path.stem]
    types = {bool: "bool", int: "int", float: "float", str: "str"}
    return tuple(Param(name, types.get(type(value), "str"), value, "", optional=value is None)
                 for name, value in parameters_cell(path).items())


def describe(notebook: str | Path) -> str:
    """What ``salesanalysis params`` prints: one line per parameter."""
    lines = [f"{notebook_path(notebook).stem} accepts:"]
    for p in spec_for(notebook):
        kind = f"one of {', '.join(map(str, p.choices))}" if p.choices else p.type
        lines.append(f"  {p.name:<12} {kind:<32} default {p.default!r}"
                     + (f"  {p.help}" if p.help else ""))
    return "\n".join(lines)


def check(notebook: str | Path, parameters: dict) -> dict:
    """``parameters`` checked against the notebook's spec; every problem at once."""
    spec = {p.name: p for p in spec_for(notebook)}
    problems = [f"unknown parameter {name!r}" for name in parameters if name not in spec]
    for name, value in parameters.items():
        if name in spec:
            problem = spec[name].check(value)
            if problem:
                problems.append(f"{name} {problem}")
    if problems:
        raise ParameterError(f"{notebook_path(notebook).stem}: " + "; ".join(problems)
                             + "\n" + describe(notebook))
    return dict(parameters)
