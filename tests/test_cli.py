"""The salesanalysis command: demo, import and info; failures without tracebacks."""

import pandas as pd
import pytest

import salesanalysis as sa
from salesanalysis import demo
from salesanalysis.cli import main


def test_demo_then_info(tmp_path, capsys):
    path = tmp_path / "demo.duckdb"
    assert main(["demo", "--workbook", str(path), "--reps", "12", "--weeks", "40",
                 "--quiet", "--export", str(tmp_path / "csv")]) == 0
    out = capsys.readouterr().out
    assert "win_rate_collapse" in out and "R009" in out
    assert (tmp_path / "csv" / "activities.csv").is_file()
    assert main(["info", "--workbook", str(path)]) == 0
    out = capsys.readouterr().out
    reps = len(demo.generate(reps=12, weeks=40)["reps"])
    assert f"reps {reps:>20,}".replace(" ", "") in out.replace(" ", "")
    assert "rejected 0" in out


def test_the_demo_seeds_the_action_log_of_the_review_before(tmp_path, capsys):
    from salesanalysis.analyses import actions

    path = tmp_path / "demo.duckdb"
    assert main(["demo", "--workbook", str(path), "--reps", "12", "--weeks", "40",
                 "--quiet"]) == 0
    with sa.open_workbook(path, read_only=True) as wb:
        log = actions.log(wb)
        # data date 2024-10-07: the closed month is 2024-09, the review before it 2024-08
        assert set(log["period"]) == {"2024-08"}
        assert set(pd.to_datetime(log["created_at"]).dt.date.astype(str)) == {"2024-09-03"}
        assert set(log["status"]) == {"done", "open", "dropped"}
        assert log.loc[log["status"] == "open", "reviewed_at"].isna().all()
        assert not log.duplicated(["rep_id", "text"]).any()  # one action per thing to do
        revenue = log[log["kpi"] == "revenue"].iloc[0]
        then = sa.kpi.compute(wb, "revenue", by="rep", start="2024-08-01", end="2024-08-31")
        assert revenue["kpi_before"] == then.set_index("rep").loc[revenue["rep_id"], "revenue"]
        follow = actions.follow_up(wb, rep=revenue["rep_id"], period="2024-09")
        assert revenue["action_id"] in set(follow["action_id"])
        assert follow["kpi_now"].notna().any()
    assert f"action log: {len(log)} actions agreed at the reviews of 2024-08" in \
        capsys.readouterr().out


def test_import_with_rejects_and_info_by_reason(tmp_path, capsys):
    src = tmp_path / "src"
    src.mkdir()
    pd.DataFrame({"rep_id": ["R1", "R2"], "name": ["Ana", None]}).to_csv(
        src / "reps.csv", index=False)
    path = str(tmp_path / "wb.duckdb")
    assert main(["import", str(src), "--workbook", path, "--quiet"]) == 3  # some rejected
    out = capsys.readouterr().out
    assert "rejected        1" in out
    assert "reps.csv row 3, name: name is empty but required" in out
    assert main(["info", "--workbook", path]) == 0
    assert "reps.name: missing_value x 1" in capsys.readouterr().out


def test_failures_exit_non_zero_with_one_message(tmp_path, capsys):
    assert main(["info", "--workbook", str(tmp_path / "missing.duckdb")]) == 1
    err = capsys.readouterr().err
    assert "workbook not found" in err and "Traceback" not in err
    src = tmp_path / "reps.csv"
    src.write_text("rep_id,name\nR1,\n")
    assert main(["import", str(src), "--workbook", str(tmp_path / "w.duckdb"),
                 "--strict", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "invalid data" in err and "row 2, column name" in err
    assert main(["demo", "--workbook", str(tmp_path / "d.duckdb"), "--reps", "3"]) == 1
    assert "at least 12" in capsys.readouterr().err


def test_os_and_driver_errors_end_in_one_message(tmp_path, capsys):
    a_file = tmp_path / "afile"
    a_file.write_text("x")
    folder = tmp_path / "folder"
    folder.mkdir()
    cases = [
        (["run", "rep_review", "--workbook", str(tmp_path / "w.duckdb"), "--out", str(a_file)],
         "is a file; name a folder"),
        (["demo", "--workbook", str(folder), "--quiet"], "is a folder; name the workbook file"),
        (["info", "--workbook", str(folder)], "is a folder"),
        (["import", "mssql+pyodbc://user@localhost/sales", "--workbook",
          str(tmp_path / "w.duckdb"), "--quiet"], "needs the Python package"),
        (["import", str(a_file), "--workbook", str(a_file / "w.duckdb"), "--quiet"],
         "cannot create the folder of workbook"),
    ]
    for argv, expected in cases:
        assert main(argv) == 1, argv
        err = capsys.readouterr().err
        assert expected in err, (argv, err)
        assert "Traceback" not in err


def test_an_unexpected_error_is_one_message_too(tmp_path, capsys, monkeypatch):
    from salesanalysis.store import workbook

    def broken(*args, **kwargs):
        raise RuntimeError("the disk controller is on fire")

    monkeypatch.setattr(workbook, "open_workbook", broken)
    assert main(["info", "--workbook", str(tmp_path / "w.duckdb")]) == 1
    err = capsys.readouterr().err
    assert "unexpected error: RuntimeError: the disk controller is on fire" in err
    assert "Traceback" not in err


def test_import_exit_codes_say_whether_every_row_was_kept(tmp_path, capsys):
    path = str(tmp_path / "wb.duckdb")
    good, bad = tmp_path / "reps.csv", tmp_path / "bad" / "reps.csv"
    good.write_text("rep_id,name\nR1,Ana\n")
    bad.parent.mkdir()
    bad.write_text("rep_id,name\nR1,\nR2,\n")
    assert main(["import", str(good), "--workbook", path, "--quiet"]) == 0
    assert main(["import", str(bad), "--workbook", path, "--quiet"]) == 1
    assert "every row of reps was rejected" in capsys.readouterr().err


def test_demo_profile_keeps_only_what_the_profile_names(tmp_path, capsys):
    path = tmp_path / "crm.duckdb"
    assert main(["demo", "--workbook", str(path), "--reps", "12", "--weeks", "40",
                 "--quiet", "--profile", "crm"]) == 0
    assert "(crm: reps, customers, products and deals" in capsys.readouterr().out
    with sa.open_workbook(path, read_only=True) as wb:
        counts = wb.column_counts()
    assert counts["opportunities"]["*"] == len(demo.generate(reps=12, weeks=40)["opportunities"])
    assert counts["activities"]["*"] == counts["targets"]["*"] == 0
    # the stages come from the deals' stage values, without probabilities
    assert counts["stages"]["*"] > 0 and counts["stages"]["probability"] == 0
    assert counts["opportunities"]["outcome"] > 0  # derived from the stage
    assert counts["opportunities"]["next_step"] == 0


def test_import_stores_the_currency_the_reports_write_amounts_in(tmp_path, capsys):
    from salesanalysis.cli import main

    (tmp_path / "reps.csv").write_text("rep_id,name\nR1,Ann\n")
    book = tmp_path / "wb.duckdb"
    assert main(["import", str(tmp_path / "reps.csv"), "--workbook", str(book),
                 "--currency", "usd", "--quiet"]) == 0
    with sa.open_workbook(book, read_only=True) as wb:
        assert wb.settings() == {"currency": "USD"}
    with pytest.raises(SystemExit):
        main(["import", str(tmp_path / "reps.csv"), "--workbook", str(book),
              "--currency", "dollars"])
    assert "three-letter ISO code" in capsys.readouterr().err
