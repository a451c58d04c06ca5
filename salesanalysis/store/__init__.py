"""The store: canonical tables in an embedded DuckDB file, the data date, the sellers and
the batch cache."""

from .workbook import Workbook, data_date, open_workbook

__all__ = ["Workbook", "open_workbook", "data_date"]
