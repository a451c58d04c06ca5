"""The shipped CRM mappings on exports written with each CRM's real headers and value
formats (../shared/CRM-EXPORTS.md), and on the connector seeds in ../shared/fixtures/crm.
Counts, won amounts and win rates are worked out by hand from the rows below."""

from pathlib import Path

import pandas as pd
import pytest

from salesanalysis import kpi

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "crm"
needs_fixtures = pytest.mark.skipif(not FIXTURES.is_dir(),
                                    reason="../shared/fixtures/crm is not beside the project")


def write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text.lstrip("\n"), encoding="utf-8")


def balanced(report) -> None:
    """Every row read is accepted, rejected or excluded as deleted: nothing is lost."""
    for r in report.results:
        assert r.accepted + r.rejected + r.excluded == r.rows_read, r


def opportunities(wb) -> pd.DataFrame:
    return wb.to_pandas("opportunities").set_index("opportunity_id").sort_index()


def outcome_counts(wb) -> dict:
    return opportunities(wb)["outcome"].value_counts().to_dict()


def win_rate(wb, rep, start, end) -> float:
    rates = kpi.compute(wb, ["win_rate"], by="rep", start=start, end=end)
    return float(rates.set_index("rep").loc[rep, "win_rate"])


def test_salesforce_data_export(tmp_path, workbook):
    src = tmp_path / "export"
    write(src, "User.csv", """
Id,Name,FirstName,LastName,Department,ManagerId,IsActive,UserRoleId
0051x000001AAAA,Ana Lopez,Ana,Lopez,Sales,0051x000001CCCC,true,00E1x01
0051x000001BBBB,Ben Okafor,Ben,Okafor,Sales,0051x000001CCCC,true,00E1x02
0051x000001CCCC,Cleo Park,Cleo,Park,Sales,,true,
""")
    write(src, "UserRole.csv", """
Id,Name,ParentRoleId,DeveloperName
00E1x01,EMEA Sales,00E1x00,EMEA_Sales
00E1x02,US Sales,00E1x00,US_Sales
00E1x00,VP Sales,,VP_Sales
""")
    write(src, "Opportunity.csv", """
Id,OwnerId,AccountId,Name,StageName,Amount,CloseDate,IsClosed,IsWon,CreatedDate,LeadSource,IsDeleted
0061x00000A1,0051x000001AAAA,0011x01,Big deal,Closed Won,1000,2024-03-05,true,true,2024-01-10T09:00:00.000+0000,Web,false
0061x00000A2,0051x000001AAAA,0011x01,Lost one,Closed Lost,500,2024-03-12,true,false,2024-01-11T09:00:00.000Z,Partner Referral,false
0061x00000A3,0051x000001AAAA,0011x02,Custom won,Signed by legal,700,2024-03-20,TRUE,TRUE,2024-01-12T09:00:00.000+0000,Trade Show,false
0061x00000A4,0051x000001BBBB,0011x02,Open,Negotiation/Review,300,2024-05-01,false,false,2024-02-01T09:00:00.000+0000,Something new,false
0061x00000A5,0051x000001BBBB,0011x02,Odd,Closed Won,900,2024-03-02,false,false,2024-02-02T09:00:00.000+0000,,false
0061x00000A6,0051x000001BBBB,0011x02,Gone,Closed Won,5000,2024-03-02,true,true,2024-02-02T09:00:00.000+0000,,true
""")
    write(src, "Task.csv", """
Id,OwnerId,WhatId,WhoId,AccountId,Subject,ActivityDate,Status,TaskSubtype,CallDurationInSeconds,CallDisposition,IsDeleted,CreatedDate
00T1x01,0051x000001AAAA,0061x00000A1,0031x0001,0011x01,Call,2024-02-01,Completed,Call,125,Reached,false,2024-01-30T10:00:00.000Z
00T1x02,0051x000001AAAA,0011x01,,0011x01,Email,2024-02-02,Completed,Email,,,false,2024-02-01T10:00:00.000Z
00T1x03,0051x000001BBBB,,0031x0002,0011x02,Todo,,Not Started,Task,,,false,2024-02-03T08:30:00.000Z
""")
    write(src, "Event.csv", """
Id,OwnerId,WhatId,WhoId,AccountId,Subject,StartDateTime,ActivityDate,DurationInMinutes,Type,IsDeleted
00U1x01,0051x000001BBBB,0061x00000A4,0031x0002,0011x02,Demo,2024-02-10T14:00:00.000+0100,2024-02-10,45,Demo,false
00U1x02,0051x000001BBBB,0061x00000A4,0031x0002,0011x02,Review,2024-03-31T23:30:00.000Z,2024-03-31,60,Meeting,false
00U1x03,0051x000001BBBB,0061x00000A4,0031x0002,0011x02,Next,2024-04-05T09:00:00.000Z,2024-04-05,30,Meeting,false
""")
    report = workbook.import_data(src, mapping="salesforce", as_of="2024-03-31")
    balanced(report)
    assert report.exit_code == 0
    opps = opportunities(workbook)
    assert "0061x00000A6" not in opps.index  # deleted: left out, counted
    assert report.to_frame().set_index("source").loc["Opportunity.csv", "excluded"] == 1
    assert outcome_counts(workbook) == {"won": 2, "lost": 1, "open": 2}
    # A3's stage is no known word but IsWon says won; A5 says open against its stage
    assert opps.loc["0061x00000A3", "outcome"] == "won"
    assert opps.loc["0061x00000A5", "outcome"] == "open"
    assert set(report.flags.query("reason == 'outcome_contradicts_stage'")["row"]) == {6}
    assert opps.loc["0061x00000A1", "closed_at"] == pd.Timestamp("2024-03-05")
    assert opps["source"].to_dict() == {"0061x00000A1": "inbound", "0061x00000A2": "partner",
                                        "0061x00000A3": "event", "0061x00000A4": "other",
                                        "0061x00000A5": "other"}
    march = kpi.compute(workbook, ["revenue"], by=None, start="2024-03-01", end="2024-03-31")
    assert march["revenue"].iloc[0] == 1700.0  # A1 1000 + A3 700
    assert win_rate(workbook, "0051x000001AAAA", "2024-03-01", "2024-03-31") == pytest.approx(2 / 3)
    acts = workbook.to_pandas("activities").set_index("activity_id").sort_index()
    assert acts["activity_type"].to_dict() == {"00T1x01": "call", "00T1x02": "email",
                                               "00T1x03": "task", "00U1x01": "demo",
                                               "00U1x02": "meeting", "00U1x03": "meeting"}
    # an Event has no status: held once it ended by the end of the data date (as_of
    # 2024-03-31): 00U1x02 ends at 00:30 on 1 April, 00U1x03 is next week's
    assert acts.loc[["00U1x01", "00U1x02", "00U1x03"], "status"].tolist() == [
        "done", "planned", "planned"]
    assert acts.loc["00T1x01", "opportunity_id"] == "0061x00000A1"
    assert acts.loc["00T1x01", "contact_id"] == "0031x0001"
    assert pd.isna(acts.loc["00T1x02", "opportunity_id"])  # WhatId 001 is an account
    assert acts.loc["00U1x01", "duration_s"] == 45 * 60
    assert acts.loc["00U1x01", "occurred_at"] == pd.Timestamp("2024-02-10 13:00")  # to UTC
    assert acts.loc["00T1x03", "status"] == "planned"
    # no ActivityDate: the task is dated by the next date the export has
    assert acts.loc["00T1x03", "occurred_at"] == pd.Timestamp("2024-02-03 08:30")
    reps = workbook.to_pandas("reps").set_index("rep_id")
    assert reps.loc["0051x000001AAAA", "manager_id"] == "0051x000001CCCC"
    # a rep's team is the name of its role, read from UserRole
    assert reps["team"].fillna("-").to_dict() == {
        "0051x000001AAAA": "EMEA Sales", "0051x000001BBBB": "US Sales", "0051x000001CCCC": "-"}
    assert "user_roles: UserRole.csv read for lookups (3 rows)" in report.notes


