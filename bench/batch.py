"""Batch benchmark: rep_review for 100 reps of the benchmark-size workbook, 2 jobs, HTML.

Times, each from a fresh start (imports included):
  (a) the runner: `salesanalysis run rep_review --each rep --jobs 2 --html`;
  (b) the naive way: papermill with a fresh kernel per rep, then
      `jupyter nbconvert --to html` per notebook, two reps at a time;
  (c) the floor: one Python process computing every rep's tables, figures (PNG) and
      meeting pack (agenda, action plan, Excel document) with the same functions,
      without notebooks.

    .venv/bin/python bench/batch.py               # 100 reps of the 1,000-rep workbook
    .venv/bin/python bench/batch.py --runs 10     # a quick look
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from common import size_options
from kpi import prepare as prepare_workbook

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
NOTEBOOK = ROOT / "notebooks" / "rep_review.ipynb"
PERIOD = "2025-11"

# every table and figure of rep_review, per rep, in one process
FLOOR = r"""
import io, sys, tempfile
from pathlib import Path
workbook, period, reps = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
import matplotlib
matplotlib.use("agg")
import matplotlib.pyplot as plt
import salesanalysis as sa
from salesanalysis.analyses import actions, findings
from salesanalysis.present import display as show, meeting, plots
from salesanalysis.reports import rep_review as review
from salesanalysis.store import cache
cache.use(tempfile.mkdtemp())  # the team-wide tables once, as a batch does
out = Path(tempfile.mkdtemp())
plots.set_theme()
wb = sa.open_workbook(workbook, read_only=True)
findings.prepare(wb, period=period)
size = 0
for rep in reps:
    why = review.revenue_gap(wb, rep=rep, period=period)
    context = meeting.review_context(wb, rep=rep, period=period, gap=why)
    tables = [review.against_plan(wb, rep=rep, period=period),
              review.activity_against_plan(wb, rep=rep, period=period),
              review.headline(wb, rep=rep, period=period),
              review.plan_for_next(wb, rep=rep, period=period),
              review.pipeline_due(wb, rep=rep, period=review.next_period(period)),
              review.order_book_review(wb, rep=rep, period=period),
              review.slipped(wb, rep=rep, period=period),
              review.deals_to_disqualify(wb, rep=rep, period=period),
              review.attainment_summary(wb, rep=rep, period=period),
              actions.follow_up(wb, rep=rep, period=period), why.bridge]
    found = findings.findings(wb, rep=rep, period=period)
    tables += [found, findings.proposed_actions(found)]
    size += sum(len(show.table(t).to_html()) for t in tables)
    size += len(why._repr_html_()) + len(meeting.render("action_plan", context, format="html"))
    for draw in (lambda: plots.against_target(tables[0], label="label", actual="vs_target",
                                              target=1.0, unit="ratio", title="share"),
                 lambda: plots.trend(review.attainment_trend(wb, rep=rep, period=period),
                                     y="actual", target="target", unit="currency",
                                     title="revenue"),
                 lambda: plots.gap_bridge(why)):
        ax = draw()
        buffer = io.BytesIO()
        ax.figure.savefig(buffer, format="png")
        size += buffer.tell()
        plt.close(ax.figure)
    # the agenda, action plan and meeting document written beside each review
    meeting.write_pack(wb, rep=rep, period=period, stem=out / rep)
print(size)
"""


def timed(step) -> float:
    started = time.perf_counter()
    step()
    return time.perf_counter() - started


def runner(workbook: Path, reps: list[str], out: Path) -> None:
    subprocess.run([str(BIN / "salesanalysis"), "run", "rep_review", "--workbook",
                    str(workbook), "--out", str(out), "--each", "rep", "--reps", *reps,
                    "--period", PERIOD, "--jobs", "2", "--html", "--quiet"], check=True)


def naive(workbook: Path, reps: list[str], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)

    def one(rep: str) -> None:
        target = out / f"{rep}.ipynb"
        subprocess.run([str(BIN / "papermill"), str(NOTEBOOK), str(target), "-p", "workbook",
                        str(workbook), "-p", "rep", rep, "-p", "period", PERIOD,
                        "--no-progress-bar"], check=True, capture_output=True)
        subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input",
                        str(target)], check=True, capture_output=True)

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(one, reps))


def floor(workbook: Path, reps: list[str]) -> None:
    subprocess.run([sys.executable, "-c", FLOOR, str(workbook), PERIOD, ",".join(reps)],
                   check=True, capture_output=True)


def main() -> None:
    import argparse

    extra = argparse.ArgumentParser(add_help=False)
    extra.add_argument("--runs", type=int, default=100)
    known, rest = extra.parse_known_args()
    sys.argv = [sys.argv[0], *rest]
    options = size_options(__doc__)
    folder = Path(options.data)
    prepare_workbook(folder, options.reps, options.weeks)
    workbook = folder / "kpi.duckdb"
    import salesanalysis as sa
    from salesanalysis.store.roster import members

    with sa.open_workbook(workbook, read_only=True) as wb:
        sellers = members(wb)["rep_id"].tolist()[: known.runs]
    print(f"rep_review for {len(sellers)} reps of {workbook} ({PERIOD}), 2 jobs, HTML")
    scratch = Path(tempfile.mkdtemp(prefix="salesanalysis-batch-"))
    try:
        times = {
            "(a) runner": timed(lambda: runner(workbook, sellers, scratch / "a")),
            "(b) naive: papermill + nbconvert": timed(lambda: naive(workbook, sellers,
                                                                    scratch / "b")),
            "(c) floor: one process, no notebooks": timed(lambda: floor(workbook, sellers)),
        }
        pages = len([p for p in (scratch / "a").glob("rep_review/*/*.html")
                     if p.name.count(".") == 1])  # not the action plans beside them
        naive_pages = len(list((scratch / "b").glob("*.html")))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    for name, seconds in times.items():
        print(f"{name:<40} {seconds:8.1f} s  {seconds / len(sellers):6.2f} s/rep")
    a, b, c = times.values()
    print(f"HTML pages: runner {pages}, naive {naive_pages}")
    print(f"(b) / (a) = {b / a:.2f} (goal >= 2.5)   (a) / (c) = {a / c:.2f} (goal <= 1.5)")


if __name__ == "__main__":
    main()
