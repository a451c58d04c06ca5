"""The batch cache: off by default, shared through its folder, never stale."""

import os

import pandas as pd

import salesanalysis as sa
from salesanalysis.store import cache


def test_cached_results_are_shared_and_follow_the_workbook_file(tmp_path, reps):
    calls = []

    @cache.cached
    def table(workbook, *, n):
        calls.append(n)
        return pd.DataFrame({"n": [n]})

    path = tmp_path / "wb.duckdb"
    with sa.open_workbook(path) as wb:
        wb.import_data({"reps": reps}, progress=False)
    wb = sa.open_workbook(path, read_only=True)
    table(wb, n=1)
    table(wb, n=1)
    assert calls == [1, 1]  # off by default
    cache.use(tmp_path / "cache")
    try:
        table(wb, n=1)
        first = table(wb, n=1)
        first["n"] = 99  # a copy: the cached frame is untouched
        assert table(wb, n=1)["n"].tolist() == [1] and calls == [1, 1, 1]
        cache.use(tmp_path / "cache")  # another process: memory empty, folder kept
        table(wb, n=1)
        table(wb, n=2)
        assert calls == [1, 1, 1, 2]
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # the file changed
        table(wb, n=1)
        assert calls == [1, 1, 1, 2, 1]
    finally:
        cache.use(None)
        wb.close()