def test_salesforce_field_history_becomes_one_history_row_per_edit(tmp_path, workbook):
    src = tmp_path / "export"
    write(src, "User.csv", """
Id,Name
0051x000001AAAA,Ana Lopez
""")
    write(src, "Opportunity.csv", """
Id,OwnerId,StageName,Amount,CloseDate,IsClosed,IsWon,CreatedDate
0061x00000A4,0051x000001AAAA,Negotiation/Review,300,2024-05-01,false,false,2024-02-01T09:00:00.000+0000
""")
    write(src, "OpportunityHistory.csv", """
Id,OpportunityId,CreatedDate,StageName,Amount,CloseDate,IsDeleted
008x01,0061x00000A4,2024-03-01T10:00:00.000+0000,Negotiation/Review,300,2024-05-01,false
""")
    # one edit changed the stage and the amount; a later one moved the close date (an
    # edit OpportunityHistory also has); a description and the creation are not taken
    write(src, "OpportunityFieldHistory.csv", """
Id,OpportunityId,CreatedById,CreatedDate,Field,DataType,OldValue,NewValue,IsDeleted
017x01,0061x00000A4,0051x000001AAAA,2024-02-15T10:00:00.000+0000,StageName,Picklist,Prospecting,Negotiation/Review,false
017x02,0061x00000A4,0051x000001AAAA,2024-02-15T10:00:00.000+0000,Amount,Currency,200,300,false
017x03,0061x00000A4,0051x000001AAAA,2024-03-01T10:00:00.000+0000,CloseDate,Date,2024-04-01,2024-05-01,false
017x04,0061x00000A4,0051x000001AAAA,2024-03-02T10:00:00.000+0000,Description,TextArea,,hello,false
017x05,0061x00000A4,0051x000001AAAA,2024-02-01T09:00:00.000+0000,created,Text,,,false
017x06,0061x00000A4,0051x000001AAAA,2024-03-05T10:00:00.000+0000,Amount,Currency,300,350,true
""")
    report = workbook.import_data(src, mapping="salesforce", as_of="2024-03-31")
    balanced(report)
    field_history = report.to_frame().set_index("source").loc["OpportunityFieldHistory.csv"]
    # 6 read: 3 accepted, 1 deleted, 2 changes of fields not taken
    assert (field_history["rows_read"], field_history["accepted"],
            field_history["excluded"]) == (6, 3, 3)
    assert "excluded 3 (1 deleted in the source, 2 changes of fields not taken)" in str(report)
    history = (workbook.to_pandas("opportunity_history").query("kind == 'change'")
               .sort_values("changed_at").reset_index(drop=True))
    assert history["changed_at"].tolist() == [pd.Timestamp("2024-02-15 10:00"),
                                              pd.Timestamp("2024-03-01 10:00")]
    assert history.loc[0, ["stage", "amount"]].tolist() == ["Negotiation/Review", 300]
    assert pd.isna(history.loc[0, "expected_close"])
    assert history.loc[1, ["stage", "amount", "expected_close"]].tolist() == [
        "Negotiation/Review", 300, pd.Timestamp("2024-05-01")]
    # imported again on its own, the field history says only what changed: the stage
    # and amount OpportunityHistory gave that edit are kept
    (src / "OpportunityHistory.csv").unlink()
    balanced(workbook.import_data(src, mapping="salesforce", as_of="2024-03-31"))
    again = (workbook.to_pandas("opportunity_history").query("kind == 'change'")
             .sort_values("changed_at").reset_index(drop=True))
    pd.testing.assert_frame_equal(again.drop(columns="_import_id", errors="ignore"),
                                  history.drop(columns="_import_id", errors="ignore"))


