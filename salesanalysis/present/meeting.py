"""Review-meeting documents from Jinja2 templates: the agenda, the action plan per rep and
the team summary, in Markdown and HTML, plus an Excel document to fill in the meeting.

The templates are ``templates/meeting/<document>.<md|html>.j2``; copy the folder, edit
the copies and pass it as ``templates=``. Every value a template shows is text, already
formatted. User text is escaped: for HTML as HTML; for Markdown so that it shows as
typed: no tag, entity, emphasis, link, code, heading, quote or list gets through, and a
line break becomes a space (``|cell``, for table cells, does the same). A template that
cannot be read or rendered raises :class:`TemplateError` naming its file and line.
"""

from __future__ import annotations

import re
import traceback
from pathlib import Path

import jinja2
import pandas as pd
from markupsafe import Markup, escape

from .. import layout
from ..analyses import actions, findings
from .. import kpi
from ..reports import rep_review as review
from ..kpi import units
from ..kpi.units import format_value
from ..kpi.registry import REGISTRY
from ..store.roster import members, rep_label
from ..errors import InvalidArgumentError, MissingDataError, TemplateError
from .display import Unavailable, attempt, reason

__all__ = ["TEMPLATES", "DOCUMENTS", "FORMATS", "TemplateError", "review_context",
           "team_context", "render", "show", "meeting_document", "write_pack"]

TEMPLATES = layout.TEMPLATES / "meeting"
DOCUMENTS = ("agenda", "action_plan", "team_summary")
FORMATS = ("md", "html")



# every character Markdown (CommonMark, GFM, and the $ of notebook maths) may read as syntax
# inside a line; "<" and "&" before an entity become entities, the others get a backslash
_INLINE = re.compile(r"&(?=#?\w+;)|<|_+|[\\`*\[\]~|#$]")
# what starts a quote, list, heading underline or break when it begins a line
_LINE_START = re.compile(r"^(?:([>=]|[+-](?!\d))|(\d{1,9})([.)])(?=[ \t]|$))")
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")


def _inline(match: re.Match) -> str:
    found = match.group()
    if found == "&":
        return "&amp;"
    if found == "<":
        return "&lt;"
    if found[0] == "_":
        text, start, end = match.string, match.start(), match.end()
        # inside a word (snake_case) underscores make no emphasis: keep them readable
        if 0 < start and end < len(text) and text[start - 1].isalnum() and text[end].isalnum():
            return found
        return found.replace("_", "\\_")
    return "\\" + found


def _line_start(match: re.Match) -> str:
    marker, number, dot = match.groups()
    return f"\\{marker}" if marker else f"{number}\\{dot}"


def _markdown_text(value) -> Markup:
    """User text made inert in Markdown, on one line: it shows as typed (``**x**`` with
    its stars, ``[a](b)`` as brackets, ``>=`` as ``>=``) wherever a template puts it."""
    if isinstance(value, Markup):
        return value
    text = _LINE_BREAKS.sub(" ", "" if value is None else str(value))
    # leading blanks show nowhere in Markdown, but at a line start they make a code block
    text = actions.CONTROL_CHARACTERS.sub(actions.PLACEHOLDER, text).lstrip(" \t")
    return Markup(_LINE_START.sub(_line_start, _INLINE.sub(_inline, text), count=1))


def _environment(folder: Path, format: str) -> jinja2.Environment:
    options = dict(loader=jinja2.FileSystemLoader(str(folder)),
                   undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                   keep_trailing_newline=True)
    if format == "html":
        env = jinja2.Environment(autoescape=True, **options)
        env.filters["cell"] = escape
    else:
        env = jinja2.Environment(autoescape=False, finalize=_markdown_text, **options)
        env.filters["cell"] = _markdown_text  # already on one line, pipes escaped
    return env


def render(document: str, context: dict, *, format: str = "md", templates=None) -> str:
    """``document`` (agenda, action_plan or team_summary) rendered from ``context``."""
    if document not in DOCUMENTS:
        raise InvalidArgumentError(f"document must be one of {', '.join(DOCUMENTS)}; got {document!r}")
    if format not in FORMATS:
        raise InvalidArgumentError(f"format must be one of {', '.join(FORMATS)}; got {format!r}")
    folder = Path(templates) if templates is not None else TEMPLATES
    name = f"{document}.{format}.j2"
    env = _environment(folder, format)
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"{exc.filename or folder / name}, line {exc.lineno}: "
                            f"{exc.message}") from None
    except jinja2.TemplateNotFound:
        raise TemplateError(f"no template {name} in {folder}") from None
    except Exception as exc:
        # the failing line is the template's own frame in the traceback
        frames = [f for f in traceback.extract_tb(exc.__traceback__)
                  if f.filename.endswith(".j2")]
        where = f"{frames[-1].filename}, line {frames[-1].lineno}" if frames \
            else str(folder / name)
        raise TemplateError(f"{where}: {type(exc).__name__}: {exc}") from None


