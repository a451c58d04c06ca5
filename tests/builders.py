"""Small tables and workbooks the tests build, shared by every test folder."""

import pandas as pd

import salesanalysis as sa


def problems_of(report, table):
    """(row, column, reason) of a table's rejects, sorted."""
    r = report.rejects
    r = r[r["table"] == table]
    return sorted(zip(r["row"], r["column"], r["reason"]))


def build(as_of="2025-12-31", **frames):
    """A workbook from small DataFrames (or lists of row dicts), strict, dated ``as_of``."""
    tables = {name: pd.DataFrame(rows) for name, rows in frames.items()}
    return sa.Workbook.from_frames(tables, strict=True, as_of=as_of)


HOSTILE = "<script>alert(1)</script>"


def small_demo(folder):
    """A workbook file of twelve demo reps over 40 weeks (data to 2024-10-07) in which rep
    R001 and every customer carry a hostile name."""
    from salesanalysis import demo

    tables = demo.generate(reps=12, weeks=40, seed=3)
    tables["reps"].loc[tables["reps"]["rep_id"] == "R001", "name"] = HOSTILE
    tables["customers"]["name"] = f"{HOSTILE} & Co"
    path = folder / "small.duckdb"
    with sa.open_workbook(path) as wb:
        wb.import_data(tables, as_of=demo.export_date(weeks=40).date(), progress=False)
    return path


REPS = [
    {"rep_id": "R1", "name": "Ana", "team": "T", "department": "D", "role": "field",
     "territory": "West"},
    {"rep_id": "R2", "name": "Ben", "team": "T", "department": "D", "role": "inside",
     "territory": "East"},
    {"rep_id": "M1", "name": "Max", "team": "T", "department": "D"},  # a manager
]


def act(i, rep, kind, at, customer=None, status="done", contact=None, outcome=None,
        duration=None, opp=None):
    return {"activity_id": f"A{i}", "rep_id": rep, "activity_type": kind, "occurred_at": at,
            "status": status, "customer_id": customer, "contact_id": contact,
            "outcome": outcome, "duration_s": duration, "opportunity_id": opp}


def opp(i, rep, created, outcome="open", closed=None, amount=100.0, customer=None,
        source="outbound", offer=None, stage=None, **more):
    return {"opportunity_id": f"O{i}", "rep_id": rep, "created_at": created,
            "outcome": outcome, "closed_at": closed, "amount": amount, "customer_id": customer,
            "source": source, "offer_sent_at": offer, "stage": stage, **more}


def customers(n, segment="SMB", territory="West"):
    return [{"customer_id": f"C{i:02d}", "segment": segment, "territory": territory}
            for i in range(1, n + 1)]


STAGES = [
    {"stage": "lead", "position": 1, "probability": 0.1},
    {"stage": "qualified", "position": 2, "probability": 0.25},
    {"stage": "proposal", "position": 3, "probability": 0.5},
    {"stage": "negotiation", "position": 4, "probability": 0.75},
    {"stage": "won", "position": 5, "probability": 1.0, "is_closed": True, "is_won": True},
    {"stage": "lost", "position": 6, "probability": 0.0, "is_closed": True},
]


def hist(o, at, stage=None, amount=None, close=None):
    return {"opportunity_id": o, "changed_at": at, "stage": stage, "amount": amount,
            "expected_close": close}


FIELD_REPS = [{"rep_id": r, "name": r, "team": "T", "department": "D", "role": "field"}
        for r in ("R1", "R2")]

FINDINGS_RULES = """
strengths:
  - name: target_beaten
    kpis: [revenue]
    op: ">="
    reference: target
    factor: 1.0
    text: "{label} beat target: {actual} against {target}."
    action: "Keep it up in {next_period}."
    criterion: "{label} >= {target} in {next_period}"
  - name: team_leader
    kpis: [revenue]
    op: ">="
    reference: team_median
    factor: 1.5
    text: "{label} {actual} against a median of {team_median}."
    action: "Show the team how."
    criterion: "{label} >= {team_median}"
developments:
  - name: behind_target
    kpis: [revenue]
    op: "<"
    reference: target
    factor: 0.8
    text: "{label} at {actual} against a target of {target}."
    action: "Agree a next step on every deal due in {next_period}."
    criterion: "{label} >= {target} in {next_period}"
    due: 7 days
"""


