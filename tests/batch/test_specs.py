"""Parameter specs: refused before any kernel starts; every report notebook conforms."""

import ast

import nbformat
import pandas as pd
import pytest

import salesanalysis as sa
from salesanalysis.batch import kernels, run_batch
from salesanalysis.batch.specs import NOTEBOOKS, SPECS, ParameterError, check, parameters_cell
from salesanalysis.cli import main

REPORTS = sorted(NOTEBOOKS.glob("*.ipynb"))


@pytest.fixture
def no_kernels(monkeypatch):
    def refuse(self):
        raise AssertionError("a kernel was started")
    monkeypatch.setattr(kernels.WarmKernel, "start", refuse)


def test_every_report_has_a_spec_matching_its_parameters_cell():
    assert {p.stem for p in REPORTS} == set(SPECS)
    for path in REPORTS:
        cell = parameters_cell(path)
        assert {p.name: p.default for p in SPECS[path.stem]} == cell, path.stem


@pytest.mark.parametrize("path", REPORTS, ids=lambda p: p.stem)
def test_report_notebooks_are_stored_clean(path):
    book = nbformat.read(path, as_version=4)
    nbformat.validate(book)
    tagged = [c for c in book.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and tagged[0].cell_type == "code"
    for node in ast.parse(tagged[0].source).body:
        ast.literal_eval(node.value)  # literal defaults only
    for cell in book.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    assert book.metadata["kernelspec"] == {"name": "python3", "language": "python",
                                           "display_name": "Python 3 (ipykernel)"}
    assert set(book.metadata) <= {"kernelspec", "language_info"}
    assert set(book.metadata["language_info"]) == {"name"}


def test_unknown_and_mistyped_parameters_are_listed_together(no_kernels, tmp_path):
    with pytest.raises(ParameterError) as err:
        run_batch("team_trends", workbook=tmp_path / "none.duckdb", out=tmp_path,
                  parameters={"periods": "twelve", "colour": "red", "grain": "fortnight",
                              "metric": "happiness"})
    text = str(err.value)
    for part in ("unknown parameter 'colour'", "periods must be a whole number, got 'twelve'",
                 "grain must be one of week, month, quarter, year; got 'fortnight'",
                 "metric must be a KPI name", "team_trends accepts:"):
        assert part in text


def test_bad_period_and_scope_are_refused_before_any_kernel(no_kernels, tmp_path):
    with pytest.raises(ParameterError, match="period must be a label such as"):
        run_batch("rep_review", workbook=tmp_path / "none.duckdb", out=tmp_path,
                  period="November")
    with pytest.raises(ParameterError, match="data_quality has no 'rep' or 'scope' parameter"):
        run_batch("data_quality", workbook=tmp_path / "none.duckdb", out=tmp_path, each="rep")
    with pytest.raises(ParameterError, match="no notebook 'nothing'; the reports are: "
                                             "data_quality, explorer, gap_analysis, pipeline_health"):
        run_batch("nothing", workbook=tmp_path / "none.duckdb", out=tmp_path)


def test_an_unknown_team_is_refused_naming_the_teams(no_kernels, tmp_path):
    path = tmp_path / "wb.duckdb"
    with sa.open_workbook(path) as wb:
        wb.import_data({"reps": pd.DataFrame([{"rep_id": "R1", "name": "Ana", "team": "North",
                                               "role": "field"}])}, progress=False)
    with pytest.raises(ValueError, match=r"no team 'South' in the workbook \(teams: North\)"):
        run_batch("rep_review", workbook=path, out=tmp_path, each="rep", team="South")


def test_check_accepts_declared_values_and_none_where_allowed():
    assert check("rep_review", {"rep": "R9", "period": None, "comparison": "last_year"}) == {
        "rep": "R9", "period": None, "comparison": "last_year"}
    with pytest.raises(ParameterError, match="rep may not be empty"):
        check("rep_review", {"rep": None})


def test_params_command_prints_what_a_notebook_accepts(capsys):
    assert main(["params", "pipeline_health"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "pipeline_health accepts:"
    assert "weeks" in out and "int" in out and "default 26" in out


def test_cli_converts_values_by_type_and_refuses_a_wrong_one(no_kernels, tmp_path, capsys):
    code = main(["run", "team_trends", "--workbook", str(tmp_path / "none.duckdb"), "--out",
                 str(tmp_path), "-p", "periods", "6x"])
    assert code == 1
    assert "periods must be a whole number, got '6x'" in capsys.readouterr().err
