"""Batch runs through the runner on a small demo workbook: every report, failures,
timeouts, a clean namespace per run, escaping, offline HTML, safe file names."""

import json
import re

import nbformat
import pandas as pd
import pytest

import salesanalysis as sa
from salesanalysis.reports import rep_review as review
from salesanalysis.batch import run_batch
from salesanalysis.layout import safe_name
from salesanalysis.analyses.gap import explain_gap
from salesanalysis.cli import main

from builders import HOSTILE, small_demo

PERIOD = "2024-09"


@pytest.fixture(scope="module")
def small_workbook(tmp_path_factory):
    return small_demo(tmp_path_factory.mktemp("wb"))


@pytest.fixture(scope="module")
def reports(small_workbook, tmp_path_factory):
    """Every report once through the runner, HTML on; the output folder."""
    out = tmp_path_factory.mktemp("reports")
    run_batch("rep_review", workbook=small_workbook, out=out, each="rep",
              reps=["R001", "R002"], period=PERIOD, progress=False)
    for name in ("team_trends", "pipeline_health"):
        run_batch(name, workbook=small_workbook, out=out, period=PERIOD, progress=False)
    run_batch("data_quality", workbook=small_workbook, out=out, progress=False)
    run_batch("gap_analysis", workbook=small_workbook, out=out, each="rep",
              reps=["R001", "R002"], period=PERIOD, progress=False)
    return out


def _text(path):
    return path.read_text(encoding="utf-8")


def test_every_report_runs_and_is_listed_with_its_outputs(reports):
    runs = pd.read_csv(reports / "runs.csv")
    assert sorted(runs["notebook"].unique()) == ["data_quality", "gap_analysis",
                                                 "pipeline_health", "rep_review", "team_trends"]
    assert (runs["status"] == "ok").all(), runs[["name", "error"]]
    for notebook, outputs in zip(runs["notebook"], runs["outputs"]):
        kinds = {p.split(".", 1)[-1] for p in outputs.split(";")}
        beside = {"agenda.md", "action-plan.md", "action-plan.html", "meeting.xlsx"}
        assert kinds == {"ipynb", "kpis.json", "html"} | (
            beside if notebook == "rep_review" else set())
    index = _text(reports / "index.html")
    for name in runs["name"]:
        assert name in index


def test_rep_review_html_has_the_five_points_and_the_rep_s_numbers(reports, small_workbook):
    page = _text(reports / "rep_review" / PERIOD / "R002-" f"{_name('R002', small_workbook)}.html")
    for section in ("1. Activity in the closed period against plan",
                    "2. Plan for the next period", "3. Order book, deviations and forecast",
                    "4. Attainment against budget", "5. Actions", "Data as of</b> 2024-10-07"):
        assert section in page
    with sa.open_workbook(small_workbook, read_only=True) as wb:
        summary = review.attainment_summary(wb, rep="R002", period=PERIOD)
        found = sa.analyses.findings.findings(wb, rep="R002", period=PERIOD)
    revenue = summary.loc[summary["span"] == "period", "actual"].iloc[0]
    assert f"{revenue:,.0f}" in page
    assert len(found) and found["text"].iloc[0].replace("&", "&amp;") in page
    kpis = json.loads(_text(reports / "rep_review" / PERIOD / f"R002-{_name('R002', small_workbook)}.kpis.json"))
    assert kpis["revenue"] == pytest.approx(revenue)


def test_gap_analysis_shows_the_rep_s_bridge_and_the_review_links_to_it(reports,
                                                                        small_workbook):
    name = f"R002-{_name('R002', small_workbook)}.html"
    page = _text(reports / "gap_analysis" / PERIOD / name)
    with sa.open_workbook(small_workbook, read_only=True) as wb:
        gap = explain_gap(wb, metric="revenue", scope="R002", period=PERIOD, against="target")
    assert gap.headline() in page  # the default comparison: the target
    for driver in gap.bridge["driver"]:
        assert driver in page
    assert "Bridge: from the baseline to the actual" in page
    review_page = _text(reports / "rep_review" / PERIOD / name)
    assert f'href="../../gap_analysis/{PERIOD}/{name}"' in review_page