def test_hubspot_view_export_melts_stage_dates(tmp_path, workbook):
    src = tmp_path / "hubspot"
    write(src, "all-deals.csv", '''
Record ID,Deal Name,Deal Stage,Amount,Close Date,Deal owner,Create Date,Pipeline,Associated Company,"Date entered ""Appointment Scheduled (Sales Pipeline)""","Date entered ""Closed Won (Sales Pipeline)""","Date entered 'Closed Won (Sales Pipeline)'"
101,Acme,Closed Won,"1,200.50",2024-03-04 10:00,Jane Doe,2024-01-02 09:00,Sales Pipeline,Acme,2024-01-02 09:00,2024-03-04 10:00,2024-03-04 10:00
102,Beta,Closed Lost,800,2024-03-15,jane  doe,2024-01-05,Sales Pipeline,Beta,2024-01-05,,
103,Gamma,Appointment Scheduled,400,2024-06-01,Raj Patel,,Sales Pipeline,Gamma,,,
''')
    write(src, "all-calls.csv", """
Record ID,Activity date,Activity assigned to,Call outcome,Call duration,Associated Company
9001,2024-02-01 10:00,Jane Doe,Connected,90000,Acme
9002,2024-02-02 11:00,Raj Patel,No answer,0,Gamma
""")
    report = workbook.import_data(src, mapping="hubspot_export", as_of="2024-03-31")
    balanced(report)
    opps = opportunities(workbook)
    assert opps["outcome"].to_dict() == {"101": "won", "102": "lost", "103": "open"}
    assert opps["rep_id"].to_dict() == {"101": "Jane Doe", "102": "Jane Doe", "103": "Raj Patel"}
    assert opps.loc["101", "amount"] == 1200.5
    # 103 has no Create Date: an open deal kept and flagged, not rejected
    assert report.flags.query("reason == 'created_without_date'")["row"].tolist() == [4]
    history = workbook.to_pandas("opportunity_history").query("kind == 'change'")
    # two quote styles of one stage with one date count once
    assert sorted(zip(history["opportunity_id"], history["stage"])) == [
        ("101", "Appointment Scheduled"), ("101", "Closed Won"), ("102", "Appointment Scheduled")]
    calls = workbook.to_pandas("activities").set_index("activity_id")
    assert calls.loc["9001", "duration_s"] == 90.0
    assert set(calls["activity_type"]) == {"call"}