def revenue_targets(*rows):
    """Rep revenue targets from (period, rep, value) rows."""
    return [{"period": p, "scope_level": "rep", "scope_id": r, "metric": "revenue", "value": v}
            for p, r, v in rows]


def won(i, rep, closed, amount):
    return opp(i, rep, "2024-01-01", "won", closed, amount)


def two_spreadsheets(folder):
    """A small company's deals.csv and calls.csv in ``folder``: names as ids, no ids, one
    salesperson spelt two ways, call durations in minutes; returns ``folder``."""
    (folder / "deals.csv").write_text(
        "Date,Salesperson,Customer,Stage,Amount,Closed date\n"
        "2025-01-10,Tom Baker,Acme,Won,1200,2025-02-01\n"
        "2025-01-12,Ann Lee,Beta,Lost,500,2025-02-03\n"
        "2025-02-01,tom baker ,Gamma,Won,800,2025-02-20\n"
        "2025-02-02,Ann Lee,Delta,Proposal,300,\n")
    (folder / "calls.csv").write_text(
        "Date,Salesperson,Customer,Duration in minutes\n"
        "2025-02-05,Tom Baker,Acme,12\n2025-02-06,Ann Lee,Beta,3.5\n")
    return folder


# -- two departments: D1 (team North: R1 Ana, R2 Ben) and D2 (team South: R3 Cy) ----------
# March 2025 won: R1 400 (SMB, Widget) + 600 (Enterprise, Gadget), R2 300 (SMB, Widget),
# R3 1,000 (Enterprise, Widget); February R2 500; March 2024 R1 250. Targets for March:
# the reps 800, 500 and 900, team North 1,500 (South none). R1 met both customers face
# to face and made three done activities in March.
_TD_REPS = [
    {"rep_id": "R1", "name": "Ana", "team": "North", "department": "D1", "role": "field"},
    {"rep_id": "R2", "name": "Ben", "team": "North", "department": "D1", "role": "field"},
    {"rep_id": "R3", "name": "Cy", "team": "South", "department": "D2", "role": "field"}]
_TD_CUSTOMERS = [{"customer_id": "C01", "segment": "SMB", "territory": "West"},
                 {"customer_id": "C02", "segment": "Enterprise", "territory": "East"}]
_TD_PRODUCTS = [{"product": "Widget"}, {"product": "Gadget"}]


def _td_deal(i, rep, outcome, closed, amount, customer, product):
    return opp(i, rep, "2024-01-10", outcome, closed, amount, customer=customer,
               product=product)


_TD_DEALS = [_td_deal(1, "R1", "won", "2025-03-05", 400, "C01", "Widget"),
             _td_deal(2, "R1", "won", "2025-03-10", 600, "C02", "Gadget"),
             _td_deal(3, "R1", "lost", "2025-03-12", 200, "C01", "Widget"),
             _td_deal(4, "R2", "won", "2025-03-20", 300, "C01", "Widget"),
             _td_deal(5, "R2", "won", "2025-02-15", 500, "C02", "Gadget"),
             _td_deal(6, "R3", "won", "2025-03-03", 1000, "C02", "Widget"),
             _td_deal(7, "R3", "lost", "2025-03-25", 100, "C01", "Gadget"),
             _td_deal(8, "R1", "won", "2024-03-15", 250, "C01", "Widget")]
_TD_ACTIVITIES = [act(1, "R1", "visit", "2025-03-02", "C01"),
                  act(2, "R1", "visit", "2025-03-04", "C02"),
                  act(3, "R1", "call", "2025-03-06", "C01"),
                  act(4, "R1", "call", "2025-03-07", "C02", status="cancelled"),
                  act(5, "R2", "call", "2024-01-15", "C01")]
_TD_TARGETS = [*revenue_targets(("2025-03", "R1", 800), ("2025-03", "R2", 500),
                                ("2025-03", "R3", 900)),
               {"period": "2025-03", "scope_level": "team", "scope_id": "North",
                "metric": "revenue", "value": 1500}]


def two_departments(as_of="2025-03-31"):
    """The workbook of the tables above, dated ``as_of``."""
    return build(as_of=as_of, reps=_TD_REPS, customers=_TD_CUSTOMERS,
                 products=_TD_PRODUCTS, opportunities=_TD_DEALS, activities=_TD_ACTIVITIES,
                 targets=_TD_TARGETS)
