"""Query results as pandas frames that every pandas operation accepts.

An empty result comes back from Arrow with zero-chunk string columns, which
pandas cannot merge or factorize ("cannot construct ChunkedArray from empty
vector"); every result of the package is read through :func:`to_pandas`.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["to_pandas", "mergeable"]


def mergeable(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame``, with the columns of an empty frame rebuilt with the same dtypes."""
    if not isinstance(frame, pd.DataFrame) or len(frame):
        return frame
    return pd.DataFrame({c: pd.Series([], dtype=frame[c].dtype) for c in frame.columns},
                        index=frame.index[:0])


def to_pandas(expr):
    """Execute an Ibis table, column or scalar expression into pandas."""
    result = expr.to_pandas()
    if isinstance(result, pd.Series) and result.empty:
        return pd.Series([], dtype=result.dtype, name=result.name)
    return mergeable(result)
