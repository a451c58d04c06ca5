"""Recognising an export by its headers, reading files a mapping does not name by their
headers, and proposing a mapping for an export no shipped mapping fits."""

from pathlib import Path

import pytest
import yaml

import salesanalysis as sa
from salesanalysis.cli import main
from salesanalysis.ingest.propose import propose
from salesanalysis.ingest.recognise import recognise
from salesanalysis.ingest.samples import read_samples

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "crm"
needs_fixtures = pytest.mark.skipif(not FIXTURES.is_dir(),
                                    reason="../shared/fixtures/crm is not beside the project")

PIPEDRIVE_DEALS = """\
Deal - ID,Deal - Title,Deal - Value,Deal - Stage,Deal - Status,Deal - Owner,Deal - Won time,Deal - Lost time,Deal - Deal created,Organization - Name
1,A,1000,Negotiations Started,Won,Ana,2024-03-03 12:00:00,,2024-01-01 09:00:00,Acme
2,B,600,Proposal Made,Lost,Ana,,2024-03-10 12:00:00,2024-01-02 09:00:00,Beta
3,C,300,Proposal Made,Open,Ben,,,2024-02-02 09:00:00,Beta
"""
# an opportunity file as a public CRM sample writes it: names, no ids, one stage column
PIPELINE = """\
opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value
K1,Moses Frase,GTX Basic,Cancity,Won,2016-10-20,2017-03-01,1054
K2,Darcel Schlecht,GTX Pro,Isdom,Won,2016-10-25,2017-03-11,4514
K3,Darcel Schlecht,MG Special,Cancity,Lost,2016-10-25,2017-03-07,0
K4,Moses Frase,GTX Basic,,Engaging,2016-10-25,,
K5,Zane Levy,GTX Basic,,Prospecting,,,
"""
TEAMS = """\
sales_agent,manager,regional_office
Moses Frase,Dustin Brinkmann,Central
Darcel Schlecht,Melvin Marxen,Central
Zane Levy,Summer Sewald,West
"""


@needs_fixtures
@pytest.mark.parametrize("folder,name", [("salesforce", "salesforce_fivetran"),
                                         ("hubspot", "hubspot_fivetran")])
def test_connector_seeds_are_recognised(folder, name):
    found, _, notes = recognise(read_samples(FIXTURES / folder))
    assert found == name and notes == []


def test_an_export_saved_under_any_name_is_recognised_and_read_by_its_headers(tmp_path):
    (tmp_path / "export 2024-04-01.csv").write_text(PIPEDRIVE_DEALS)
    wb = sa.open_workbook()
    report = wb.import_data(tmp_path, mapping="auto", as_of="2024-03-31")
    assert report.notes[0].startswith("mapping: recognised as pipedrive_export")
    assert "export 2024-04-01 read as opportunities" in report.notes[1]
    outcomes = wb.to_pandas("opportunities").set_index("opportunity_id")["outcome"]
    assert outcomes.to_dict() == {"1": "won", "2": "lost", "3": "open"}
    # a named mapping reads the same file by its headers too
    again = sa.open_workbook().import_data(tmp_path, mapping="pipedrive_export")
    assert again.results[0].accepted == 3


def test_a_proposed_mapping_reads_a_sample_crm_export(tmp_path):
    (tmp_path / "sales_pipeline.csv").write_text(PIPELINE)
    (tmp_path / "sales_teams.csv").write_text(TEAMS)
    text, skipped = propose(read_samples(tmp_path))
    data = yaml.safe_load(text)
    assert skipped == []
    assert data["tables"]["opportunities"]["columns"] == {
        "opportunity_id": "opportunity_id", "sales_agent": "rep_id", "product": "product",
        "account": "customer_id", "deal_stage": "stage", "engage_date": "created_at",
        "close_value": "amount", "close_date": "expected_close"}
    assert data["tables"]["reps"]["columns"]["sales_agent"] == ["rep_id", "name"]
    assert "# 'engage_date' is a usual name for created_at; dates in" in text
    wb = sa.open_workbook()
    report = wb.import_data(tmp_path, mapping="auto")
    assert report.notes[0].startswith("mapping: no shipped format recognised")
    assert report.exit_code == 0
    deals = wb.to_pandas("opportunities").set_index("opportunity_id")
    assert deals["outcome"].value_counts().to_dict() == {"won": 2, "open": 2, "lost": 1}
    assert deals.loc["K2", "closed_at"].strftime("%Y-%m-%d") == "2017-03-11"
    # the historical export dates the data, not the day of the import
    assert wb.data_date().strftime("%Y-%m-%d") == "2017-03-11"
    assert set(wb.to_pandas("reps")["rep_id"]) == {"Moses Frase", "Darcel Schlecht",
                                                   "Zane Levy"}


