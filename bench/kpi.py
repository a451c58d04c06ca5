"""KPI benchmark on the benchmark-size demo (~1,000 reps, ~10M activities, ~1M deals).

Times, each in a fresh process with its own peak memory:
  (a) the scorecard of every rep for one month;
  (b) weekly activity KPIs of every rep over two years (salesanalysis.kpi);
  (c) the same as (b) in idiomatic pandas, reading the activities from Parquet;
  (d) the same as (b) as one hand-written DuckDB SQL query on the same workbook.
and checks that (b), (c) and (d) give the same numbers.

    .venv/bin/python bench/kpi.py                 # full size (builds the workbook once)
    .venv/bin/python bench/kpi.py --reps 100      # a quick look
"""

from __future__ import annotations

import time
from pathlib import Path

from common import PEAK_MIB, benchmark_data, run_fresh, size_options

# (b): done activities, touches, unique and new prospects, touches per prospect, calls,
# connected calls, meetings and visits per rep and ISO week, zero rows included
WEEKLY = ["done", "touches", "unique_prospects", "new_prospects", "touches_per_prospect",
          "calls", "connected_calls", "meetings", "visits"]
START, END, MONTH = "2024-01-01", "2025-12-28", "2025-11"

SQL = """
WITH first_touch AS (
    SELECT customer_id, min(occurred_at) AS first_at
    FROM activities WHERE status = 'done' AND customer_id IS NOT NULL GROUP BY customer_id
), weekly AS (
    SELECT a.rep_id AS rep, CAST(date_trunc('week', a.occurred_at) AS TIMESTAMP) AS period_start,
           count(*) FILTER (WHERE a.status = 'done') AS done,
           count(*) FILTER (WHERE a.status = 'done' AND a.customer_id IS NOT NULL) AS touches,
           count(DISTINCT a.customer_id) FILTER (WHERE a.status = 'done') AS unique_prospects,
           count(DISTINCT a.customer_id) FILTER (WHERE a.status = 'done'
                                                 AND a.occurred_at = f.first_at) AS new_prospects,
           count(*) FILTER (WHERE a.status = 'done' AND a.activity_type = 'call') AS calls,
           count(*) FILTER (WHERE a.status = 'done' AND a.activity_type = 'call'
                            AND lower(a.outcome) IN ('connected', 'answered',
                                'conversation', 'reached')) AS connected_calls,
           count(*) FILTER (WHERE a.status = 'done' AND a.activity_type = 'meeting') AS meetings,
           count(*) FILTER (WHERE a.status = 'done' AND a.activity_type = 'visit') AS visits
    FROM activities a LEFT JOIN first_touch f USING (customer_id)
    WHERE a.occurred_at >= TIMESTAMP '{start}' AND a.occurred_at < TIMESTAMP '{end}' + INTERVAL 1 DAY
    GROUP BY ALL
), grid AS (
    SELECT r.rep_id AS rep, CAST(w AS TIMESTAMP) AS period_start
    FROM reps r, generate_series(date_trunc('week', DATE '{start}'),
                                 date_trunc('week', DATE '{end}'), INTERVAL 7 DAY) t(w)
    WHERE r.role IS NOT NULL
)
SELECT g.rep, strftime(g.period_start, '%G-W%V') AS period, g.period_start,
       {zeros}, coalesce(w.touches, 0) / nullif(coalesce(w.unique_prospects, 0), 0)
       AS touches_per_prospect
FROM grid g LEFT JOIN weekly w USING (rep, period_start) ORDER BY 1, 3
""".format(start=START, end=END, zeros=", ".join(
    f"coalesce(w.{c}, 0) AS {c}" for c in WEEKLY if c != "touches_per_prospect"))

