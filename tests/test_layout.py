"""File names from any text: safe on every system, stable for ordinary names."""

import re

from hypothesis import given, strategies as st

from salesanalysis.layout import report_href, run_name, safe_name

DEVICES = ["CON", "PRN", "AUX", "NUL", *(f"{p}{n}" for p in ("COM", "LPT") for n in range(10))]


def _windows_safe(name: str) -> bool:
    """No dot or blank (so no trailing one either), and with any extension added the part
    before the first dot is no device name."""
    return bool(re.fullmatch(r"[A-Za-z0-9_-]+", name)) and name.upper() not in DEVICES


def test_windows_device_names_get_a_suffix():
    for device in DEVICES:
        for text in (device, device.lower(), device.title(), f" {device} ", f"{device}.",
                     f"{device}...", f"{device}.html", f"-{device}-"):
            name = safe_name(text)
            assert _windows_safe(name), (text, name)
    assert safe_name("CON") == "CON_" and safe_name("nul") == "nul_"
    assert safe_name("COM\u00b9") == "COM1_"  # superscript one, as Windows also reserves
    assert run_name("T1", "Aux", each="team") == "Aux_"
    assert report_href("rep_review", rep="R1", name="x", period="PRN").startswith(
        "../../rep_review/PRN_/")


def test_other_names_are_unchanged():
    assert safe_name("CONSOLE") == "CONSOLE" and safe_name("COM10") == "COM10"
    assert safe_name("LPT") == "LPT" and safe_name("CON-1") == "CON-1"
    assert safe_name("CON.txt") == "CON-txt"  # no dot is kept, so CON-txt.html is safe
    assert run_name("R001", "Ana López", each="rep") == "R001-Ana-Lopez"
    assert run_name("Ana López", "Ana López", each="rep") == "Ana-Lopez"  # the name is the id
    assert safe_name("2024-06") == "2024-06" and safe_name("...") == "report"


@given(st.text(max_size=30))
def test_any_text_gives_a_safe_name(text):
    name = safe_name(text)
    assert _windows_safe(name) and len(name) <= 81
