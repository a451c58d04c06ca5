"""The KPI layer gives the same numbers on PostgreSQL as on DuckDB: every KPI built from
measures, the scorecard, the pipeline KPIs and the gap analysis, on a small demo
workbook copied to a PostgreSQL database."""

import pandas as pd
import pytest

import salesanalysis as sa
from salesanalysis import kpi
from salesanalysis.analyses.gap import explain_gap
from salesanalysis.errors import InvalidArgumentError

from backends import on_backend
from builders import small_demo

PERIOD = "2024-09"  # the small demo's data runs to 2024-10-07


@pytest.fixture(scope="module")
def both(tmp_path_factory, request):
    wb = sa.open_workbook(small_demo(tmp_path_factory.mktemp("demo")), read_only=True)
    yield wb, on_backend(wb, "postgres", request)
    wb.close()


def _same(duck: pd.DataFrame, other: pd.DataFrame) -> None:
    assert list(duck.columns) == list(other.columns)
    order = list(duck.columns)
    duck = duck.sort_values(order).reset_index(drop=True)
    other = other.sort_values(order).reset_index(drop=True)
    pd.testing.assert_frame_equal(duck, other, check_dtype=False, rtol=1e-9)


def test_every_kpi_built_from_measures_is_the_same(both):
    duck, pg = both
    compared = 0
    for name in kpi.kpis()["name"]:
        kwargs = dict(by="rep", period="month", start="2024-06-01", end="2024-09-30")
        try:
            expected = kpi.compute(duck, [name], **kwargs)
        except InvalidArgumentError:  # a KPI with a function of its own: below
            continue
        _same(expected, kpi.compute(pg, [name], **kwargs))
        compared += 1
    assert compared > 40


CALLS = {
    "scorecard": lambda w: kpi.scorecard(w, scope="rep", period=PERIOD),
    "open_pipeline": lambda w: kpi.open_pipeline(w, by="team", period="month",
                                                 start="2024-06-01", end="2024-09-30"),
    "coverage": lambda w: kpi.coverage(w, by="rep"),
    "stalled_deals": lambda w: kpi.stalled_deals(w),
    "slipped_deals": lambda w: kpi.slipped_deals(w, start="2024-06-01", end="2024-09-30"),
    "prospecting_consistency": lambda w: kpi.prospecting_consistency(w, by="rep"),
    "stage_conversion": lambda w: kpi.stage_conversion(w, by="team"),
    "pipeline_waterfall": lambda w: kpi.pipeline_waterfall(w, start="2024-08-01",
                                                           end="2024-09-30"),
    "attainment": lambda w: kpi.attainment(w, by="rep", period="month", start="2024-06-01",
                                           end="2024-09-30"),
    "growth": lambda w: kpi.growth(w, by="team", period="month", start="2024-06-01",
                                   end="2024-09-30", against="previous"),
    "gap against target": lambda w: explain_gap(w, scope="R009", period=PERIOD,
                                                against="target").bridge,
    "gap segments": lambda w: explain_gap(w, scope=None, period=PERIOD).segments.drop(
        columns="where"),
    "win-rate gap matrix": lambda w: explain_gap(
        w, metric="win_rate", period="2024-Q3", against="previous").matrix.reset_index(),
}


@pytest.mark.parametrize("what", list(CALLS))
def test_the_same_on_postgres(both, what):
    duck, pg = both
    expected = CALLS[what](duck)
    assert len(expected), f"{what} gives nothing on the demo: the comparison would be empty"
    _same(expected, CALLS[what](pg))
