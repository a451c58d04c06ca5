import pytest

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