def _name(rep, path):
    with sa.open_workbook(path, read_only=True) as wb:
        return safe_name(review.rep_info(wb, rep=rep)["name"])


def test_team_and_quality_reports_show_the_kpi_functions_numbers(reports, small_workbook):
    trends = _text(reports / "team_trends" / PERIOD / "team_trends.html")
    quality = _text(reports / "data_quality" / "all" / "data_quality.html")
    with sa.open_workbook(small_workbook, read_only=True) as wb:
        ranked = sa.reports.team_trends.ranking(wb, metric="revenue", period=PERIOD)
        available = sa.reports.data_quality.kpi_availability(wb)
    assert f"{ranked['actual'].iloc[0]:,.0f}" in trends
    assert "Ranking for the closed period" in trends
    assert 'class="sa-team-summary"' in trends and "<th>Open actions</th>" in trends
    assert "KPIs the data allows" in quality and available["kpi"].iloc[-1] in quality
    health = _text(reports / "pipeline_health" / PERIOD / "pipeline_health.html")
    for section in ("Coverage", "Deals to disqualify", "Slippage", "Prospecting consistency",
                    "Referral conversion"):
        assert section in health


def test_html_hides_code_and_parameters_and_names_no_external_host(reports):
    for page in reports.glob("*/*/*.html"):
        text = _text(page)
        assert "open_workbook(" not in text and "injected-parameters" not in text
        assert "data:image/png;base64" in text or "data_quality" in page.name or \
            "team_trends" in page.name or "pipeline_health" in page.name or \
            page.name.endswith(".action-plan.html")
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text), page
        assert not re.search(r"url\(\s*['\"]?(https?:)?//|@import", text), page
        assert "http://" not in text and "https://" not in text, page


def test_hostile_names_show_as_text_and_make_safe_file_names(reports):
    folder = reports / "rep_review" / PERIOD
    (page,) = [p for p in folder.glob("R001-*.html") if p.name.count(".") == 1]
    assert re.fullmatch(r"R001-[A-Za-z0-9_-]+\.html", page.name)
    plan = page.with_name(page.stem + ".action-plan.html")
    for text in (_text(page), _text(reports / "index.html"), _text(plan)):
        assert HOSTILE not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    agenda = _text(page.with_name(page.stem + ".agenda.md"))
    assert HOSTILE not in agenda and "&lt;script>alert(1)&lt;/script>" in agenda


def test_safe_names():
    assert safe_name("../../etc/passwd") == "etc-passwd"
    assert safe_name("Zoë Ågren / Nord\\Süd") == "Zoe-Agren-Nord-Sud"
    assert safe_name("<>:|?*") == "report"
    assert len(safe_name("x" * 500)) == 80


PROBE = """
import os
from salesanalysis.present import display
assert "leaked" not in globals(), "a variable leaked from an earlier run"
assert sorted(k for k in globals() if not k.startswith("_") and k not in
              ("In", "Out", "get_ipython", "exit", "quit", "open")) == \\
    sorted(["os", "display", "rep", "workbook", "pause"]), sorted(globals())
leaked = rep
display.record(pid=os.getpid())
"""


def probe_notebook(tmp_path, body=PROBE):
    book = nbformat.v4.new_notebook()
    book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                   "language": "python"}
    params = nbformat.v4.new_code_cell('workbook = "x.duckdb"\nrep = "R001"\npause = 0')
    params.metadata["tags"] = ["parameters"]
    fail = nbformat.v4.new_code_cell(
        'import time\ntime.sleep(pause if rep == "R001" else 0)\nif rep == "R002":\n    raise ValueError("no data for " + rep)')
    book.cells = [params, nbformat.v4.new_code_cell(body), fail]
    path = tmp_path / "probe.ipynb"
    nbformat.write(book, path)
    return path


