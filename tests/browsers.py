"""Debian's Chromium driven by Playwright for the browser tests (no browser download).

Without Playwright or Chromium a browser test skips, unless $SALESANALYSIS_REQUIRE_BROWSER
is set (CI), where it fails. Screenshots go to ``test-output/screenshots`` (or
$SALESANALYSIS_SCREENSHOTS) for a person to look at.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("SALESANALYSIS_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--no-first-run"]
SCREENSHOTS = Path(os.environ.get("SALESANALYSIS_SCREENSHOTS", "test-output/screenshots"))


def unavailable(why: str):
    if os.environ.get("SALESANALYSIS_REQUIRE_BROWSER"):
        pytest.fail(why)
    pytest.skip(why)


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium for the tests of one module."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed (pip install -e '.[test]')")
    if not Path(CHROMIUM).is_file():
        unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
