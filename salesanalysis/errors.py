"""One exception hierarchy for the whole package."""

from __future__ import annotations

__all__ = [
    "SalesAnalysisError",
    "InvalidArgumentError",
    "UnknownNameError",
    "SourceError",
    "MappingError",
    "DataValidationError",
    "WorkbookError",
    "MissingDataError",
    "NoTargetError",
    "RulesError",
    "TemplateError",
    "ParameterError",
    "BatchError",
    "KernelError",
]


class SalesAnalysisError(Exception):
    """Base class of every error raised on purpose by salesanalysis."""


class InvalidArgumentError(SalesAnalysisError, ValueError):
    """An argument outside what a function accepts; the message names the parameter, the
    function, what it accepts and what it got."""


class UnknownNameError(InvalidArgumentError, KeyError):
    """A name (KPI, rep, team, table, dimension) that does not exist; the message lists the
    known names. Also a ``ValueError``, as any argument error, and a ``KeyError``."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0]) if self.args else ""


class SourceError(SalesAnalysisError):
    """A data source cannot be read (missing file, unknown format, unreadable sheet)."""


class MappingError(SalesAnalysisError):
    """A column-mapping file is malformed or names something that does not exist."""


class WorkbookError(SalesAnalysisError):
    """The workbook file cannot be opened or written as asked."""


class MissingDataError(SalesAnalysisError):
    """A computation needs a table or column the workbook does not have."""


class NoTargetError(MissingDataError, ValueError):
    """A comparison with target where the workbook sets none for that metric and period."""


class RulesError(SalesAnalysisError):
    """A findings rules file that cannot be used; says which file, rule and field."""


class TemplateError(SalesAnalysisError):
    """A meeting template that cannot be read or rendered; names the file and line."""


class ParameterError(InvalidArgumentError):
    """Parameters a notebook does not accept; the message lists what it accepts."""


class BatchError(SalesAnalysisError):
    """A batch that cannot start (bad notebook, parameters or members)."""


class KernelError(BatchError):
    """A batch run's kernel that would not start, answer or stop, or that died."""


def _shown_row(row) -> str:
    """A problem's row number, '-' for a problem of the whole table (NULL, NaN or NA)."""
    try:
        return str(int(row))
    except (TypeError, ValueError):
        return "-"


class DataValidationError(SalesAnalysisError):
    """Input rows break the canonical model; raised by ``strict=True`` imports.

    ``problems`` is a DataFrame listing every problem found, one row each
    (table, source, row, column, value, reason, message).
    """

    def __init__(self, problems):
        self.problems = problems
        n = len(problems)
        shown = problems.head(20)
        lines = [
            f"{r.source} row {_shown_row(r.row)}, column {r.column!s}"
            + (f" = {r.value!r}" if isinstance(r.value, str) else "")
            + f": {r.reason}: {r.message}"
            for r in shown.itertuples()
        ]
        more = f"\n... and {n - len(shown)} more" if n > len(shown) else ""
        super().__init__(
            f"{n} problem(s) in the input data:\n" + "\n".join(lines) + more
        )
