"""Run a report notebook once per rep or team, in parallel, with papermill.

Each worker process keeps one warm kernel and empties its namespace between
runs (``isolate=True``: a fresh kernel per run). The team-wide tables every run
filters are computed once per batch before the workers start and shared through
:mod:`salesanalysis.cache`. Runs that fail or time out are recorded and the
batch carries on; the failed notebook is kept as evidence. A kernel that dies or
will not stop at the timeout, and a worker process that dies, fail only the run
they were executing and are replaced.
"""

from __future__ import annotations

import glob
import json
import multiprocessing
import multiprocessing.util
import os
import shutil
import tempfile
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import nbformat
import pandas as pd
import papermill
from tqdm.auto import tqdm

from ..store import cache
from ..reports import rep_review as review
from ..reports.spec import folder_label
from ..layout import INDEX_FILE, report_folder, run_name, safe_name
from ..errors import BatchError, KernelError
from ..store.roster import members, reps_frame
from ..store.workbook import open_workbook
from .export import headline_kpis, shareable_path, to_html, without_machine_paths
from .index import collect_runs, merge_runs, write_index
from .kernels import ENGINE, Watchdog, WarmKernel
from .specs import RUN_OUTPUTS, SHARED_WORK, ParameterError, check, notebook_path, spec_for

__all__ = ["Run", "plan_runs", "run_batch", "safe_name", "BatchError"]

EACH = ("rep", "team")



@dataclass
class Run:
    """One notebook execution: who it is for, its parameters and where it writes."""
    name: str
    title: str
    parameters: dict
    ipynb: Path
    html: Path | None
    kpis: Path
    result: dict = field(default_factory=dict)


def _members(wb, each: str, reps, team) -> list[tuple[str, str]]:
    """(id, name) of every member to run for: every seller or selling team, or the
    reps named in ``reps``; ``team`` narrows either."""
    if each == "team":
        teams = sorted(members(wb)["team"].dropna().unique())
        if team is not None:
            if team not in teams:
                raise BatchError(f"no team {team!r}; teams: {', '.join(teams)}")
            teams = [team]
        return [(t, t) for t in teams]
    if reps is None:
        people = members(wb, team=team)  # an unknown team fails naming the teams
        return list(zip(people["rep_id"], people["name"]))
    table = reps_frame(wb)
    unknown = sorted(set(reps) - set(table["rep_id"]))
    if unknown:
        raise BatchError(f"unknown rep(s): {', '.join(map(str, unknown))}")
    chosen = table[table["rep_id"].isin(reps)]
    if team is not None:
        chosen = chosen[chosen["team"] == team]
    return list(zip(chosen["rep_id"], chosen["name"]))


# parameters that pick who or when a run is about, not what its report shows
def plan_runs(notebook, *, workbook, out, each: str | None = None, reps=None, team=None,
              period=None, parameters=None, html: bool = True) -> tuple[Path, str, list[Run]]:
    """Check everything and lay out the runs, before any kernel starts.

    Returns the notebook's path, the period label and the runs.
    """
    path = notebook_path(notebook)
    spec = {p.name: p for p in spec_for(path)}
    workbook = Path(workbook).resolve()
    params = dict(parameters or {})
    params["workbook"] = str(workbook)
    if each is not None and each not in EACH:
        raise ParameterError(f"each must be 'rep' or 'team', got {each!r}")
    # the parameter each run sets: the rep (or team), or the notebook's scope
    target = each if each in spec else "scope" if each and "scope" in spec else None
    if each is not None and target is None:
        raise ParameterError(f"{path.stem} has no {each!r} or 'scope' parameter; it cannot "
                             f"run --each {each}")
    if "period" in spec:
        params["period"] = period
    elif period is not None:
        raise ParameterError(f"{path.stem} has no 'period' parameter")
    check(path, params)  # names and types, before the workbook is even opened
    with open_workbook(workbook, read_only=True) as wb:
        if "period" in spec and params["period"] is None:
            params["period"] = review.closed_period(wb)
        if team is not None and each is None:
            if "team" not in spec:
                raise ParameterError(f"{path.stem} has no 'team' parameter")
            params["team"] = team
        members = _members(wb, each, reps, team) if each else [(None, path.stem)]
    label = folder_label(params, spec.values())
    folder = report_folder(out, path.stem, label)
    runs, used = [], set()
    for member, member_name in members:
        run_params = dict(params)
        if each:
            run_params[target] = member
        title = (f"{member_name} ({member})" if each == "rep" and str(member) != str(member_name)
                 else member_name if each else team or ("all teams" if "team" in spec
                                                        else "the whole workbook"))
        name = run_name(member, member_name, each=each)
        stem, n = name, 2
        while name.lower() in used:  # names that differ only by case or symbols
            name, n = f"{stem}-{n}", n + 1
        used.add(name.lower())
        runs.append(Run(name=name, title=f"{path.stem.replace('_', ' ')}: {title}",
                        parameters=check(path, run_params), ipynb=folder / f"{name}.ipynb",
                        html=folder / f"{name}.html" if html else None,
                        kpis=folder / f"{name}.kpis.json"))
    return path, label, runs


