"""The explorer in a real JupyterLab, in a real browser: JupyterLab serves the notebook
and a demo workbook from a temporary folder on 127.0.0.1; Chromium (through Playwright)
opens it, waits for the kernel, runs every cell through JupyterLab's own command,
changes a filter and reads the new value off a tile. The screenshot is kept in
``test-output/screenshots`` (or $SALESANALYSIS_SCREENSHOTS).

Without Playwright or Chromium the test skips, unless $SALESANALYSIS_REQUIRE_BROWSER is
set (CI), where it fails.
"""

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

import salesanalysis as sa
from salesanalysis import kpi
from salesanalysis.kpi.units import format_value
from salesanalysis.layout import NOTEBOOKS, WORKBOOK_VARIABLE

from browsers import screenshot
from builders import small_demo

PERIOD = "2024-09"  # the last full month of the small demo

pytestmark = pytest.mark.kernel


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """(url of the explorer notebook, the workbook), JupyterLab running until the end."""
    root = tmp_path_factory.mktemp("lab")
    shutil.copy(NOTEBOOKS / "explorer.ipynb", root / "explorer.ipynb")
    book = small_demo(root)
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, WORKBOOK_VARIABLE: str(book), "JUPYTER_CONFIG_DIR": str(root / ".jupyter"),
           "JUPYTER_RUNTIME_DIR": str(root / ".runtime")}
    log = open(root / "lab.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--ServerApp.port={port}",
         "--ServerApp.ip=127.0.0.1", "--ServerApp.port_retries=0",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
         "--LabApp.expose_app_in_browser=True", "--ServerApp.allow_root=True",
         "--LabApp.news_url=", "--LabApp.check_for_updates_class="
         "jupyterlab.handlers.announcements.NeverCheckForUpdate"],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.time() > deadline:
                    pytest.fail("JupyterLab did not start:\n" + (root / "lab.log").read_text())
                time.sleep(0.5)
        yield f"{base}/lab/tree/explorer.ipynb?token={token}", book
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


_KERNEL_READY = """() => {
  const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const kernel = panel && panel.sessionContext && panel.sessionContext.session
    && panel.sessionContext.session.kernel;
  return !!kernel && kernel.connectionStatus === 'connected' && kernel.status === 'idle';
}"""


def _revenue(book, **where) -> str:
    with sa.open_workbook(book, read_only=True) as wb:
        value = kpi.compute(wb, "revenue", by=None, start="2024-09-01", end="2024-09-30",
                            where=where or None)["revenue"].iloc[0]
    return format_value(value, "currency")


def test_the_explorer_runs_in_jupyterlab_and_a_filter_updates_its_tiles(lab, browser):
    url, book = lab
    page = browser.new_page(viewport={"width": 1400, "height": 1800})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_function(_KERNEL_READY, timeout=120_000)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    value = page.locator(".sa-explorer .sa-tile .sa-value").first
    value.wait_for(timeout=120_000)
    assert value.inner_text() == _revenue(book)
    department = page.locator(".sa-explorer .widget-dropdown", has_text="Department")
    assert department.locator("select").evaluate(
        "s => s.options[s.selectedIndex].text.replace(/\\s/g, ' ')") == "All departments"
    segment = page.locator(".sa-explorer .widget-dropdown", has_text="Segment").locator("select")
    segment.select_option(label="SMB")
    expected = _revenue(book, segment="SMB")
    page.wait_for_function(
        "(expected) => { const v = document.querySelector('.sa-explorer .sa-tile .sa-value');"
        " return v && v.textContent.trim() === expected; }", arg=expected, timeout=60_000)
    # the table is drawn before the tiles: its rows are the segment's by now
    with sa.open_workbook(book, read_only=True) as wb:
        field = kpi.compute(wb, "revenue", by="department", start="2024-09-01",
                            end="2024-09-30", where={"segment": "SMB"})
    first = format_value(field["revenue"].max(), "currency")
    assert page.locator(".sa-explorer .widget-gridbox", has_text=first).count() == 1
    status = page.locator(".sa-explorer .sa-status").first.inner_text()
    assert "Data as of 2024-10-07" in status
    tracebacks = page.locator(".jp-OutputArea-output", has_text="Traceback").count()
    screenshot(page, "explorer-in-jupyterlab")
    assert tracebacks == 0 and not errors, errors
    page.close()
