"""A workbook's canonical tables copied to another Ibis backend (PostgreSQL, Spark ...),
read by the same KPI functions.

The copy is a snapshot: the data date, the column counts and the settings are the
workbook's at the time of the copy. It is read-only; imports go to the workbook.
"""

from __future__ import annotations

import pandas as pd

from ..schema import TABLE_ORDER
from .tables import CanonicalTables

__all__ = ["Mirror", "mirror"]


class Mirror(CanonicalTables):
    """The KPI side of a :class:`~salesanalysis.store.workbook.Workbook` on ``con``."""

    read_only = True

    def __init__(self, con, *, path: str, data_date: pd.Timestamp, source: str,
                 column_counts: dict, settings: dict):
        self.con = con
        self.path = path
        self._data_date = (data_date, source)
        self._column_counts = column_counts
        self._settings = settings
        self._cache: dict = {}

    def cached(self, key: str, make):
        """``make()`` once: a snapshot does not change."""
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def data_date(self) -> pd.Timestamp:
        return self._data_date[0]

    def data_date_source(self) -> tuple[pd.Timestamp, str]:
        return self._data_date

    def column_counts(self) -> dict[str, dict[str, int]]:
        return self._column_counts

    def settings(self) -> dict[str, str]:
        return dict(self._settings)

    @property
    def name(self) -> str:
        return self.path

    def close(self) -> None:
        self.con.disconnect()

    def __repr__(self) -> str:
        return f"<Mirror of a workbook on {self.con.name}>"


def mirror(workbook, con) -> Mirror:
    """Copy every canonical table of ``workbook`` to the Ibis backend ``con`` (replacing
    tables of the same names there) and return what the KPI functions read it through."""
    if con.name == "pyspark":  # without Arrow, Spark reads a missing text as "NaN"
        con._session.conf.set("spark.sql.execution.arrow.pyspark.enabled", "true")
    for name in TABLE_ORDER:
        frame = workbook.table(name).to_pyarrow()
        con.create_table(name, frame, overwrite=True)
    day, source = workbook.data_date_source()
    return Mirror(con, path=f"{workbook.name} on {con.name}", data_date=day, source=source,
                  column_counts=workbook.column_counts(), settings=workbook.settings())