def test_no_variable_leaks_between_runs_in_a_warm_kernel(small_workbook, tmp_path):
    runs = run_batch(probe_notebook(tmp_path), workbook=small_workbook, out=tmp_path / "out",
                     each="rep", reps=["R001", "R003", "R004"], jobs=1, html=False,
                     progress=False)
    assert list(runs["status"]) == ["ok", "ok", "ok"], runs["error"].tolist()
    pids = {json.loads(k)["pid"] for k in runs["kpis"]}
    assert len(pids) == 1  # one kernel served all three runs


def test_isolate_starts_a_fresh_kernel_per_run(small_workbook, tmp_path):
    runs = run_batch(probe_notebook(tmp_path), workbook=small_workbook, out=tmp_path / "out",
                     each="rep", reps=["R001", "R003"], jobs=1, html=False, isolate=True,
                     progress=False)
    assert (runs["status"] == "ok").all()
    assert len({json.loads(k)["pid"] for k in runs["kpis"]}) == 2


def test_a_failing_run_is_reported_with_its_cell_and_the_batch_goes_on(small_workbook, tmp_path,
                                                                       capsys):
    out = tmp_path / "out"
    code = main(["run", str(probe_notebook(tmp_path)), "--workbook", str(small_workbook),
                 "--out", str(out), "--each", "rep", "--reps", "R001", "R002", "R003",
                 "--jobs", "2", "--quiet", "--html"])
    assert code == 1
    runs = pd.read_csv(out / "runs.csv").set_index("name")
    failed = runs[runs["status"] == "failed"]
    assert list(failed.index) == [n for n in runs.index if n.startswith("R002")]
    assert failed["failing_cell"].iloc[0] == 2
    assert failed["error"].iloc[0] == "ValueError: no data for R002"
    assert (runs.drop(failed.index)["status"] == "ok").all()
    assert (out / "probe" / "all" / f"{failed.index[0]}.ipynb").is_file()  # the evidence
    assert "Failed runs" in _text(out / "index.html")
    assert "no data for R002" in capsys.readouterr().err


def test_a_run_over_its_timeout_is_stopped_and_the_next_one_runs(small_workbook, tmp_path):
    runs = run_batch(probe_notebook(tmp_path), workbook=small_workbook, out=tmp_path / "out",
                     each="rep", reps=["R001", "R003"], jobs=1, html=False, timeout=8,
                     parameters={"pause": 0}, progress=False)
    assert (runs["status"] == "ok").all()
    slow = run_batch(probe_notebook(tmp_path), workbook=small_workbook, out=tmp_path / "slow",
                     each="rep", reps=["R001", "R003"], jobs=1, html=False, timeout=3,
                     parameters={"pause": 60}, progress=False)  # only R001 pauses
    assert slow["status"].tolist() == ["failed", "ok"]
    assert slow["error"].iloc[0].startswith("timed out after 3 s")
    assert slow["duration_s"].iloc[0] < 30


def test_shared_outputs_hold_no_machine_path(reports, small_workbook):
    machine = str(reports.parent.resolve())
    written = [*reports.rglob("*.ipynb"), *reports.rglob("*.html"), *reports.rglob("runs.csv")]
    assert written and not [p.name for p in written if machine in _text(p)]
    for path in reports.rglob("*.ipynb"):
        book = nbformat.read(path, as_version=4)
        injected = next(c for c in book.cells if "injected-parameters" in c.metadata.tags)
        named = re.search(r'workbook = "([^"]+)"', injected.source).group(1)
        assert (path.parent / named).resolve() == small_workbook.resolve()  # opens from there
        assert book.metadata.papermill.input_path == f"{path.parent.parent.name}.ipynb"
    quality = next(reports.rglob("data_quality.html"))
    assert "Data quality: small.duckdb" in _text(quality)


def test_report_folders_name_every_parameter_that_changes_the_content(small_workbook,
                                                                       tmp_path):
    from salesanalysis.batch.runner import plan_runs

    def folder(**parameters):
        _, label, runs = plan_runs("gap_analysis", workbook=small_workbook, out=tmp_path,
                                   each="rep", reps=["R002"], period="2024-08",
                                   parameters=parameters)
        return label, runs[0].ipynb.relative_to(tmp_path).as_posix()

    assert folder() == ("2024-08", "gap_analysis/2024-08/R002-Ben-Silva.ipynb")
    assert folder(metric="win_rate", comparison="last_year")[0] == "2024-08-last_year-win_rate"
    assert folder(metric="revenue")[0] == "2024-08"  # the default changes nothing


