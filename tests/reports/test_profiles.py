"""Every report on every data profile: each run ends ok, each section shows its content or
one line saying what it needs, and that need is something the profile really lacks; no
traceback, no NaN / None / inf text, nothing shown for a period outside the data."""

import html as htmllib
import importlib
import re

import pytest

import salesanalysis as sa
from salesanalysis.batch import run_batch
from salesanalysis.demo import NEW_HIRE, PROFILES, build_profile
from salesanalysis.store.roster import members

REPORTS = ("rep_review", "gap_analysis", "team_trends", "pipeline_health", "data_quality",
           "explorer")
PER_REP = {"rep_review", "gap_analysis"}
# what each profile lacks shows in these reports (profile -> [(report, need)])
EXPECTED_NEEDS = {
    "crm": [("rep_review", "needs table activities (no rows loaded)")],
    "activities": [("team_trends", "needs table opportunities (no rows loaded), for revenue"),
                   ("gap_analysis", "needs table opportunities (no rows loaded), for revenue"),
                   ("explorer", "Revenue needs table opportunities (no rows loaded)")],
    "spreadsheet": [("rep_review", "open orders (needs table orders (no rows loaded))"),
                    ("team_trends", "needs column reps.department (no values)")],
    "no-targets": [("rep_review", "needs table targets (no rows loaded)")],
    "snapshot": [("pipeline_health", "stuck in stage (needs stage changes in table "
                  "opportunity_history (only snapshots loaded))")],
}


# what each profile has shows too: the review's action plan on every profile
EXPECTED_CONTENT = {profile: [("rep_review", "Action plan: "), ("rep_review", "Earlier actions")]
                    for profile in PROFILES}


def _text(page: str) -> str:
    page = re.sub(r"<(style|script)\b.*?</\1>", "", page, flags=re.S)
    return htmllib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def _lacking(workbook) -> set[str]:
    """Every 'table X (no rows loaded)' and 'column t.c (no values)' true of the workbook."""
    out = set()
    for table, counts in workbook.column_counts().items():
        if counts["*"] == 0:
            out.add(f"table {table} (no rows loaded)")
        out |= {f"column {table}.{c} (no values)" for c, n in counts.items()
                if c != "*" and n == 0}
    return out


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    folder = tmp_path_factory.mktemp("profiles")
    made = {}

    def book(name):
        if name not in made:
            made[name] = folder / f"{name}.duckdb"
            build_profile(made[name], name, reps=12, weeks=40, seed=3)
        return made[name]
    return book


def _run_all(book, out, period=None):
    with sa.open_workbook(book, read_only=True) as wb:
        sellers = members(wb)
        lacking = _lacking(wb)
    rep = NEW_HIRE["rep_id"] if NEW_HIRE["rep_id"] in set(sellers["rep_id"]) else \
        sellers["rep_id"].iloc[0]
    pages = {}
    for report in REPORTS:
        extra = {"each": "rep", "reps": [rep]} if report in PER_REP else {}
        takes_period = "period" in {p.name for p in
                                    importlib.import_module(f"salesanalysis.reports.{report}")
                                    .REPORT.params}
        runs = run_batch(report, workbook=book, out=out, progress=False, jobs=1,
                         period=period if takes_period else None, **extra)
        assert (runs["status"] == "ok").all(), runs[["name", "error"]].to_string()
        page = next(o for o in runs["outputs"].iloc[0].split(";")
                    if o.endswith(".html") and "action-plan" not in o)
        pages[report] = _text((out / page).read_text(encoding="utf-8"))
    return pages, lacking


@pytest.mark.kernel
@pytest.mark.parametrize("profile", list(PROFILES))
def test_every_report_runs_on_the_profile_and_says_what_it_lacks(profile, books, tmp_path):
    pages, lacking = _run_all(books(profile), tmp_path / "out")
    for report, text in pages.items():
        where = f"{profile}/{report}"
        assert "Traceback" not in text and "Error" not in text, where
        assert not re.search(r"\b(nan|NaN|None|inf)\b|nan%", text), where
        for reason in re.findall(r"Not (?:available|judged): (.*?)\.(?: |$)", text):
            named = set(re.findall(r"(?:table \w+ \(no rows loaded\)|column \w+\.\w+ "
                                   r"\(no values\))", reason))
            assert named <= lacking, (where, reason)
        if profile == "full":
            assert "Not available" not in text, where
    for report, need in EXPECTED_NEEDS.get(profile, []) + EXPECTED_CONTENT[profile]:
        assert need in pages[report], (profile, report, need)


@pytest.mark.kernel
def test_a_period_outside_the_data_shows_unknown_not_zero(books, tmp_path):
    pages, _ = _run_all(books("full"), tmp_path / "out", period="2019-06")
    review = pages["rep_review"]
    assert "Period 2019-06" in review
    assert not re.search(r"\b(nan|NaN|None|inf)\b|nan%", review)
    assert not re.search(r"Revenue (?:€|\$)?0\b", review)  # not a revenue of 0
    assert "Nothing recorded for the whole company in 2019-06" in pages["explorer"]
