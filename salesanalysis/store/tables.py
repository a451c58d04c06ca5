"""Reading the canonical tables of a workbook, or of a copy of one on another backend."""

from __future__ import annotations

import ibis
import pandas as pd

from ..errors import UnknownNameError
from ..schema import SCHEMAS, TABLE_ORDER
from .frames import to_pandas

__all__ = ["CanonicalTables"]


class CanonicalTables:
    """``table(name)``, ``wb.<name>`` and ``to_pandas(name)`` over the Ibis backend ``con``."""

    con = None

    def table(self, name: str) -> ibis.Table:
        if name not in SCHEMAS:
            raise UnknownNameError(f"unknown table {name!r}; the canonical tables are: "
                                   f"{', '.join(TABLE_ORDER)}")
        return self.con.table(name)

    def __getattr__(self, name: str):
        if name in SCHEMAS:
            return self.table(name)
        raise AttributeError(name)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(SCHEMAS))

    def to_pandas(self, name: str) -> pd.DataFrame:
        """A canonical table as a DataFrame, without the bookkeeping columns."""
        return to_pandas(self.table(name).drop("_import_id"))
