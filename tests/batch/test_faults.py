"""Faults inside a batch: a run that hangs, raises, kills its kernel, ignores the
interrupt or kills its worker process fails alone, with its cause, and every other run
of the batch still succeeds; the batch's cache never touches the output folder's files."""

import json
import multiprocessing
import os
import threading
from contextlib import contextmanager

import nbformat
import pandas as pd
import pytest

from salesanalysis.batch import run_batch

from builders import small_demo

pytestmark = pytest.mark.kernel

FAULTS = """
import os, signal, time
if rep == "R001":
    os.kill(os.getppid(), signal.SIGKILL)  # the kernel's parent is the batch worker
if rep == "R002":
    time.sleep(3600)
if rep == "R003":
    raise ValueError("boom for " + rep)
if rep == "R004":
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    time.sleep(3600)
if rep == "R005":
    os._exit(3)
print("ok", rep)
"""


@contextmanager
def hang_guard(seconds):
    """Past ``seconds``, kill the batch's worker processes, again every second: a batch
    that hangs on its workers then ends and fails the test instead of hanging it."""
    fired, done = threading.Event(), threading.Event()

    def guard():
        if done.wait(seconds):
            return
        fired.set()
        while not done.is_set():
            for child in multiprocessing.active_children():
                child.kill()
            done.wait(1)

    thread = threading.Thread(target=guard, daemon=True)
    thread.start()
    try:
        yield fired
    finally:
        done.set()
        thread.join()


@pytest.fixture(scope="module")
def small_workbook(tmp_path_factory):
    return small_demo(tmp_path_factory.mktemp("wb"))


def notebook(folder, body, name):
    book = nbformat.v4.new_notebook()
    book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                   "language": "python"}
    params = nbformat.v4.new_code_cell('workbook = "x.duckdb"\nrep = "R001"')
    params.metadata["tags"] = ["parameters"]
    book.cells = [params, nbformat.v4.new_code_cell(body)]
    path = folder / f"{name}.ipynb"
    nbformat.write(book, path)
    return path


def test_each_fault_fails_only_its_run_with_its_cause(small_workbook, tmp_path):
    out = tmp_path / "out"
    with hang_guard(120) as hung:
        run_batch(notebook(tmp_path, FAULTS, "faults"), workbook=small_workbook, out=out,
                  each="rep", reps=[f"R00{i}" for i in range(1, 9)], jobs=2, timeout=3,
                  interrupt_grace=1, html=False, progress=False)
    assert not hung.is_set(), "the batch hung"
    runs = pd.read_csv(out / "faults" / "all" / "runs.csv")
    runs.index = runs["name"].str[:4]
    errors = runs["error"].to_dict()
    assert runs["status"].to_dict() == {"R001": "failed", "R002": "failed", "R003": "failed",
                                        "R004": "failed", "R005": "failed", "R006": "ok",
                                        "R007": "ok", "R008": "ok"}, errors
    assert errors["R001"] == "its worker process died"
    assert errors["R002"] == "timed out after 3 s (KeyboardInterrupt:)"
    assert errors["R003"] == "ValueError: boom for R003"
    assert runs.loc["R003", "failing_cell"] == 1
    assert errors["R004"] == ("timed out after 3 s (the kernel did not stop at the timeout "
                              "and was killed)")
    assert errors["R005"] == "the kernel died (exit code 3)"
    # each fault is noticed within seconds; the time includes starting a kernel
    assert (runs.loc[["R002", "R004", "R005"], "duration_s"] < 40).all(), runs["duration_s"]
    for rep in ("R006", "R007", "R008"):  # the runs after the faults ran to the end
        book = nbformat.read(out / "faults" / "all" / f"{runs.loc[rep, 'name']}.ipynb", 4)
        assert book.cells[-1].outputs[0]["text"] == f"ok {rep}\n"


CACHE_PROBE = """
import os
from salesanalysis.present import display
from salesanalysis.store import cache
from salesanalysis.store.roster import reps_frame
from salesanalysis.store.workbook import open_workbook
with open_workbook(workbook, read_only=True) as wb:
    reps_frame(wb)  # cached: written to the batch's cache folder
folder = cache.directory()
display.record(folder=str(folder), entries=len(os.listdir(folder)))
"""


def test_the_batch_cache_is_its_own_folder_and_leaves_out_s_files_alone(small_workbook,
                                                                         tmp_path):
    out = tmp_path / "home"
    precious = out / ".cache" / "pip" / "wheel.txt"
    precious.parent.mkdir(parents=True)
    precious.write_text("precious")
    before = sorted(p.relative_to(out) for p in (out / ".cache").rglob("*"))
    runs = run_batch(notebook(tmp_path, CACHE_PROBE, "probe"), workbook=small_workbook,
                     out=out, each="rep", reps=["R001"], jobs=1, html=False, progress=False)
    assert runs["status"].tolist() == ["ok"], runs["error"].tolist()
    assert precious.read_text() == "precious"
    assert sorted(p.relative_to(out) for p in (out / ".cache").rglob("*")) == before
    kpis = json.loads(runs["kpis"].iloc[0])
    used = kpis["folder"]
    assert kpis["entries"] >= 1  # the run did cache there
    assert not used.startswith(str(out / ".cache")) and "salesanalysis-batch-" in used
    assert not os.path.exists(used)  # removed with the batch
    assert sorted(p.name for p in out.iterdir()) == [".cache", "index.html", "probe",
                                                     "runs.csv"]
