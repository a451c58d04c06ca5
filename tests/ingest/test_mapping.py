import pandas as pd
import pytest

import salesanalysis as sa

from salesanalysis.errors import MappingError
from salesanalysis.ingest.mapping import load_mapping, normalize_name


def test_header_names_match_loosely():
    assert normalize_name(" Rep ID ") == normalize_name("rep-id") == "rep_id"


def test_identity_mapping_resolves_canonical_headers_and_lists_unused_ones():
    found, unused = load_mapping().for_table("reps").resolve_columns(
        ["Rep ID", "NAME", "Favourite colour"])
    assert found == {"rep_id": "Rep ID", "name": "NAME"}
    assert unused == ["Favourite colour"]


def test_explicit_columns_win_and_name_the_source():
    m = load_mapping({"tables": {"reps": {"source": "Users", "columns": {"User": "rep_id"}}}})
    assert m.table_for_source("users") == "reps"
    assert m.for_table("reps").resolve_columns(["User", "name"])[0] == {
        "rep_id": "User", "name": "name"}


@pytest.mark.parametrize("data,message", [
    ({"tables": {"deals": {}}}, "tables.deals: unknown table"),
    ({"tables": {"reps": {"columns": {"X": "nope"}}}}, "'X' maps to 'nope'"),
    ({"tables": {"reps": {"columns": {"A": "name", "B": "name"}}}}, "several source columns"),
    ({"options": {"decimal": ";"}}, "options.decimal must be"),
    ({"tables": {"reps": {"values": {"colour": {}}}}}, "'colour' is not a column of reps"),
    ({"colums": {}}, "unknown top-level key"),
])
def test_malformed_mappings_say_where(data, message):
    with pytest.raises(MappingError, match=message):
        load_mapping(data)


def test_mapping_file_errors_name_the_file(tmp_path):
    bad = tmp_path / "m.yaml"
    bad.write_text("tables:\n  reps: [unclosed\n")
    with pytest.raises(MappingError, match=str(bad)):
        load_mapping(bad)
    with pytest.raises(MappingError, match="not found"):
        load_mapping(tmp_path / "missing.yaml")


def test_every_mapping_problem_is_listed_with_its_line(tmp_path):
    path = tmp_path / "map.yaml"
    path.write_text("tables:\n"                          # 1
                    "  opportunities:\n"                 # 2
                    "    columns:\n"                     # 3
                    "      Stage: stage\n"               # 4
                    "      Amount: amount\n"             # 5
                    "      Stage: outcome\n"             # 6
                    "      Deal Name: titel\n"           # 7
                    "      deal-name: next_step\n"       # 8
                    "    extras: 1\n"                    # 9
                    "  deals: {}\n"                      # 10
                    "options:\n"                         # 11
                    "  decimals: ','\n")                 # 12
    with pytest.raises(sa.MappingError) as caught:
        load_mapping(path)
    message = str(caught.value)
    assert "6 problem(s)" in message
    for expected in ["line 6: 'Stage' is given twice (first on line 4)",
                     "line 7: tables.opportunities.columns: 'Deal Name' maps to 'titel'",
                     "line 8: tables.opportunities.columns: 'deal-name' and 'Deal Name' name "
                     "the same source column",
                     "line 9: tables.opportunities: unknown key 'extras'",
                     "line 10: tables.deals: unknown table",
                     "line 12: unknown option 'decimals'"]:
        assert expected in message


def test_one_source_column_feeds_several_canonical_columns(workbook, reps, tmp_path):
    mapping = tmp_path / "map.yaml"
    mapping.write_text("tables:\n  opportunities:\n    columns:\n"
                       "      Created: [created_at, offer_sent_at]\n      Owner: rep_id\n")
    frame = pd.DataFrame({"opportunity_id": ["O1"], "Owner": ["R1"], "Created": ["2024-02-03"],
                          "rep_id": ["R2"]})
    report = workbook.import_data({"reps": reps})
    report = workbook.import_data({"opportunities": frame}, mapping=mapping)
    stored = workbook.to_pandas("opportunities").iloc[0]
    assert stored["created_at"] == stored["offer_sent_at"] == pd.Timestamp("2024-02-03")
    assert stored["rep_id"] == "R1"  # the column the mapping names wins over 'rep_id'
    assert report.results[0].unused_columns == ["rep_id"]