MEASURE = r"""
import json, sys, time
mode, workbook, parquet = sys.argv[1:4]
START, END, MONTH, WEEKLY, SQL = %(constants)r
import pandas as pd  # imports are not timed
if mode != "pandas":
    import salesanalysis as sa
    from salesanalysis import kpi
started = time.perf_counter()
if mode == "pandas":
    acts = pd.read_parquet(parquet, columns=["rep_id", "activity_type", "occurred_at", "status",
                                             "customer_id", "outcome"])
    reps = pd.read_parquet(parquet.replace("activities", "reps"))
    done = acts[acts["status"] == "done"]
    first = done.dropna(subset=["customer_id"]).groupby("customer_id")["occurred_at"].min()
    end = pd.Timestamp(END) + pd.Timedelta(days=1)
    done = done[(done["occurred_at"] >= START) & (done["occurred_at"] < end)]
    done = done.assign(
        week=done["occurred_at"].dt.to_period("W-SUN").dt.start_time,
        is_new=done["occurred_at"].eq(done["customer_id"].map(first)),
        touch=done["customer_id"].notna(),
        call=done["activity_type"].eq("call"),
        connected=done["activity_type"].eq("call") & done["outcome"].str.lower()
        .isin(["connected", "answered", "conversation", "reached"]),
        meeting=done["activity_type"].eq("meeting"), visit=done["activity_type"].eq("visit"))
    done["new_customer"] = done["customer_id"].where(done["is_new"])
    frame = done.groupby(["rep_id", "week"]).agg(
        done=("status", "size"), touches=("touch", "sum"),
        unique_prospects=("customer_id", "nunique"), new_prospects=("new_customer", "nunique"),
        calls=("call", "sum"), connected_calls=("connected", "sum"),
        meetings=("meeting", "sum"), visits=("visit", "sum"))
    sellers = reps.loc[reps["role"].notna(), "rep_id"]
    weeks = pd.date_range(pd.Timestamp(START).to_period("W-SUN").start_time,
                          pd.Timestamp(END).to_period("W-SUN").start_time, freq="7D")
    grid = pd.MultiIndex.from_product([sellers, weeks], names=["rep_id", "week"])
    frame = frame.reindex(grid, fill_value=0).reset_index()
    frame["touches_per_prospect"] = frame["touches"] / frame["unique_prospects"].where(
        frame["unique_prospects"] > 0)
else:
    wb = sa.open_workbook(workbook, read_only=True)
    if mode == "scorecard":
        frame = kpi.scorecard(wb, scope="rep", period=MONTH)
    elif mode == "weekly":
        frame = kpi.compute(wb, WEEKLY, by="rep", period="week", start=START, end=END)
    else:
        frame = wb._raw.execute(SQL).df()
seconds = time.perf_counter() - started
peak = %(peak)s
check = {c: float(frame[c].sum()) for c in WEEKLY} if mode != "scorecard" else {}
print(json.dumps({"seconds": seconds, "peak_mib": peak, "rows": len(frame), "check": check}))
""" % {"constants": (START, END, MONTH, WEEKLY, SQL), "peak": PEAK_MIB}


def prepare(folder: Path, reps: int, weeks: int) -> dict[str, int]:
    """The benchmark-size demo imported into a workbook, with the activities and reps
    also as Parquet (cached)."""
    import salesanalysis as sa
    from salesanalysis import demo

    def write(tables):
        demo.write_tables({t: tables[t] for t in ("activities", "reps")}, folder / "parquet",
                          format="parquet")
        path = folder / "kpi.duckdb"
        path.unlink(missing_ok=True)
        started = time.perf_counter()
        with sa.open_workbook(path) as wb:
            wb.import_data(tables, as_of=demo.export_date(weeks=weeks))
            rows = {t: n for t, n in wb.row_counts().items() if n}
        print(f"imported in {time.perf_counter() - started:.1f} s", flush=True)
        return rows

    return benchmark_data(folder, "kpi", reps, weeks, write)


def measure(mode: str, folder: Path) -> dict:
    return run_fresh(MEASURE, mode, str(folder / "kpi.duckdb"),
                     str(folder / "parquet" / "activities.parquet"))


def main() -> None:
    args = size_options(__doc__)
    folder = Path(args.data)
    rows = prepare(folder, args.reps, args.weeks)
    print("rows: " + ", ".join(f"{t} {n:,}" for t, n in rows.items()))
    runs = {name: measure(mode, folder) for name, mode in (
        ("(a) scorecard, every rep, one month", "scorecard"),
        ("(b) weekly activity KPIs, salesanalysis", "weekly"),
        ("(c) the same in pandas from Parquet", "pandas"),
        ("(d) the same as hand-written DuckDB SQL", "sql"))}
    for name, m in runs.items():
        print(f"{name:<42} {m['seconds']:7.2f} s  peak {m['peak_mib']:7.0f} MiB  "
              f"rows {m['rows']:,}")
    a, b, c, d = runs.values()
    print(f"results of (b), (c) and (d) agree: {b['check'] == c['check'] == d['check']} "
          f"({b['rows']:,} rows each: {b['rows'] == c['rows'] == d['rows']})")
    print(f"(c) / (b) = {c['seconds'] / b['seconds']:.2f} (goal >= 3)   "
          f"(b) / (d) = {b['seconds'] / d['seconds']:.2f} (goal <= 1.3)   "
          f"(a) = {a['seconds']:.1f} s (goal < 10)")


if __name__ == "__main__":
    main()
