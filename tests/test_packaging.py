"""The environment files agree, and the pinned engine stack works."""

import re
import tomllib
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
# conda-forge names that differ from PyPI's
CONDA_NAMES = {"ibis-framework[duckdb]": "ibis-framework"}


def names(requirements):
    return {re.split(r"[<>=!~ ]", r, maxsplit=1)[0].strip().lower() for r in requirements}


def test_environment_yml_and_pyproject_name_the_same_packages():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = names(project["dependencies"]) | names(project["optional-dependencies"]["test"])
    wanted = {CONDA_NAMES.get(n, n) for n in wanted}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = names(d for d in env["dependencies"] if isinstance(d, str)) - {"python", "pip"}
    assert conda == wanted
    assert {"-e ."} <= set(next(d for d in env["dependencies"] if isinstance(d, dict))["pip"])


def test_required_stack_is_declared():
    deps = names(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"])
    assert {"jupyterlab", "pandas", "seaborn", "ipywidgets", "papermill", "duckdb",
            "ibis-framework[duckdb]", "sqlglot", "openpyxl", "pyyaml", "tqdm"} <= deps


def test_ibis_creates_a_duckdb_table_from_a_pandas_frame(tmp_path):
    # sqlglot >= 30.18 breaks this path in ibis 12 ("DROP VIEW IF EXISTS" with no name)
    import ibis

    con = ibis.duckdb.connect(str(tmp_path / "x.duckdb"))
    frame = pd.DataFrame({"rep_id": ["R1", "R2"], "amount": [1.5, 2.5]})
    con.create_table("t", frame)
    assert con.list_tables() == ["t"]
    assert con.table("t").amount.sum().execute() == 4.0
    con.disconnect()