# -- worker side ------------------------------------------------------------------------
_kernel: WarmKernel | None = None
_settings: dict = {}


def _init_worker(settings: dict) -> None:
    global _settings
    _settings = settings
    # what is written beside a report reads the tables its kernel has just cached
    cache.use(settings["env"]["SALESANALYSIS_CACHE"])
    # pool workers leave through os._exit, past atexit; finalizers still run
    multiprocessing.util.Finalize(None, _shutdown_worker_kernel, exitpriority=10)


def _new_kernel() -> WarmKernel:
    return WarmKernel(env=_settings["env"], sockets_dir=_settings["sockets"]).start()


def _kernel_for_run() -> WarmKernel:
    global _kernel
    if _settings["isolate"]:
        return _new_kernel()
    if _kernel is not None:
        try:
            _kernel.reset()
            return _kernel
        except KernelError:  # one that cannot be emptied is replaced
            _shutdown_worker_kernel()
    _kernel = _new_kernel()
    return _kernel


def _execute(notebook: str, run: Run) -> dict:
    started = time.perf_counter()
    result = {"status": "ok", "failing_cell": None, "error": None}
    failed_at = None  # the failing cell's index in the executed notebook
    run.ipynb.parent.mkdir(parents=True, exist_ok=True)
    for earlier in run.ipynb.parent.glob(f"{glob.escape(run.ipynb.stem)}.*"):
        earlier.unlink()  # an earlier run's pages must not pass for this run's
    kernel = watch = None
    try:
        kernel = _kernel_for_run()
        with Watchdog(kernel, _settings["timeout"], _settings["grace"]) as watch:
            papermill.execute_notebook(notebook, str(run.ipynb), parameters=run.parameters,
                                       engine_name=ENGINE, kernel=kernel, progress_bar=False,
                                       log_output=False,
                                       # written once at the end (and on failure), not per cell
                                       request_save_on_cell_execute=False)
    except papermill.PapermillExecutionError as exc:
        failed_at = exc.cell_index
        result.update(status="failed", error=f"{exc.ename}: {exc.evalue}".strip())
    except Exception as exc:  # a dead kernel, an unreadable notebook
        result.update(status="failed", error=f"{type(exc).__name__}: {exc}".strip())
    _kernel_outcome(kernel, watch, result)
    _write_outputs(notebook, run, result, failed_at)
    result["duration_s"] = round(time.perf_counter() - started, 3)
    result["finished_at"] = _now()
    return result


def _kernel_outcome(kernel: WarmKernel | None, watch: Watchdog | None, result: dict) -> None:
    """Name a dead or killed kernel as the run's cause, and let no run after it use that
    kernel or whatever an interrupted cell left behind in it."""
    if kernel is None:
        return
    cause = ("the kernel did not stop at the timeout and was killed"
             if watch is not None and watch.killed else kernel.death())
    if watch is not None and watch.timed_out:
        result.update(status="failed", error=f"timed out after {_settings['timeout']:g} s "
                                             f"({cause or result['error']})")
    elif cause is not None:
        result.update(status="failed", error=cause)
    if _settings["isolate"]:
        kernel.shutdown()
    elif cause is not None or (watch is not None and watch.timed_out):
        _shutdown_worker_kernel()  # the next run starts a fresh one