def test_a_failed_run_s_page_keeps_the_sections_that_worked_and_says_where_it_stopped(
        small_workbook, tmp_path):
    book = nbformat.read(probe_notebook(tmp_path), as_version=4)
    book.cells.insert(2, nbformat.v4.new_markdown_cell("## Before the failure"))
    book.cells.append(nbformat.v4.new_markdown_cell("## After the failure"))
    book.cells.append(nbformat.v4.new_code_cell('print("never shown")'))
    nbformat.write(book, tmp_path / "probe.ipynb")
    run_batch(tmp_path / "probe.ipynb", workbook=small_workbook, out=tmp_path / "out",
              each="rep", reps=["R002"], jobs=1, progress=False)
    page = _text(next((tmp_path / "out" / "probe").rglob("R002*.html")))
    assert "Before the failure" in page
    assert "The report stopped here." in page and "ValueError: no data for R002" in page
    assert "After the failure" not in page and "never shown" not in page
    assert "Traceback" not in page and "An Exception was encountered" not in page


def test_batches_into_one_folder_merge_their_runs_latest_run_of_each_report_wins(
        small_workbook, tmp_path):
    out, probe = tmp_path / "out", probe_notebook(tmp_path)
    first = run_batch(probe, workbook=small_workbook, out=out, each="rep",
                      reps=["R001", "R002", "R003"], jobs=1, progress=False)
    r002 = first.loc[first["name"].str.startswith("R002"), "name"].item()
    assert first.set_index("name").loc[r002, "status"] == "failed"
    # the notebook changes so that R001 fails; the second batch runs it again, and R004
    book = nbformat.read(probe, as_version=4)
    book.cells[-1].source = book.cells[-1].source.replace('rep == "R002"', 'rep != "R004"')
    nbformat.write(book, probe)
    second = run_batch(probe, workbook=small_workbook, out=out, each="rep",
                       reps=["R001", "R004"], jobs=1, progress=False)
    assert len(second) == 2
    runs = pd.read_csv(out / "runs.csv").set_index("name")
    assert len(runs) == 4  # R001 once, with its latest run
    r001 = runs.index[runs.index.str.startswith("R001")].item()
    assert runs.loc[r001, "status"] == "failed"
    assert runs.loc[r001, "error"] == "ValueError: no data for R001"
    assert runs.loc[r002, "error"] == "ValueError: no data for R002"  # an older failure stays
    assert runs["status"].value_counts().to_dict() == {"ok": 2, "failed": 2}
    assert "4 report(s), 2 failed." in _text(out / "index.html")
    assert runs["finished_at"].notna().all()
    # R001's page is its latest run's, which stopped
    assert "no data for R001" in _text(out / "probe" / "all" / f"{r001}.html")


def test_the_index_links_every_document_of_each_rep_s_pack(reports, small_workbook):
    index = _text(reports / "index.html")
    section = index[index.index("<h2>Rep review"):index.index("<h2>Gap analysis")]
    rows = re.findall(r"<tr><td(.*?)</tr>", section, re.S)
    assert len(rows) == 2  # R001 and R002, before the gap analyses
    with sa.open_workbook(small_workbook, read_only=True) as wb:
        team = review.rep_info(wb, rep="R002")["team"]
    r002 = next(r for r in rows if "R002" in r)
    assert f">{team}</td>" in r002
    links = dict((text, href) for href, text in re.findall(r"<a href='([^']+)'>([^<]+)</a>", r002))
    assert set(links) >= {"gap analysis", "agenda", "action plan", "meeting workbook"}
    for href in links.values():
        assert (reports / href).is_file(), href
    assert links["gap analysis"].startswith("gap_analysis/")
    assert "<th>Revenue target</th>" in section and "revenue_target" not in section
    assert "class='sortable'" in section and "<script>" in index
