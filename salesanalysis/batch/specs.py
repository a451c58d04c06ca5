"""The parameters each report notebook accepts, checked before any kernel starts.

A notebook's parameters cell holds literal defaults; its spec here says what each
parameter may be. A notebook without a spec (a user's own) gets one inferred from
its parameters cell: the type of each default.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat

from .. import layout
from ..errors import ParameterError
from ..present import OUTPUT_WRITERS
from ..reports import REPORTS
from ..reports.spec import Param

__all__ = ["Param", "SPECS", "SHARED_WORK", "RUN_OUTPUTS", "NOTEBOOKS", "ParameterError",
           "notebook_path", "parameters_cell", "spec_for", "check", "describe"]

NOTEBOOKS = layout.NOTEBOOKS



# every report's declaration, by notebook name
SPECS: dict[str, tuple[Param, ...]] = {r.name: r.params for r in REPORTS}
# per report: the team-wide work every run filters, done once per batch
SHARED_WORK = {r.name: r.shared_work for r in REPORTS if r.shared_work is not None}
# per report: the writers of the files beside each successful run's notebook
RUN_OUTPUTS = {r.name: [OUTPUT_WRITERS[o] for o in r.outputs] for r in REPORTS if r.outputs}


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
