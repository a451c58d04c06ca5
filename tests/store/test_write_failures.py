"""A workbook that cannot be written (a full disk, a lost file) refuses the import with
one message and keeps what it held."""

import duckdb
import pandas as pd
import pytest

import salesanalysis as sa
from salesanalysis.store import importer


def test_a_failed_write_leaves_the_workbook_as_it_was(tmp_path, monkeypatch):
    path = tmp_path / "w.duckdb"
    with sa.open_workbook(path) as wb:
        wb.import_data({"reps": pd.DataFrame({"rep_id": ["R1"], "name": ["Ana"]})})

    def full_disk(*args, **kwargs):
        raise duckdb.IOException('Could not write file "w.duckdb.wal": No space left on device')

    monkeypatch.setattr(importer, "_log", full_disk)
    with sa.open_workbook(path) as wb:
        with pytest.raises(sa.WorkbookError, match="could not be written .*No space left on "
                                                   "device.*the workbook is unchanged"):
            wb.import_data({"reps": pd.DataFrame({"rep_id": ["R2"], "name": ["Ben"]})})
    monkeypatch.undo()
    with sa.open_workbook(path, read_only=True) as wb:
        assert wb.to_pandas("reps")["rep_id"].tolist() == ["R1"]
        assert len(wb.imports()) == 1


def test_a_locked_workbook_names_the_process_that_has_it(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "w.duckdb"
    sa.open_workbook(path).close()
    with sa.open_workbook(path, read_only=True):
        opened = subprocess.run(
            [sys.executable, "-c", "import salesanalysis as sa, sys\n"
             "try:\n    sa.open_workbook(sys.argv[1])\n"
             "except sa.WorkbookError as exc:\n    print(exc)", str(path)],
            capture_output=True, text=True, timeout=120)
    assert "another process (PID" in opened.stdout
    assert "close the others and try again" in opened.stdout
