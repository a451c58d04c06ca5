"""What an import did: rows read, accepted, rejected and flagged per source, and why."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import pandas as pd

from .validate import TableResult

__all__ = ["ImportReport", "problems_by_reason"]

_SUMMARY_COLUMNS = ["table", "source", "rows_read", "accepted", "rejected", "excluded",
                    "flagged"]


def problems_by_reason(problems: pd.DataFrame) -> pd.DataFrame:
    """Problem counts by table, column, reason (and severity), most frequent first."""
    keys = [k for k in ("table", "column", "reason", "severity") if k in problems]
    if problems.empty:
        return pd.DataFrame(columns=[*keys, "problems"])
    out = (problems.groupby(keys, dropna=False).size().rename("problems").reset_index()
           .sort_values("problems", ascending=False, kind="stable"))
    return out.reset_index(drop=True)


def _where(problem) -> str:
    row = "-" if pd.isna(problem.row) else int(problem.row)
    value = "" if problem.value is None or pd.isna(problem.value) else f" = {problem.value!r}"
    return f"{problem.source} row {row}, {problem.column}{value}: {problem.message}"


@dataclass
class ImportReport:
    """The outcome of one import.

    ``to_frame()`` has one row per source table; ``rejects`` and ``flags`` list
    every problem (source, row, column, value, reason, message). For every
    source, accepted + rejected + excluded (marked deleted in the source) = rows read.
    """

    import_id: int
    results: list[TableResult]
    problems: pd.DataFrame
    ignored: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # the mapping chosen, tables read by headers

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [[r.table, r.source, r.rows_read, r.accepted, r.rejected, r.excluded, r.flagged]
             for r in self.results],
            columns=_SUMMARY_COLUMNS,
        )

    @property
    def rejects(self) -> pd.DataFrame:
        return self._problems("error")

    @property
    def flags(self) -> pd.DataFrame:
        return self._problems("warning")

    def _problems(self, severity: str) -> pd.DataFrame:
        p = self.problems
        return p[p["severity"] == severity].drop(columns="severity").reset_index(drop=True)

    @property
    def ok(self) -> bool:
        """True when no row was rejected."""
        return all(r.rejected == 0 for r in self.results)

    @property
    def lost_tables(self) -> list[str]:
        """Tables of which rows were read and none was accepted (but for rows the
        source marks deleted)."""
        return [r.table for r in self.results if r.rows_read > r.excluded and not r.accepted]

    @property
    def exit_code(self) -> int:
        """0 when every row was accepted, 3 when some were rejected (the rest stored),
        1 when a table lost every row."""
        return 1 if self.lost_tables else 0 if self.ok else 3

    def _examples(self, reason, shown: int = 5) -> pd.DataFrame:
        p = self.problems
        same = ((p["table"] == reason.table) & (p["column"].fillna("") == (reason.column or ""))
                & (p["reason"] == reason.reason) & (p["severity"] == reason.severity))
        return p[same].head(shown)

    @property
    def unused_columns(self) -> dict[str, list[str]]:
        return {r.source: r.unused_columns for r in self.results if r.unused_columns}

    def by_reason(self) -> pd.DataFrame:
        """Problem counts by table, column, reason and severity, most frequent first."""
        return problems_by_reason(self.problems)

    def __str__(self) -> str:
        lines = [f"Import {self.import_id}:", *(f"  {note}" for note in self.notes)]
        for r in self.results:
            lines.append(f"  {r.table:<20} {r.source:<32} read {r.rows_read:>10,}  "
                         f"accepted {r.accepted:>10,}  rejected {r.rejected:>8,}  "
                         f"flagged {r.flagged:>8,}"
                         + (f"  excluded {r.excluded:,} ({_excluded_words(r)})"
                            if r.excluded else ""))
        reasons = self.by_reason()
        if len(reasons):
            lines.append("  problems by reason (the first rows of each):")
            for row in reasons.head(15).itertuples():
                lines.append(f"    {row.table}.{row.column}: {row.reason} ({row.severity}) "
                             f"x {row.problems:,}")
                lines += [f"      {_where(p)}" for p in self._examples(row).itertuples()]
        for src, cols in self.unused_columns.items():
            more = f" and {len(cols) - 12} more" if len(cols) > 12 else ""
            lines.append(f"  {src}: columns not used: {', '.join(cols[:12])}{more}")
        for item in self.ignored:
            lines.append(f"  ignored: {item}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        parts = [f"<h4>Import {self.import_id}</h4>",
                 *(f"<p>{html.escape(note)}</p>" for note in self.notes),
                 self.to_frame().to_html(index=False, escape=True)]
        if not self.problems.empty:
            parts += ["<h5>Problems by reason</h5>",
                      self.by_reason().to_html(index=False, escape=True),
                      "<h5>First problems</h5>",
                      self.problems.head(20).to_html(index=False, escape=True)]
        for src, cols in self.unused_columns.items():
            parts.append(f"<p>{html.escape(src)}: columns not used: "
                         f"{html.escape(', '.join(cols))}</p>")
        for item in self.ignored:
            parts.append(f"<p>ignored: {html.escape(item)}</p>")
        return "\n".join(parts)


def _excluded_words(result) -> str:
    parts = [(result.excluded - result.untracked - result.totals - result.empty,
              "deleted in the source", "deleted in the source"),
             (result.untracked, "change of a field not taken", "changes of fields not taken"),
             (result.totals, "totals row", "totals rows"),
             (result.empty, "empty row", "empty rows")]
    parts = [(n, one if n == 1 else many) for n, one, many in parts if n]
    if len(parts) == 1 and parts[0][1] == "deleted in the source":
        return "deleted in the source"
    return ", ".join(f"{n:,} {why}" for n, why in parts)