def _write_outputs(notebook: str, run: Run, result: dict, failed_at: int | None) -> None:
    outputs = []
    if run.ipynb.is_file():
        book = _shared(nbformat.read(run.ipynb, as_version=4), notebook, run)
        nbformat.write(book, run.ipynb)
        if failed_at is not None:
            result["failing_cell"] = _source_index(book, failed_at)
        outputs.append(run.ipynb.name)
        kpis = headline_kpis(book)
        run.kpis.write_text(json.dumps(kpis, indent=2), encoding="utf-8")
        outputs.append(run.kpis.name)
        if run.html is not None:
            index = os.path.relpath(Path(_settings["out"]) / INDEX_FILE, run.html.parent)
            run.html.write_text(to_html(book, title=run.title, index_href=index),
                                encoding="utf-8")
            outputs.append(run.html.name)
        result["kpis"] = kpis
    writers = RUN_OUTPUTS.get(Path(notebook).stem, [])
    if writers and result["status"] == "ok":
        try:
            with open_workbook(run.parameters["workbook"], read_only=True) as wb:
                for writer in writers:
                    written = writer(wb, run.parameters, run.ipynb.with_suffix(""))
                    outputs += [p.name for p in written]
        except Exception as exc:  # the report is there; what is beside it is not
            result.update(status="failed", error=f"writing beside the report: "
                                                 f"{type(exc).__name__}: {exc}")
    result["outputs"] = outputs


def _shared(book: nbformat.NotebookNode, notebook: str, run: Run) -> nbformat.NotebookNode:
    """The executed notebook without this machine's folders: the workbook named from the
    report's folder (or by its file name when it lies elsewhere), the notebook by name."""
    workbook = str(run.parameters["workbook"])
    project = Path(_settings["project"])
    return without_machine_paths(book, {
        workbook: shareable_path(workbook, seen_from=run.ipynb.parent, within=project),
        str(Path(notebook).resolve()): Path(notebook).name,
        str(run.ipynb.resolve()): run.ipynb.name, str(run.ipynb): run.ipynb.name})


def _source_index(book: nbformat.NotebookNode, index: int) -> int:
    """The failing cell's position in the notebook as written (0-based), not counting
    the cell papermill injected. ``index`` counts the executed cells, before papermill
    added its error notes."""
    cells = [c for c in book.cells
             if "papermill-error-cell-tag" not in c.metadata.get("tags", [])]
    injected = sum("injected-parameters" in c.metadata.get("tags", []) for c in cells[:index])
    return index - injected


def _shutdown_worker_kernel() -> None:
    global _kernel
    kernel, _kernel = _kernel, None
    if kernel is not None:
        kernel.shutdown()


# -- parent side ------------------------------------------------------------------------
def _prepare(path: Path, runs: list[Run], cache_dir: Path) -> None:
    """The batch's shared work: team-wide tables computed once, read by every run."""
    work = SHARED_WORK.get(path.stem)
    if work is None or not runs:
        return
    first = runs[0].parameters
    cache.use(cache_dir)
    try:
        with open_workbook(first["workbook"], read_only=True) as wb:
            work(wb, first)
    finally:
        cache.use(None)


def _worker_pool(settings: dict) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=1, initializer=_init_worker, initargs=(settings,),
                               mp_context=multiprocessing.get_context("spawn"))


def _failed(error: str) -> dict:
    return {"status": "failed", "failing_cell": None, "error": error, "outputs": [],
            "duration_s": None, "finished_at": _now()}


