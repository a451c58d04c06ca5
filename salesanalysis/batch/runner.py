"""Run a report notebook once per rep or team, in parallel, with papermill.

Each worker process keeps one warm kernel and empties its namespace between
runs (``isolate=True``: a fresh kernel per run). The team-wide tables every run
filters are computed once per batch before the workers start and shared through
:mod:`salesanalysis.cache`. Runs that fail or time out are recorded and the
batch carries on; the failed notebook is kept as evidence.
"""

from __future__ import annotations

import json
import multiprocessing
import multiprocessing.util
import shutil
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pandas as pd
import papermill
from tqdm.auto import tqdm

from ..store import cache
from ..reports import rep_review as review
from ..layout import report_folder, run_name, safe_name
from ..errors import BatchError
from ..store.roster import members, reps_frame
from ..store.workbook import open_workbook
from .export import headline_kpis, to_html
from .index import RUNS_FILE, collect_runs, write_index
from .kernels import ENGINE, WarmKernel
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
    label = params.get("period") or "all"
    folder = report_folder(out, path.stem, label)
    runs, used = [], set()
    for member, member_name in members:
        run_params = dict(params)
        if each:
            run_params[target] = member
        title = f"{member_name} ({member})" if each == "rep" else member_name
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


def _kernel_for_run() -> WarmKernel:
    global _kernel
    if _settings["isolate"]:
        return WarmKernel(env=_settings["env"]).start()
    if _kernel is None:
        _kernel = WarmKernel(env=_settings["env"]).start()
    else:
        _kernel.reset()
    return _kernel


def _execute(notebook: str, run: Run) -> dict:
    started = time.perf_counter()
    result = {"status": "ok", "failing_cell": None, "error": None}
    failed_at = None  # the failing cell's index in the executed notebook
    run.ipynb.parent.mkdir(parents=True, exist_ok=True)
    timed_out = threading.Event()
    kernel = None
    try:
        kernel = _kernel_for_run()
        timer = None
        if _settings["timeout"]:
            def expire():
                timed_out.set()
                kernel.interrupt_then_kill()
            timer = threading.Timer(_settings["timeout"], expire)
            timer.daemon = True
            timer.start()
        try:
            papermill.execute_notebook(notebook, str(run.ipynb), parameters=run.parameters,
                                       engine_name=ENGINE, kernel=kernel, progress_bar=False,
                                       log_output=False,
                                       # written once at the end (and on failure), not per cell
                                       request_save_on_cell_execute=False)
        finally:
            if timer is not None:
                timer.cancel()
    except papermill.PapermillExecutionError as exc:
        failed_at = exc.cell_index
        result.update(status="failed", error=f"{exc.ename}: {exc.evalue}".strip())
    except Exception as exc:  # a dead kernel, a timeout, an unreadable notebook
        result.update(status="failed", error=f"{type(exc).__name__}: {exc}".strip())
    if timed_out.is_set():
        result["error"] = f"timed out after {_settings['timeout']:g} s ({result['error']})"
        result["status"] = "failed"
        if kernel is not None and not _settings["isolate"]:
            kernel.restart()  # whatever the interrupted cell left behind goes with it
    if kernel is not None and _settings["isolate"]:
        kernel.shutdown()
    outputs = []
    if run.ipynb.is_file():
        book = nbformat.read(run.ipynb, as_version=4)
        if failed_at is not None:
            result["failing_cell"] = _source_index(book, failed_at)
        outputs.append(run.ipynb.name)
        kpis = headline_kpis(book)
        run.kpis.write_text(json.dumps(kpis, indent=2), encoding="utf-8")
        outputs.append(run.kpis.name)
        if run.html is not None:
            run.html.write_text(to_html(book, title=run.title), encoding="utf-8")
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
    result["duration_s"] = round(time.perf_counter() - started, 3)
    return result


def _source_index(book: nbformat.NotebookNode, index: int) -> int:
    """The failing cell's position in the notebook as written (0-based), not counting
    the cell papermill injected."""
    injected = sum("injected-parameters" in c.metadata.get("tags", [])
                   for c in book.cells[:index])
    return index - injected


def _shutdown_worker_kernel() -> None:
    global _kernel
    if _kernel is not None:
        _kernel.shutdown()
        _kernel = None


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


def run_batch(notebook, *, workbook, out, each: str | None = None, reps=None, team=None,
              period=None, parameters=None, jobs: int = 2, timeout: float | None = None,
              html: bool = True, isolate: bool = False, progress: bool = True
              ) -> pd.DataFrame:
    """Run ``notebook`` for every rep or team (``each``) of the workbook.

    Writes ``out/<notebook>/<period>/<name>.ipynb``, ``.html`` and ``.kpis.json``,
    that folder's ``runs.csv``, and ``out/runs.csv`` and ``out/index.html`` over
    every batch written to ``out``. Returns this batch's status table.
    Parameters are checked before any kernel starts.
    """
    path, label, runs = plan_runs(notebook, workbook=workbook, out=out, each=each, reps=reps,
                                  team=team, period=period, parameters=parameters, html=html)
    folder = report_folder(out, path.stem, label)
    folder.mkdir(parents=True, exist_ok=True)
    cache_dir = Path(out) / ".cache"
    _prepare(path, runs, cache_dir)
    settings = {"isolate": isolate, "timeout": timeout,
                "env": {"SALESANALYSIS_CACHE": str(cache_dir.resolve())}}
    bar = tqdm(total=len(runs), desc=path.stem, unit="run", disable=not progress)
    try:
        with ProcessPoolExecutor(max_workers=max(1, min(jobs, len(runs) or 1)),
                                 initializer=_init_worker, initargs=(settings,),
                                 mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = {pool.submit(_execute, str(path), run): run for run in runs}
            for future in as_completed(futures):
                run = futures[future]
                try:
                    run.result = future.result()
                except Exception as exc:  # the worker process itself died
                    run.result = {"status": "failed", "failing_cell": None,
                                  "error": f"{type(exc).__name__}: {exc}", "outputs": [],
                                  "duration_s": None}
                bar.update(1)
                if run.result["status"] != "ok":
                    bar.write(f"{run.name}: failed: {run.result['error']}")
    finally:
        bar.close()
        shutil.rmtree(cache_dir, ignore_errors=True)
    table = _status_table(path.stem, label, runs)
    table.to_csv(folder / RUNS_FILE, index=False)
    write_index(out, collect_runs(out))
    return table


def _status_table(notebook: str, label: str, runs: list[Run]) -> pd.DataFrame:
    rows = []
    for run in runs:
        r = run.result
        shown = {k: v for k, v in run.parameters.items() if k != "workbook"}
        rows.append({
            "notebook": notebook, "period": label, "name": run.name, "title": run.title,
            "parameters": json.dumps(shown, sort_keys=True), "status": r.get("status"),
            "failing_cell": r.get("failing_cell"), "error": r.get("error"),
            "duration_s": r.get("duration_s"),
            "outputs": ";".join(str((run.ipynb.parent / o)) for o in r.get("outputs", [])),
            "kpis": json.dumps(r.get("kpis") or {}, sort_keys=True),
        })
    table = pd.DataFrame(rows)
    table["failing_cell"] = table["failing_cell"].astype("Int64")
    return table
