"""The batch index on a hand-written runs table: headings that say what each batch is,
numbers in their own unit, unknown shown as unknown."""

import json
import re

import pandas as pd

from salesanalysis.batch.index import write_index


def _run(notebook, period, parameters, kpis, title, name):
    return {"notebook": notebook, "period": period, "name": name, "title": title,
            "parameters": json.dumps(parameters), "status": "ok", "failing_cell": None,
            "error": None, "duration_s": 1.0, "finished_at": "2025-12-01T00:00:00+00:00",
            "outputs": f"{notebook}/{period}/{name}.html", "kpis": json.dumps(kpis)}


def test_headings_name_period_and_settings_and_numbers_keep_their_unit(tmp_path):
    runs = pd.DataFrame([
        _run("gap_analysis", "2025-Q2-win_rate", {"period": "2025-Q2", "metric": "win_rate"},
             {"actual": 0.271, "baseline": 0.333, "gap": -0.062, "segments": 2.0,
              "units": {"actual": "ratio", "baseline": "ratio", "gap": "ratio"}},
             "gap analysis: Iris (R009)", "R009-Iris"),
        _run("team_trends", "2025-11-complaints", {"period": "2025-11", "metric": "complaints"},
             {"metric_total": 17.0, "reps": 24.0, "on_target": None,
              "units": {"metric_total": "count"}}, "team trends: all teams", "team_trends"),
        _run("data_quality", "all", {}, {"rejected": 0.0}, "data quality: the whole workbook",
             "data_quality")])
    page = write_index(tmp_path, runs).read_text(encoding="utf-8")
    headings = re.findall(r"<h2>(.*?)</h2>", page)
    assert headings == ["Gap analysis, 2025-Q2, win rate", "Team trends, 2025-11, complaints",
                        "Data quality, all"]
    gap = page[page.index(headings[0]):page.index(headings[1])]
    assert [c for c in re.findall(r"<td class='n '[^>]*>([^<]*)</td>", gap)] == [
        "27.1%", "33.3%", "-6.2%", "2"]
    trends = page[page.index(headings[1]):page.index(headings[2])]
    cells = re.findall(r"<td class='n '[^>]*>([^<]*)</td>", trends)
    assert cells == ["17", "24", ""]  # nobody has a complaints target: unknown, not 0
    assert ">all teams</a>" in trends and "units" not in page
