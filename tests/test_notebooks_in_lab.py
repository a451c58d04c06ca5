"""The notebooks open in JupyterLab as they are: their kernel starts in notebooks/, and
the default workbook is found above it or named by $SALESANALYSIS_WORKBOOK."""

import nbformat
import papermill
import pytest

import salesanalysis as sa
from salesanalysis.layout import DEFAULT_WORKBOOK, NOTEBOOKS, WORKBOOK_VARIABLE

from builders import small_demo


def test_the_default_workbook_is_found_from_a_folder_below_the_project(tmp_path,
                                                                      monkeypatch):
    (tmp_path / "data").mkdir()
    sa.open_workbook(tmp_path / DEFAULT_WORKBOOK).close()
    (tmp_path / "notebooks" / "deeper").mkdir(parents=True)
    monkeypatch.delenv(WORKBOOK_VARIABLE, raising=False)
    monkeypatch.chdir(tmp_path / "notebooks" / "deeper")
    with sa.open_workbook(DEFAULT_WORKBOOK, read_only=True) as wb:
        assert wb.path == str(tmp_path / DEFAULT_WORKBOOK)


def test_the_environment_names_the_default_workbook(tmp_path, monkeypatch):
    elsewhere = tmp_path / "sales.duckdb"
    sa.open_workbook(elsewhere).close()
    monkeypatch.setenv(WORKBOOK_VARIABLE, str(elsewhere))
    monkeypatch.chdir(tmp_path)
    with sa.open_workbook(DEFAULT_WORKBOOK, read_only=True) as wb:
        assert wb.path == str(elsewhere)


def test_a_relative_workbook_in_the_environment_is_found_from_notebooks(tmp_path,
                                                                       monkeypatch):
    (tmp_path / "data").mkdir()
    sa.open_workbook(tmp_path / "data" / "sales.duckdb").close()
    (tmp_path / "notebooks").mkdir()
    monkeypatch.setenv(WORKBOOK_VARIABLE, "data/sales.duckdb")
    monkeypatch.chdir(tmp_path / "notebooks")
    with sa.open_workbook(DEFAULT_WORKBOOK, read_only=True) as wb:
        assert wb.path == str(tmp_path / "data" / "sales.duckdb")


def test_a_workbook_found_nowhere_says_where_it_was_looked_for(tmp_path, monkeypatch):
    monkeypatch.delenv(WORKBOOK_VARIABLE, raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(sa.WorkbookError, match=rf"looked for from {tmp_path}.*"
                                               rf"{WORKBOOK_VARIABLE}"):
        sa.open_workbook("data/none.duckdb", read_only=True)


@pytest.fixture(scope="module")
def lab_workbook(tmp_path_factory):
    return small_demo(tmp_path_factory.mktemp("lab"))


@pytest.mark.kernel
@pytest.mark.parametrize("notebook", sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")))
def test_every_notebook_runs_as_jupyterlab_starts_it(notebook, lab_workbook, tmp_path,
                                                     monkeypatch):
    monkeypatch.setenv(WORKBOOK_VARIABLE, str(lab_workbook))
    out = tmp_path / f"{notebook}.ipynb"
    papermill.execute_notebook(str(NOTEBOOKS / f"{notebook}.ipynb"), str(out),
                               cwd=str(NOTEBOOKS), progress_bar=False,
                               parameters={"period": "2024-09"} if notebook != "data_quality"
                               else {})
    book = nbformat.read(out, as_version=4)
    errors = [o for c in book.cells for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