def test_pipedrive_list_export(tmp_path, workbook):
    src = tmp_path / "pipedrive"
    write(src, "deals-export.csv", """
Deal - ID,Deal - Title,Deal - Value,Deal - Currency,Deal - Stage,Deal - Pipeline,Deal - Status,Deal - Owner,Deal - Expected close date,Deal - Lost reason,Deal - Won time,Deal - Lost time,Deal - Deal created,Organization - Name
1,A,1000,EUR,Negotiations Started,Main,Won,Ana,2024-03-01,,2024-03-03 12:00:00,,2024-01-01 09:00:00,Acme
2,B,600,EUR,Proposal Made,Main,Lost,Ana,2024-03-01,Price,,2024-03-10 12:00:00,2024-01-02 09:00:00,Beta
3,C,300,EUR,Proposal Made,Main,Open,Ben,2024-04-01,,,,2024-02-02 09:00:00,Beta
4,D,999,EUR,Lead In,Main,Deleted,Ben,,,,,2024-02-03 09:00:00,Gamma
""")
    write(src, "activities.csv", """
Activity - ID,Activity - Subject,Activity - Type,Activity - Due date,Activity - Due time,Activity - Duration,Activity - Done,Activity - Assigned to user,Deal - ID,Organization - Name
11,Call,Call,2024-02-01,15:15,00:30,Done,Ana,1,Acme
12,Lunch,Lunch,2024-02-02,,,To do,Ben,3,Beta
""")
    report = workbook.import_data(src, mapping="pipedrive_export", as_of="2024-03-31")
    balanced(report)
    assert report.results[0].excluded == 1
    opps = opportunities(workbook)
    # won / lost are the status, not the stage
    assert opps["outcome"].to_dict() == {"1": "won", "2": "lost", "3": "open"}
    assert opps.loc["2", "closed_at"] == pd.Timestamp("2024-03-10 12:00")
    assert win_rate(workbook, "Ana", "2024-03-01", "2024-03-31") == 0.5
    acts = workbook.to_pandas("activities").set_index("activity_id").sort_index()
    assert acts["duration_s"].tolist()[0] == 1800.0
    assert acts.loc["11", "occurred_at"] == pd.Timestamp("2024-02-01 15:15")
    assert acts["status"].to_dict() == {"11": "done", "12": "planned"}
    assert acts["activity_type"].to_dict() == {"11": "call", "12": "meeting"}


