"""Executed notebooks to self-contained HTML, in the calling process.

Code is hidden, the parameters cells are removed, figures are embedded and the
page loads nothing from the network (``templates/html/report``).
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

from .. import layout
from ..present.display import KPIS_MIME

__all__ = ["TEMPLATES", "html_exporter", "to_html", "headline_kpis", "shareable_path",
           "without_machine_paths"]

TEMPLATES = layout.TEMPLATES / "html"
_HIDDEN_TAGS = ("parameters", "injected-parameters")
_exporter: HTMLExporter | None = None
_STYLE = re.compile(r"<style[^>]*>.*?</style>", re.S)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_PAPERMILL_ERROR_TAG = "papermill-error-cell-tag"
_WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def html_exporter() -> HTMLExporter:
    """One exporter per process: building it (templates, CSS) costs more than a page."""
    global _exporter
    if _exporter is None:
        _exporter = HTMLExporter(template_name="report",
                                 extra_template_basedirs=[str(TEMPLATES)],
                                 exclude_input=True, exclude_input_prompt=True,
                                 exclude_output_prompt=True)
    return _exporter


def _presentable(book: nbformat.NotebookNode) -> nbformat.NotebookNode:
    book = nbformat.from_dict(book)  # a copy: the .ipynb keeps everything
    book.cells = [c for c in book.cells
                  if not set(c.metadata.get("tags", [])) & {*_HIDDEN_TAGS, _PAPERMILL_ERROR_TAG}]
    for at, cell in enumerate(book.cells):
        if cell.cell_type != "code":
            continue
        failed = any(o.output_type == "error" for o in cell.outputs)
        cell.outputs = [_stopped_here(o) if o.output_type == "error" else _static(o)
                        for o in cell.outputs
                        if KPIS_MIME not in o.get("data", {})
                        and not (o.output_type == "stream" and o.name == "stderr")]
        if failed:
            del book.cells[at + 1:]  # headings of sections that never ran say nothing
            break
    return book


def _static(output: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """An output without its live widget view: a page has no kernel to draw it, so the
    static rendering the widget carries beside it (its HTML) is what the page shows."""
    data = output.get("data", {})
    if _WIDGET_MIME in data and "text/html" in data:
        del data[_WIDGET_MIME]
    return output


def _stopped_here(error: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A failed cell's traceback as the reader's note: what stopped the report, and that
    what is above it is complete and what is below it was not produced."""
    cause = _ANSI.sub("", f"{error.get('ename', 'Error')}: {error.get('evalue', '')}").strip()
    return nbformat.v4.new_output("display_data", data={"text/html": (
        "<div class='sa-stopped' role='alert'><strong>The report stopped here.</strong> "
        "Everything above is complete; what follows was not produced.<br>"
        f"Cause: <code>{html.escape(cause)}</code></div>")})


_HEADING = re.compile(r'<h2 id="([^"]+)">(.*?)(?:<a class="anchor-link".*?</a>)?</h2>', re.S)
_HEADER_END = re.compile(r'(<div class="sa-header">.*?</div>)', re.S)


def _navigation(body: str, index_href: str | None) -> str:
    """A link back to the batch's index and the page's contents (its sections), under
    the report's heading; the heading and the sections stay where they are."""
    sections = [(anchor, re.sub(r"<[^>]+>", "", text).strip())
                for anchor, text in _HEADING.findall(body)]
    parts = []
    if index_href:
        parts.append(f'<p class="sa-back"><a href="{html.escape(index_href, quote=True)}">'
                     "&larr; All reports</a></p>")
    if len(sections) > 1:
        items = "".join(f'<li><a href="#{html.escape(a, quote=True)}">{html.escape(t)}</a></li>'
                        for a, t in sections)
        parts.append(f'<nav class="sa-contents" aria-label="Contents"><b>Contents</b>'
                     f"<ul>{items}</ul></nav>")
    if not parts:
        return body
    found = _HEADER_END.search(body)
    at = found.end() if found else body.find("<main>") + len("<main>")
    return body[:at] + "".join(parts) + body[at:]


def to_html(book: nbformat.NotebookNode, *, title: str, index_href: str | None = None) -> str:
    """The report page of an executed notebook; ``index_href``: the batch's index page,
    linked from the top of the page."""
    book = _presentable(book)
    book.metadata["title"] = title
    body, _ = html_exporter().from_notebook_node(book)
    body = _navigation(body, index_href)
    # the bundled CSS cites its sources' web pages in comments; the page names no host
    return _STYLE.sub(lambda m: _CSS_COMMENT.sub("", m.group(0)), body)


def headline_kpis(book: nbformat.NotebookNode) -> dict:
    """The numbers the notebook handed over with ``display.record``, last call wins."""
    found = {}
    for cell in book.cells:
        for output in cell.get("outputs", []):
            found.update(output.get("data", {}).get(KPIS_MIME, {}))
    return found


def shareable_path(path, *, seen_from: Path, within: Path) -> str:
    """``path`` as a shared notebook may name it: relative to ``seen_from`` (so it opens
    from the notebook's folder) when it lies inside ``within``, else its file name."""
    path, within = Path(path).resolve(), Path(within).resolve()
    if path.is_relative_to(within):
        return os.path.relpath(path, Path(seen_from).resolve())
    return path.name


def without_machine_paths(book: nbformat.NotebookNode, replacements: dict[str, str]
                          ) -> nbformat.NotebookNode:
    """``book`` with each absolute path of ``replacements`` replaced, in the injected
    parameters and in papermill's record of the run."""
    def scrub(text):
        for old, new in replacements.items():
            text = text.replace(repr(old)[1:-1], new).replace(old, new)
        return text

    for cell in book.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.source = scrub(cell.source)
    record = book.metadata.get("papermill", {})
    for key in ("input_path", "output_path"):
        if isinstance(record.get(key), str):
            record[key] = scrub(record[key])
    for key, value in record.get("parameters", {}).items():
        if isinstance(value, str):
            record["parameters"][key] = scrub(value)
    return book