def _rows(frame: pd.DataFrame, units: dict[str, str]) -> list[dict]:
    """Records with numbers formatted by unit (a column or a row's ``unit``)."""
    out = []
    for record in frame.to_dict("records"):
        row = {}
        for key, value in record.items():
            unit = units.get(key, record.get("unit", "count"))
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                row[key] = format_value(value, unit)
            elif _missing(value):
                row[key] = ""
            else:
                row[key] = str(value)
        out.append(row)
    return out


def show(document: str, context: dict, *, templates=None):
    """``document`` rendered to HTML, for display in a notebook."""
    from IPython.display import HTML

    return HTML(render(document, context, format="html", templates=templates))


def review_context(workbook, *, rep: str, period: str, rules=None, comparison="previous",
                   found=None, gap=None) -> dict:
    """What the agenda and the action plan of ``rep``'s review of ``period`` show;
    ``found`` and ``gap``: the review's findings and revenue gap when already computed
    (``findings.findings``, ``review.revenue_gap``; :class:`~.display.Unavailable` when
    the data cannot give them). A part the data cannot give is an empty list, and
    ``missing`` says, per part, what it needs."""
    missing: dict[str, str] = {}

    def part(name, make, empty=list):
        try:
            return make()
        except MissingDataError as exc:
            missing[name] = reason(exc)
            return empty()

    info = review.rep_info(workbook, rep=rep)
    title = review.who({**info, "team": None})  # name, and the id where it differs
    if found is None:
        found = part("actions", lambda: findings.findings(workbook, rep=rep, period=period,
                                                          rules=rules), lambda: None)
    if gap is None:
        gap = part("gap", lambda: review.revenue_gap(workbook, rep=rep, period=period,
                                                     comparison=comparison), lambda: None)
    for name, value in (("actions", found), ("gap", gap)):
        if isinstance(value, Unavailable):
            missing.setdefault(name, value.reason)
    found = None if "actions" in missing else found
    gap = None if "gap" in missing else gap

    def order_book():
        items = review.order_book_items(workbook, rep=rep, period=period)
        return _rows(items, {}) + [{"item": "Not available", "value": f"{what} (needs {needs})"}
                                   for what, needs in items.attrs["lacking"].items()]

    def kind(name):
        return [] if found is None else _rows(found[found["kind"] == name][["label", "text"]], {})

    return {
        "rep": {"id": rep, "name": str(info["name"]), "title": title,
                "team": "" if _missing(info["team"]) else str(info["team"])},
        "period": period, "next_period": review.next_period(period),
        "data_date": str(kpi.data_date(workbook).date()),
        "activity": part("activity", lambda: _rows(
            review.against_plan(workbook, rep=rep, period=period)
            [["label", "actual", "target", "vs_target", "unit"]], {"vs_target": "ratio"})),
        "plan": part("plan", lambda: _rows(
            review.plan_for_next(workbook, rep=rep, period=period), {})),
        "order_book": part("order_book", order_book),
        "attainment": part("attainment", lambda: _rows(
            review.attainment_summary(workbook, rep=rep, period=period),
            {"actual": "currency", "target": "currency", "gap": "currency",
             "attainment": "ratio"})),
        "gap": ({"headline": "", "sentences": []} if gap is None else
                {"headline": gap.headline(), "sentences": gap.sentences()}),
        "strengths": kind("strength"),
        "developments": kind("development"),
        "actions": [] if found is None else _rows(
            findings.proposed_actions(found).assign(owner=title), {}),
        "earlier": part("earlier", lambda: _earlier_rows(
            actions.follow_up(workbook, rep=rep, period=period, rules=rules))),
        "missing": missing,
    }


def _earlier_rows(earlier: pd.DataFrame) -> list[dict]:
    """The earlier actions, each KPI value formatted by that KPI's unit."""
    columns = ["action_id", "text", "owner", "due_at", "status", "kpi", "kpi_before",
               "kpi_now", "moved", "criterion"]
    return _rows(earlier[columns].assign(
        due_at=pd.to_datetime(earlier["due_at"]).dt.strftime("%Y-%m-%d"),
        unit=earlier["kpi"].map(_unit)), {})


def _missing(value) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


def _unit(name) -> str:
    if isinstance(name, str) and name in REGISTRY:
        return REGISTRY[name].unit
    return findings.SPECIAL.get(name, ("", "count"))[1]