def _now() -> str:
    """When a run ended, as runs.csv keeps it (UTC, to the second)."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _submit(pools: list, slot: int, settings: dict, notebook: str, run: Run):
    if pools[slot] is not None:
        try:
            return pools[slot].submit(_execute, notebook, run)
        except BrokenProcessPool:  # its worker died between two runs
            pools[slot].shutdown(wait=False)
    pools[slot] = _worker_pool(settings)
    return pools[slot].submit(_execute, notebook, run)


def _run_all(notebook: str, runs: list[Run], settings: dict, jobs: int, done) -> None:
    """Execute every run, ``jobs`` at a time, calling ``done(run)`` as each ends.

    Each slot is a pool of one worker given one run at a time, so a worker that dies
    (killed, out of memory, a crash) costs only the run it was executing: its pool is
    replaced and the runs not yet started go on as before.
    """
    pending = deque(runs)
    pools: list[ProcessPoolExecutor | None] = [None] * max(1, min(jobs, len(runs) or 1))
    running: dict = {}  # future -> (slot, run)
    try:
        while pending or running:
            busy = {slot for slot, _ in running.values()}
            for slot in range(len(pools)):
                if pending and slot not in busy:
                    run = pending.popleft()
                    running[_submit(pools, slot, settings, notebook, run)] = (slot, run)
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                slot, run = running.pop(future)
                try:
                    run.result = future.result()
                except BrokenProcessPool:
                    run.result = _failed("its worker process died")
                    pools[slot].shutdown(wait=False)
                    pools[slot] = None  # a fresh worker for the next run in this slot
                except Exception as exc:  # the run could not be sent or its result read
                    run.result = _failed(f"{type(exc).__name__}: {exc}")
                done(run)
    finally:
        for pool in pools:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)


def run_batch(notebook, *, workbook, out, each: str | None = None, reps=None, team=None,
              period=None, parameters=None, jobs: int = 2, timeout: float | None = None,
              html: bool = True, isolate: bool = False, progress: bool = True,
              interrupt_grace: float = 5.0) -> pd.DataFrame:
    """Run ``notebook`` for every rep or team (``each``) of the workbook.

    Writes ``out/<notebook>/<period>/<name>.ipynb``, ``.html`` and ``.kpis.json``,
    that folder's ``runs.csv``, and ``out/runs.csv`` and ``out/index.html`` over
    every batch written to ``out``. Returns this batch's status table.
    Parameters are checked before any kernel starts. A run over ``timeout`` seconds
    is interrupted, and its kernel killed if it has not stopped ``interrupt_grace``
    seconds later; a run whose kernel or worker process dies is reported failed with
    that cause, and the batch goes on with a fresh kernel or worker.
    """
    path, label, runs = plan_runs(notebook, workbook=workbook, out=out, each=each, reps=reps,
                                  team=team, period=period, parameters=parameters, html=html)
    folder = report_folder(out, path.stem, label)
    folder.mkdir(parents=True, exist_ok=True)
    # the batch's own scratch folder, removed at the end; nothing of ``out`` is touched
    scratch = Path(tempfile.mkdtemp(prefix="salesanalysis-batch-"))
    bar = tqdm(total=len(runs), desc=path.stem, unit="run", disable=not progress)

    def done(run: Run) -> None:
        bar.update(1)
        if run.result["status"] != "ok":
            bar.write(f"{run.name}: failed: {run.result['error']}")

    try:
        cache_dir = scratch / "cache"
        _prepare(path, runs, cache_dir)
        (scratch / "kernels").mkdir()
        settings = {"isolate": isolate, "timeout": timeout, "grace": interrupt_grace,
                    "sockets": str(scratch / "kernels"),
                    # a workbook beside the output folder is named relative to the reports
                    "project": str(Path(out).resolve().parent), "out": str(Path(out).resolve()),
                    "env": {"SALESANALYSIS_CACHE": str(cache_dir)}}
        _run_all(str(path), runs, settings, jobs, done)
    finally:
        bar.close()
        shutil.rmtree(scratch, ignore_errors=True)
    table = _status_table(path.stem, label, runs, out)
    merge_runs(folder, table)
    write_index(out, collect_runs(out))
    return table


def _status_table(notebook: str, label: str, runs: list[Run], out) -> pd.DataFrame:
    rows = []
    for run in runs:
        r = run.result
        shown = {k: v for k, v in run.parameters.items() if k != "workbook"}
        rows.append({
            "notebook": notebook, "period": label, "name": run.name, "title": run.title,
            "parameters": json.dumps(shown, sort_keys=True), "status": r.get("status"),
            "failing_cell": r.get("failing_cell"), "error": r.get("error"),
            "duration_s": r.get("duration_s"), "finished_at": r.get("finished_at"),
            # relative to the output folder: the table travels with the reports
            "outputs": ";".join(os.path.relpath(run.ipynb.parent / o, out)
                                for o in r.get("outputs", [])),
            "kpis": json.dumps(r.get("kpis") or {}, sort_keys=True),
        })
    table = pd.DataFrame(rows)
    table["failing_cell"] = table["failing_cell"].astype("Int64")
    return table
