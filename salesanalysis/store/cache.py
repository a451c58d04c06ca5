"""A batch cache for the team-wide tables that every rep's report filters.

Off by default, so interactive work always reads the workbook afresh. A batch run
turns it on (``SALESANALYSIS_CACHE=DIR`` in each kernel's environment, or
:func:`use`): the first call of a cached function for a workbook file and its
arguments computes and stores the result under DIR, later calls in any process
read it back. Entries are keyed by the workbook file's path, size and
modification time, so a changed workbook is never served stale results.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import os
import pickle
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

__all__ = ["cached", "use", "directory", "for_one_pass"]

_ENV = "SALESANALYSIS_CACHE"
_memory: dict[str, pd.DataFrame] = {}
_directory: Path | None = None


def use(directory: str | Path | None) -> None:
    """Cache in ``directory`` (created if needed) from now on; None turns caching off."""
    global _directory
    _directory = Path(directory) if directory is not None else None
    if _directory is not None:
        _directory.mkdir(parents=True, exist_ok=True)
    _memory.clear()


@contextmanager
def for_one_pass():
    """Cache in a temporary folder inside the block (one pass over every rep of an
    unchanging workbook), then as before."""
    before = _directory
    with tempfile.TemporaryDirectory(prefix="salesanalysis-cache-") as folder:
        use(folder)
        try:
            yield
        finally:
            use(before)


def directory() -> Path | None:
    """The cache folder in use: set by :func:`use`, else ``$SALESANALYSIS_CACHE``."""
    if _directory is not None:
        return _directory
    env = os.environ.get(_ENV)
    return Path(env) if env else None


def _key(workbook, func, kwargs) -> str | None:
    path = Path(str(workbook.path))
    if not path.is_file():
        return None  # an in-memory workbook has no identity to key on
    stat = path.stat()
    text = repr((str(path.resolve()), stat.st_size, stat.st_mtime_ns, func.__module__,
                 func.__qualname__, sorted(kwargs.items())))
    return f"{func.__name__}-{hashlib.sha256(text.encode()).hexdigest()[:24]}"


def cached(func):
    """Cache ``func(workbook, **kwargs)`` (a DataFrame, or any picklable result) while a
    cache folder is set."""

    @functools.wraps(func)
    def wrapper(workbook, **kwargs):
        folder = directory()
        key = _key(workbook, func, kwargs) if folder is not None else None
        if key is None:
            return func(workbook, **kwargs)
        if key not in _memory:
            path = folder / f"{key}.pkl"
            if path.is_file():
                _memory[key] = pd.read_pickle(path)
            else:
                _memory[key] = func(workbook, **kwargs)
                folder.mkdir(parents=True, exist_ok=True)
                partial = path.with_name(f"{path.name}.{os.getpid()}")
                with open(partial, "wb") as fh:
                    pickle.dump(_memory[key], fh, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(partial, path)  # atomic: readers never see half a file
        value = _memory[key]
        return value.copy() if isinstance(value, pd.DataFrame) else copy.deepcopy(value)

    return wrapper