def test_pipedrive_api_records(tmp_path, workbook):
    src = tmp_path / "api"
    write(src, "users.csv", "id,name,email,active_flag\n7,Ana,a@x.io,true\n8,Ben,b@x.io,true\n")
    write(src, "stages.csv", "id,name,order_nr,pipeline_id,deal_probability\n"
                             "1,Lead In,1,1,10\n2,Proposal Made,2,1,60\n")
    write(src, "deals.csv", """
id,user_id,org_id,stage_id,title,value,currency,add_time,status,won_time,lost_time,close_time,expected_close_date
50,7,,2,A,1000,USD,2024-01-01 10:00:00,won,2024-03-02 10:00:00,,2024-03-02 10:00:00,2024-03-01
51,7,,2,B,400,USD,2024-01-01 10:00:00,lost,,2024-03-05 10:00:00,2024-03-05 10:00:00,2024-03-01
52,8,,1,C,250,USD,2024-02-01 10:00:00,open,,,,2024-05-01
53,8,,1,D,250,USD,2024-02-01 10:00:00,deleted,,,,
""")
    write(src, "activities.csv", """
id,user_id,type,subject,done,due_date,due_time,duration,deal_id,marked_as_done_time
1,7,call,Intro,true,2024-02-05,09:30,00:15,50,2024-02-05 09:45:00
2,8,test_1,Custom,false,2024-02-06,,,52,
""")
    write(src, "deal_flow.csv", """
id,item_id,user_id,field_key,old_value,new_value,log_time,change_source
900,52,8,stage_id,,1,2024-02-01 10:00:00,app
901,52,8,expected_close_date,2024-04-01,2024-05-01,2024-03-10 08:00:00,app
902,52,8,title,C0,C,2024-03-10 08:00:00,app
903,50,7,stage_id,1,2,2024-02-10 12:00:00,api
""")
    report = workbook.import_data(src, mapping="pipedrive_api", as_of="2024-03-31")
    balanced(report)
    assert report.exit_code == 0
    assert outcome_counts(workbook) == {"won": 1, "lost": 1, "open": 1}
    history = (workbook.to_pandas("opportunity_history").query("kind == 'change'")
               .sort_values(["opportunity_id", "changed_at"]))
    # the title change is left out; a stage and a close-date change, one row each
    assert history[["opportunity_id", "stage"]].fillna("-").values.tolist() == [
        ["50", "2"], ["52", "1"], ["52", "-"]]
    assert history["expected_close"].iloc[-1] == pd.Timestamp("2024-05-01")
    assert report.to_frame().set_index("source").loc["deal_flow.csv", "excluded"] == 1
    stages = workbook.to_pandas("stages").set_index("stage")
    assert stages["probability"].to_dict() == {"1": 0.1, "2": 0.6}
    acts = workbook.to_pandas("activities").set_index("activity_id").sort_index()
    assert acts["activity_type"].to_dict() == {"1": "call", "2": "other"}
    assert acts.loc["1", "duration_s"] == 900.0
    assert win_rate(workbook, "7", "2024-03-01", "2024-03-31") == 0.5


def test_odoo_pipeline_export(tmp_path, workbook):
    src = tmp_path / "odoo"
    write(src, "crm.lead.csv", """
Opportunity,Customer,Salesperson,Sales Team,Stage,Expected Revenue,Probability,Expected Closing,Created on,Closed Date,Lost Reason,Active
Office chairs,Azure Interior,Mitchell Admin,Sales,Won,2000.00,100,2024-03-01,2024-01-03 08:00:00,2024-03-02 16:00:00,,True
Desks,Deco Addict,Mitchell Admin,Sales,Proposition,1500.00,0,2024-03-10,2024-01-04 08:00:00,2024-03-11 10:00:00,Too expensive,False
Lamps,Gemini Furniture,Marc Demo,Sales,Qualified,800.00,30,2024-04-20,2024-02-04 08:00:00,,,True
""")
    report = workbook.import_data(src, mapping="odoo_export", as_of="2024-03-31")
    balanced(report)
    assert report.exit_code == 0
    opps = workbook.to_pandas("opportunities").set_index("amount").sort_index()
    # won from the stage, lost from Active = False, else open
    assert opps["outcome"].to_dict() == {800.0: "open", 1500.0: "lost", 2000.0: "won"}
    assert opps.loc[1500.0, "lost_reason"] == "Too expensive"
    again = workbook.import_data(src, mapping="odoo_export", as_of="2024-03-31")
    assert len(workbook.to_pandas("opportunities")) == 3 and again.exit_code == 0
    assert win_rate(workbook, "Mitchell Admin", "2024-03-01", "2024-03-31") == 0.5


