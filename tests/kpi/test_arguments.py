"""Every public KPI function checks its arguments the same way, before any query runs,
with one message form; argument errors are also ValueError."""

import inspect

import pytest

from salesanalysis import kpi
from salesanalysis.errors import InvalidArgumentError, UnknownNameError

FUNCTIONS = {name: getattr(kpi, name) for name in kpi.__all__
             if inspect.isfunction(getattr(kpi, name))
             and "workbook" in inspect.signature(getattr(kpi, name)).parameters}


def _accepts(function, *names):
    return all(n in inspect.signature(function).parameters for n in names)


def _call(function, **arguments):
    parameters = inspect.signature(function).parameters
    if "names" in parameters:
        arguments["names"] = "revenue"
    if "metric" in parameters and parameters["metric"].default is inspect.Parameter.empty:
        arguments["metric"] = "revenue"
    if "labels" in parameters:
        arguments["labels"] = ["2025-03"]
    for required in ("start", "end"):
        if required in parameters and parameters[required].default is inspect.Parameter.empty:
            arguments.setdefault(required, "2025-03-01" if required == "start" else "2025-03-31")
    return function(None, **arguments)  # checks run before the workbook is touched


@pytest.mark.parametrize("name", sorted(n for n, f in FUNCTIONS.items() if _accepts(f, "by")))
def test_a_bad_by_names_the_parameter_the_function_and_the_choices(name):
    with pytest.raises(InvalidArgumentError) as caught:
        _call(FUNCTIONS[name], by="tem")
    assert isinstance(caught.value, ValueError)
    text = str(caught.value)
    assert text.startswith("The 'by' parameter of ") and "must be one of rep, team" in text
    assert text.endswith("got 'tem'")


@pytest.mark.parametrize("name", sorted(n for n, f in FUNCTIONS.items()
                                        if _accepts(f, "period") and n != "scorecard"))
def test_a_bad_period_is_refused(name):
    with pytest.raises(InvalidArgumentError, match=r"The 'period' parameter of \w+ must be "
                                                   r"one of week, month, quarter, year"):
        _call(FUNCTIONS[name], period="fortnight")


@pytest.mark.parametrize("name", sorted(n for n, f in FUNCTIONS.items()
                                        if _accepts(f, "start", "end")))
def test_an_end_before_the_start_is_refused(name):
    with pytest.raises(InvalidArgumentError, match=r"The 'end' parameter of \w+ must be on "
                                                   r"or after start \(2025-03-31\); got "):
        _call(FUNCTIONS[name], start="2025-03-31", end="2025-03-01")


def test_the_checks_cover_most_kpi_functions():
    with_by = [n for n, f in FUNCTIONS.items() if _accepts(f, "by")]
    assert len(with_by) >= 70 and "win_rate" in with_by and "growth" in with_by


def test_an_unknown_kpi_is_an_unknown_name_listing_the_kpis():
    with pytest.raises(UnknownNameError, match="unknown KPI 'revenu'; the KPIs are: .*revenue"):
        kpi.get("revenu")