def test_map_writes_a_mapping_that_imports(tmp_path, capsys):
    src = tmp_path / "src"
    src.mkdir()
    (src / "sales_pipeline.csv").write_text(PIPELINE)
    out = tmp_path / "proposed.yaml"
    assert main(["map", str(src), "--out", str(out)]) == 0
    assert "proposed a mapping" in capsys.readouterr().err
    wb_path = str(tmp_path / "wb.duckdb")
    assert main(["import", str(src), "--workbook", wb_path, "--mapping", str(out),
                 "--quiet"]) == 0
    capsys.readouterr()
    (src / "sales_pipeline.csv").write_text(PIPEDRIVE_DEALS)  # now a recognised format
    assert main(["map", str(src / "sales_pipeline.csv")]) == 0
    printed = capsys.readouterr()
    assert "recognised as pipedrive_export" in printed.err
    assert yaml.safe_load(printed.out)["tables"]["opportunities"]["source"][-1] == \
        "sales_pipeline"


def test_rejects_lists_every_rejected_row(tmp_path, capsys):
    src = tmp_path / "src"
    src.mkdir()
    (src / "deals.csv").write_text(PIPEDRIVE_DEALS.replace("Ana,2024-03-03", ",2024-03-03"))
    wb_path = str(tmp_path / "wb.duckdb")
    assert main(["import", str(src), "--workbook", wb_path, "--mapping", "pipedrive_export",
                 "--quiet"]) == 3
    out = tmp_path / "rejects.csv"
    assert main(["rejects", "--workbook", wb_path, "--out", str(out)]) == 0
    rows = out.read_text().splitlines()
    assert len(rows) == 2 and "deals.csv" in rows[1] and "missing_value" in rows[1]
    assert ",2," in rows[1]  # the file's line 2


def test_a_german_sheet_with_decimal_commas_is_proposed_and_imports(tmp_path):
    (tmp_path / "Verkaufschancen.csv").write_text(
        "Datum;Verkäufer;Kunde;Phase;Betrag;Abschlussdatum\n"
        "03.01.2024;Tom Baker;Acme;Gewonnen;1.200,50;01.02.2024\n"
        "05.01.2024;Ann Lee;Beta;Verloren;500,00;03.02.2024\n"
        "07.01.2024;Tom Baker;Gamma;Angebot;300,00;\n", encoding="utf-8")
    text, skipped = propose(read_samples(tmp_path))
    data = yaml.safe_load(text)  # the decimal comma is written so it reads back
    assert skipped == [] and data["options"] == {"decimal": ","}
    deals = data["tables"]["opportunities"]
    assert deals["columns"] == {"Verkäufer": "rep_id", "Kunde": "customer_id",
                                "Datum": "created_at", "Phase": "stage", "Betrag": "amount",
                                "Abschlussdatum": "closed_at"}
    assert deals["generate_ids"] == ["Datum", "Verkäufer", "Kunde"]
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(text, encoding="utf-8")
    wb = sa.open_workbook()
    assert wb.import_data(tmp_path / "Verkaufschancen.csv", mapping=mapping).exit_code == 0
    stored = wb.to_pandas("opportunities").set_index("customer_id")
    # 1.200,50 is 1,200.50; 03.01.2024 is the 3rd of January; Gewonnen is won
    assert stored.loc["Acme", ["amount", "outcome"]].tolist() == [1200.5, "won"]
    assert stored.loc["Acme", "created_at"].strftime("%Y-%m-%d") == "2024-01-03"
    assert stored["outcome"].to_dict() == {"Acme": "won", "Beta": "lost", "Gamma": "open"}


def test_a_french_sheet_saved_by_excel_on_windows_is_read_and_proposed(tmp_path):
    (tmp_path / "affaires.csv").write_bytes(
        "Date,Vendeur,Client,Étape,Montant\n"
        "2024-01-03,Léa Martin,Société Générale,Gagné,1200\n".encode("cp1252"))
    text, _ = propose(read_samples(tmp_path))
    assert yaml.safe_load(text)["tables"]["opportunities"]["columns"]["Étape"] == "stage"
    wb = sa.open_workbook()
    assert wb.import_data(tmp_path, mapping="auto").exit_code == 0
    deal = wb.to_pandas("opportunities").iloc[0]
    assert (deal["rep_id"], deal["customer_id"], deal["outcome"]) == (
        "Léa Martin", "Société Générale", "won")