@needs_fixtures
@pytest.mark.parametrize("keep", [False, True])
def test_salesforce_fivetran_seeds(keep, workbook):
    report = workbook.import_data(FIXTURES / "salesforce", mapping="salesforce_fivetran",
                                  keep_deleted=keep)
    balanced(report)
    by_source = report.to_frame().set_index("source")
    # every seed opportunity is deleted; kept, they fail on owners the users lack
    opp = by_source.loc["sf_opportunity_data.csv"]
    assert (opp["excluded"], opp["accepted"]) == ((0, 0) if keep else (10, 0))
    users = pd.read_csv(FIXTURES / "salesforce" / "sf_user_data.csv")
    assert by_source.loc["sf_user_data.csv", "excluded"] == (
        0 if keep else int(users["_fivetran_deleted"].sum()))
    assert by_source.loc["sf_opportunity_history_data.csv", "accepted"] == 10
    assert set(by_source.loc[["sf_task_data.csv", "sf_event_data.csv"], "table"]) == {
        "activities"}
    roles = pd.read_csv(FIXTURES / "salesforce" / "sf_user_role_data.csv")
    assert f"user_roles: sf_user_role_data.csv read for lookups ({len(roles)} rows)" in \
        report.notes


@needs_fixtures
def test_hubspot_fivetran_seeds(workbook):
    report = workbook.import_data(FIXTURES / "hubspot", mapping="hubspot_fivetran")
    balanced(report)
    by_source = report.to_frame().set_index("source")
    stages = pd.read_csv(FIXTURES / "hubspot" / "deal_pipeline_stage_data.csv")
    assert by_source.loc["deal_pipeline_stage_data.csv", "excluded"] == int(
        stages["_fivetran_deleted"].sum())
    stored = workbook.to_pandas("stages")
    assert stored["probability"].between(0, 1).all()
    deals = pd.read_csv(FIXTURES / "hubspot" / "deal_data.csv", dtype=str)
    assert by_source.loc["deal_data.csv", "accepted"] == deals["owner_id"].notna().sum()
    assert set(report.rejects.query("table == 'opportunities'")["reason"]) == {"missing_value"}
    # the seeds' engagements have no owner column: rejected, saying so
    calls = report.rejects.query("source == 'engagement_call_data.csv'")
    assert calls["reason"].tolist() == ["missing_column"]
    assert by_source.loc["deal_stage_data.csv", "accepted"] == 14


def test_spreadsheet_calls_and_visits_feed_one_table(tmp_path, workbook):
    write(tmp_path, "deals.csv", "Date,Salesperson,Customer,Stage,Amount,Closed date\n"
                                 "2024-01-03,Tom Baker,Acme,Won,900,2024-02-01\n")
    write(tmp_path, "calls.csv", "Date,Salesperson,Customer,Duration in minutes\n"
                                 "2024-01-02,Tom Baker,Acme,5\n")
    write(tmp_path, "visits.csv", "Date,Salesperson,Customer,Duration in minutes\n"
                                  "2024-01-04,tom baker,Acme,90\n2024-01-05,Tom Baker,Beta,30\n")
    report = workbook.import_data(tmp_path, mapping="spreadsheet")
    balanced(report)
    acts = workbook.to_pandas("activities")
    assert sorted(zip(acts["activity_type"], acts["duration_s"])) == [
        ("call", 300.0), ("visit", 1800.0), ("visit", 5400.0)]
    assert set(acts["rep_id"]) == {"Tom Baker"}
    assert report.flags.query("reason == 'name_spelling'")["row"].tolist() == [2]
