"""KPI explorer benchmark: first load and 20 filter, scope and KPI changes of the widgets.

On the benchmark-size workbook of bench/kpi.py (~1,000 reps, ~10M activities, shared as
``kpi.duckdb`` under --data), in a fresh process with its own peak memory: the time to
build ``Explorer(workbook)``, then each ``explorer.select(...)`` (debounce 0, so it
computes and draws tiles, chart and table at once), every one a selection not seen
before; then one earlier selection again (served from the explorer's cache).

    .venv/bin/python bench/explorer.py                 # full size (builds the workbook once)
    .venv/bin/python bench/explorer.py --reps 100      # a quick look
"""

from __future__ import annotations

import statistics
from pathlib import Path

from common import PEAK_MIB, run_fresh, size_options
from kpi import prepare

GOAL = 1.0  # seconds, median of a change

MEASURE = r"""
import json, sys, tempfile, time
import matplotlib
matplotlib.use("agg")
import salesanalysis as sa  # imports are not timed
from salesanalysis.present.explorer import Explorer

wb = sa.open_workbook(sys.argv[1], read_only=True)
started = time.perf_counter()
explorer = Explorer(wb, debounce=0, export_dir=tempfile.mkdtemp())
load = time.perf_counter() - started
first = explorer.view.message

def values(control, n):  # the first n choices of a dropdown, "any"/"all" left out
    found = [v for _, v in control.options if v][:n]
    return found + found[:1] * (n - len(found))  # too few: repeats show as cache hits

f = explorer.filters
seg, ter = values(f["segment"], 2), values(f["territory"], 2)
prod, src = values(f["product"], 2), values(f["source"], 2)
team, dept = values(explorer.team, 3), values(explorer.department, 1)
CHANGES = [  # each one on top of the ones before it
    dict(segment=seg[0]), dict(segment=seg[1]), dict(segment=None, territory=ter[0]),
    dict(territory=ter[1]), dict(territory=None, product=prod[0]), dict(product=prod[1]),
    dict(product=None, source=src[0]), dict(source=src[1]),
    dict(source=None, team=team[0]), dict(team=team[1]), dict(kpi="win_rate"),
    dict(kpi="done"), dict(kpi="unique_prospects"), dict(team=None),
    dict(segment=seg[0]), dict(kpi="done"), dict(segment=None, territory=ter[0]),
    dict(kpi="unique_prospects", territory=None, team=team[2]),
    dict(kpi="win_rate", team=None, source=src[0]),
    dict(kpi="revenue", source=None, department=dept[0])]
AGAIN = dict(department=None, segment=seg[0])  # back to the first change's selection

def change(values):
    started = time.perf_counter()
    explorer.select(**values)
    seconds = time.perf_counter() - started
    return {"what": ", ".join(f"{k}={v}" for k, v in values.items()), "seconds": seconds,
            "message": explorer.view.message, "cached": "from the cache" in explorer.status.value,
            "selection": repr(explorer.selection)}

steps = [change(c) for c in CHANGES]
again = change(AGAIN)
peak = %(peak)s
print(json.dumps({"load": load, "first_message": first, "steps": steps, "again": again,
                  "same_as_first": again["selection"] == steps[0]["selection"],
                  "distinct": len({s["selection"] for s in steps}), "peak_mib": peak}))
""" % {"peak": PEAK_MIB}


def main() -> None:
    args = size_options(__doc__)
    folder = Path(args.data)
    rows = prepare(folder, args.reps, args.weeks)
    print("rows: " + ", ".join(f"{t} {n:,}" for t, n in rows.items()))
    m = run_fresh(MEASURE, str(folder / "kpi.duckdb"))
    print(f"first load (Explorer(workbook)): {m['load']:.2f} s"
          + (f"  message: {m['first_message']}" if m["first_message"] else ""))
    for i, step in enumerate(m["steps"], 1):
        print(f"{i:>2}. {step['what']:<56} {step['seconds']:6.2f} s"
              + ("  (from the cache!)" if step["cached"] else ""))
        if step["message"]:
            print(f"    message: {step['message']}")
    times = [s["seconds"] for s in m["steps"]]
    median = statistics.median(times)
    p90 = statistics.quantiles(times, n=10, method="inclusive")[8]
    print(f"{len(times)} changes ({m['distinct']} distinct selections): median {median:.2f} s, "
          f"90th percentile {p90:.2f} s, max {max(times):.2f} s   "
          f"goal: median <= {GOAL:g} s: {'met' if median <= GOAL else 'NOT met'}")
    again = m["again"]
    print(f"re-selecting change 1 ({again['what']}): {again['seconds']:.3f} s, "
          f"from the cache: {again['cached']}, same selection: {m['same_as_first']}"
          + (f"  message: {again['message']}" if again["message"] else ""))
    print(f"peak memory: {m['peak_mib']:.0f} MiB")


if __name__ == "__main__":
    main()