def team_context(workbook, *, period: str, team: str | None = None, rules=None) -> dict:
    """What the team summary of ``period`` shows: each rep's revenue against target, the
    findings of the review and the state of the action log."""
    people = members(workbook, team=team)
    card = review.team_scorecard(workbook, period=period)
    revenue = card[card["kpi"] == "revenue"].set_index("scope_id")
    log = actions.log(workbook)
    rows = []
    for rep in people.itertuples():
        found = findings.findings(workbook, rep=rep.rep_id, period=period, rules=rules)
        own = log[log["rep_id"] == rep.rep_id]
        line = revenue.loc[rep.rep_id] if rep.rep_id in revenue.index else None
        rows.append({
            "rep": rep.rep_id, "name": rep.name, "team": rep.team,
            "revenue": format_value(line["actual"], "currency") if line is not None else "",
            "target": format_value(line["target"], "currency") if line is not None else "",
            "attainment": format_value(line["vs_target"], "ratio") if line is not None else "",
            "strengths": int((found["kind"] == "strength").sum()),
            "developments": int((found["kind"] == "development").sum()),
            "open_actions": int((own["status"] == "open").sum()),
            "done_actions": int((own["status"] == "done").sum()),
            "top_development": next(iter(found.loc[found["kind"] == "development", "text"]), ""),
        })
    return {"period": period, "team": team or "all teams",
            "data_date": str(kpi.data_date(workbook).date()), "reps": rows}


def meeting_document(workbook, path, *, rep: str, period: str, rules=None, found=None,
                     context: dict | None = None) -> Path:
    """An Excel file to take into the meeting: the agenda with room for notes, and a
    sheet ``actions`` (earlier open actions and the proposed ones, as rows of the action
    log) to amend, then read back with ``salesanalysis actions import``. ``found`` and
    ``context``: the review's findings and :func:`review_context` when already computed."""
    path = Path(path)
    if found is None:
        found = attempt(findings.findings, workbook, rep=rep, period=period, rules=rules)
    context = context or review_context(workbook, rep=rep, period=period, rules=rules,
                                        found=found)
    missing = context["missing"]
    points = [
        ("0. Actions agreed last time", "earlier", lambda a: (a["text"], a["status"])),
        ("1. Activity against plan", "activity",
         lambda a: (a["label"], f"{a['actual']} of {a['target']}")),
        ("2. Plan for " + context["next_period"], "plan", lambda p: (p["item"], p["value"])),
        ("3. Order book and forecast", "order_book", lambda o: (o["item"], o["value"])),
        ("4. Attainment against budget", "attainment", lambda a: (a["span"], a["attainment"])),
        ("5. Actions to agree", "actions", lambda a: (a["action"], a["criterion"]))]
    agenda = []
    for point, name, cells in points:
        if name in missing:
            agenda.append((point, "Not available", missing[name], ""))
        agenda += [(point, *cells(row), "") for row in context[name]]
    proposed = (actions.from_findings(workbook, found) if isinstance(found, pd.DataFrame)
                else pd.DataFrame())
    still_open = actions.log(workbook, rep=rep, status="open")
    sheet = pd.concat([still_open, proposed], ignore_index=True).drop_duplicates(
        "action_id", keep="first")
    how_to = pd.DataFrame({"how to use": [
        f"Review of {rep_label(context['rep']['name'], rep)} for {period}; data as of "
        f"{context['data_date']}.",
        "Take notes in the agenda sheet.",
        "In the actions sheet: set the status of earlier actions (open, done, dropped), "
        "delete the proposed actions not agreed, edit text, owner and due dates, add "
        "rows for other actions (a new action_id each).",
        "Then: salesanalysis actions import THIS_FILE --workbook WORKBOOK"]})
    # text cells stay text, and the file appears only once complete
    return actions.write_xlsx(path, {
        "agenda": pd.DataFrame(agenda, columns=["point", "item", "value", "notes"]),
        actions.SHEET: sheet, "read me": how_to})


def write_pack(workbook, *, rep: str, period: str, stem, rules=None, comparison="previous",
               templates=None) -> list[Path]:
    """Write ``<stem>.agenda.md``, ``<stem>.action-plan.md``, ``<stem>.action-plan.html``
    and ``<stem>.meeting.xlsx`` for ``rep``'s review of ``period``; returns the paths."""
    with units.currency(workbook.settings().get("currency")):
        return _write_pack(workbook, rep=rep, period=period, stem=Path(stem), rules=rules,
                           comparison=comparison, templates=templates)


def _write_pack(workbook, *, rep, period, stem: Path, rules, comparison, templates):
    found = attempt(findings.findings, workbook, rep=rep, period=period, rules=rules)
    context = review_context(workbook, rep=rep, period=period, rules=rules,
                             comparison=comparison, found=found)
    written = []
    for document, fmt, suffix in (("agenda", "md", ".agenda.md"),
                                  ("action_plan", "md", ".action-plan.md"),
                                  ("action_plan", "html", ".action-plan.html")):
        path = stem.with_name(stem.name + suffix)
        path.write_text(render(document, context, format=fmt, templates=templates),
                        encoding="utf-8")
        written.append(path)
    written.append(meeting_document(workbook, stem.with_name(stem.name + ".meeting.xlsx"),
                                    rep=rep, period=period, found=found, context=context))
    return written
