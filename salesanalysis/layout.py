"""Where a batch writes its files: safe file names, report folders and links between
reports of the same batch.

A batch run writes ``<out>/<report>/<period>/<name>.ipynb`` (``.html``, ``.kpis.json``
and the side outputs beside it), a ``runs.csv`` per folder, and ``<out>/runs.csv`` and
``<out>/index.html`` over every batch in ``out``.
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

__all__ = ["PROJECT_ROOT", "NOTEBOOKS", "TEMPLATES", "RUNS_FILE", "INDEX_FILE",
           "DEFAULT_WORKBOOK", "WORKBOOK_VARIABLE", "find_workbook", "safe_name", "run_name",
           "report_folder", "report_href"]

# the notebooks and editable templates ship beside the package
PROJECT_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = PROJECT_ROOT / "notebooks"
TEMPLATES = PROJECT_ROOT / "templates"
RUNS_FILE = "runs.csv"
INDEX_FILE = "index.html"
DEFAULT_WORKBOOK = "data/demo.duckdb"  # what the notebooks open unless told otherwise
WORKBOOK_VARIABLE = "SALESANALYSIS_WORKBOOK"


def find_workbook(path) -> Path:
    """The workbook file a notebook or a read-only open means by ``path``.

    The default name (``data/demo.duckdb``) means ``$SALESANALYSIS_WORKBOOK`` when that
    is set. A relative path not found from the working folder is looked for from each
    folder above it: JupyterLab starts a notebook's kernel in ``notebooks/``, the
    project's ``data/`` is one level up. A path found nowhere is returned as given.
    """
    path = Path(path)
    if path == Path(DEFAULT_WORKBOOK) and os.environ.get(WORKBOOK_VARIABLE):
        path = Path(os.environ[WORKBOOK_VARIABLE])
    if path.exists() or path.is_absolute():
        return path
    for folder in Path.cwd().parents:
        if (folder / path).exists():
            return folder / path
    return path


# names Windows keeps for devices, whatever the extension: CON.html opens the console
_DEVICE_NAMES = frozenset({"CON", "PRN", "AUX", "NUL",
                           *(f"{port}{n}" for port in ("COM", "LPT") for n in range(10))})


def safe_name(text: str, *, limit: int = 80) -> str:
    """A file name from any text, safe on every system: ASCII letters, digits, ``-`` and
    ``_`` only (so never a trailing dot or space), and a Windows device name (``CON``,
    ``PRN``, ``AUX``, ``NUL``, ``COM0``-``COM9``, ``LPT0``-``LPT9``, any case) gets a
    ``_`` suffix: ``CON_``."""
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", ascii_text).strip("-_")[:limit].strip("-_")
    if name.upper() in _DEVICE_NAMES:
        name += "_"
    return name or "report"


def run_name(member, member_name, *, each: str | None) -> str:
    """The file name of one member's run: ``R001-Ana-Lopez`` for a rep (``Ana-Lopez`` when
    the name is the id), the team's name."""
    if each != "rep":
        return safe_name(member_name)
    same = member_name is None or str(member_name) == str(member)
    return safe_name(member if same else f"{member} {member_name}")


def report_folder(out, report: str, period: str | None) -> Path:
    """``<out>/<report>/<period>``: the folder one batch of ``report`` writes."""
    return Path(out) / report / safe_name(period or "all")


def report_href(report: str, *, rep: str, name: str, period: str, label: str | None = None
                ) -> str:
    """The relative link from one rep's report to that rep's ``report`` of the same batch
    (``label``: that batch's folder label, when it is not the period alone)."""
    return (f"../../{report}/{safe_name(label or period)}/"
            f"{run_name(rep, name, each='rep')}.html")
