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


def _refusal(path) -> str:
    """What loading the mapping file ``path`` is refused with."""
    with pytest.raises(sa.MappingError) as caught:
        load_mapping(path)
    return str(caught.value)


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
    message = _refusal(path)
    assert "6 problem(s)" in message
    for expected in ["line 6: 'Stage' is given twice (first on line 4)",
                     "line 7: tables.opportunities.columns: 'Deal Name' maps to 'titel'",
                     "line 8: tables.opportunities.columns: 'deal-name' and 'Deal Name' name "
                     "the same source column",
                     "line 9: tables.opportunities: unknown key 'extras'",
                     "line 10: tables.deals: unknown table",
                     "line 12: unknown option 'decimals'"]:
        assert expected in message


def test_status_by_time_is_an_activities_switch(tmp_path):
    path = tmp_path / "map.yaml"
    path.write_text("tables:\n"                          # 1
                    "  opportunities:\n"                 # 2
                    "    status_by_time: true\n"         # 3
                    "  activities:\n"                    # 4
                    "    status_by_time: sometimes\n")   # 5
    message = _refusal(path)
    assert "line 3: tables.opportunities: unknown key 'status_by_time'" in message
    assert "line 5: tables.activities.status_by_time must be true or false" in message


def test_a_join_names_a_lookup_entry(tmp_path):
    path = tmp_path / "map.yaml"
    path.write_text("tables:\n"                                              # 1
                    "  roles:\n"                                             # 2
                    "    source: UserRole\n"                                 # 3
                    "  reps:\n"                                              # 4
                    "    joins:\n"                                           # 5
                    "      team: {from: roles, by: RoleId, key: Id, take: Name}\n"  # 6
                    "      name: {from: roles, take: Name}\n")               # 7
    message = _refusal(path)
    assert "line 6: tables.reps.joins.team: 'roles' is no entry with table: lookup" in message
    assert "line 7: tables.reps.joins.name must say from (a lookup entry), by, key and take" \
        in message


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


@pytest.mark.parametrize("spec,message", [
    ({"events": {"source": "Event"}}, "tables.events: unknown table 'events'"),
    ({"events": {"table": "activity"}}, "unknown table 'activity'"),
    ({"opportunities": {"outcome_from": {"won_flag": "IsWon"}}}, "unknown flag 'won_flag'"),
    ({"activities": {"outcome_from": {"won": "IsWon"}}}, "only opportunities have an outcome"),
    ({"opportunities": {"stage_dates": "Date entered (.+)"}}, "a group (?P<stage>...)"),
    ({"opportunities": {"stage_dates": "Date entered (?P<stage>.+"}}, "not a valid regular"),
    ({"opportunities": {"lookups": {"list_amount": "products.price"}}}, "is not table.column"),
    ({"reps": {"lookups": {"team": "products.list_price"}}}, "reps has no column that refers"),
    ({"reps": {"templates": {"name": "First Last"}}}, "names no source column"),
    ({"activities": {"units": {"duration_s": "fortnights"}}}, "unknown unit 'fortnights'"),
    ({"activities": {"prefixes": {"WhatId": "opportunity_id"}}}, "must map id prefixes"),
])
def test_the_export_keys_are_checked(spec, message):
    with pytest.raises(MappingError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("?", r"\?").replace(".", r"\.").replace("+", r"\+")):
        load_mapping({"tables": spec})


def test_shipped_mappings_load_by_name_and_two_entries_may_feed_one_table():
    m = load_mapping("salesforce")
    assert m.path.endswith("salesforce.yaml")
    assert {e.table for e in m.tables.values() if e.name in ("activities", "events")} == {
        "activities"}
    assert m.table_for_source("Event") == "events"
    with pytest.raises(MappingError, match="the shipped mappings are .*salesforce"):
        load_mapping("salesfarce")


def test_an_exact_source_name_wins_over_a_pattern():
    m = load_mapping({"tables": {"opportunities": {"source": ["*deal*"]},
                                 "stages": {"source": "deal_stages"}}})
    assert m.table_for_source("all-deals") == "opportunities"
    assert m.table_for_source("Deal Stages") == "stages"


def test_a_catch_all_value_recodes_every_value_not_listed(workbook):
    frames = {"reps": pd.DataFrame({"rep_id": ["R1"], "name": ["Ana"]}),
              "activities": pd.DataFrame({"activity_id": ["A1", "A2", "A3"], "rep_id": "R1",
                                          "occurred_at": "2024-01-02",
                                          "activity_type": ["Phone", "Fax", None]})}
    report = workbook.import_data(frames, mapping={"tables": {"activities": {
        "values": {"activity_type": {"Phone": "call", "*": "other"}},
        "defaults": {"activity_type": "task"}}}})
    types = workbook.to_pandas("activities").set_index("activity_id")["activity_type"]
    assert types.to_dict() == {"A1": "call", "A2": "other", "A3": "task"}
    assert report.ok
