"""Import benchmark: ~10M activities + ~1M opportunities from CSV and from Parquet.

Prints wall time and peak memory of each import into a new workbook and, in the
same run, of DuckDB's own ``read_csv`` into a table over the same files, and the
ratio. Each measurement runs in a fresh process so peak memory is its own.

    .venv/bin/python bench/ingest.py                 # full size
    .venv/bin/python bench/ingest.py --reps 100      # a quick look
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from common import PEAK_MIB, benchmark_data, run_fresh, size_options

TABLES = ("reps", "opportunities", "activities")

MEASURE = r"""
import json, sys, time
mode, folder, target = sys.argv[1:4]
started = time.perf_counter()
if mode == "duckdb":
    import duckdb
    con = duckdb.connect(target)
    rows = 0
    for name in %(tables)r:
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_csv('{folder}/{name}.csv')")
        rows += con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
    con.close()
else:
    import salesanalysis as sa
    with sa.open_workbook(target) as wb:
        report = wb.import_data(folder)
    frame = report.to_frame()
    assert (frame.accepted + frame.rejected == frame.rows_read).all()
    rows = int(frame.accepted.sum())
seconds = time.perf_counter() - started
peak = %(peak)s
print(json.dumps({"seconds": seconds, "peak_mib": peak, "rows": rows}))
""" % {"tables": TABLES, "peak": PEAK_MIB}


def prepare(folder: Path, reps: int, weeks: int) -> dict[str, int]:
    """The benchmark-size demo's tables as CSV and Parquet files (cached)."""
    from salesanalysis import demo

    def write(tables):
        chosen = {t: tables[t] for t in TABLES}
        demo.write_tables(chosen, folder / "csv", format="csv")
        demo.write_tables(chosen, folder / "parquet", format="parquet")
        return {t: len(f) for t, f in chosen.items()}

    return benchmark_data(folder, "ingest", reps, weeks, write)


def measure(mode: str, folder: Path) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        return run_fresh(MEASURE, mode, str(folder), str(Path(tmp) / "bench.duckdb"))


def main() -> None:
    args = size_options(__doc__)
    folder = Path(args.data)
    rows = prepare(folder, args.reps, args.weeks)
    print("rows: " + ", ".join(f"{t} {n:,}" for t, n in rows.items()))
    baseline = measure("duckdb", folder / "csv")
    csv = measure("import", folder / "csv")
    parquet = measure("import", folder / "parquet")
    for name, m in (("duckdb read_csv", baseline), ("import CSV", csv),
                    ("import Parquet", parquet)):
        print(f"{name:<16} {m['seconds']:8.1f} s  peak {m['peak_mib']:8.0f} MiB  "
              f"rows {m['rows']:,}")
    print(f"ratio import CSV / duckdb read_csv: {csv['seconds'] / baseline['seconds']:.2f} "
          "(goal <= 2)")


if __name__ == "__main__":
    main()
