"""Realistic demo data, deterministic by seed, with planted patterns to find.

``generate()`` returns one DataFrame per canonical table. Everything is drawn
with NumPy in whole arrays, so the benchmark size (1,000 reps, about ten
million activities) takes minutes, not hours.

Planted patterns (``planted(reps)`` names where each one is):

contact_inflater
    An inside rep who logs many more activities than peers by touching the same
    eight prospects again and again, and finds few new prospects: the most
    touches per unique prospect.
sawtooth_prospector
    A field rep who prospects hard in odd months and almost not at all in even
    months (new prospects and new opportunities x1.95 / x0.05): the highest
    week-to-week variation of new prospects.
referral_star
    A field rep who asks for introductions every week (3 referral requests a
    week against 0.3) and draws 55% of opportunities from referrals, 80% of which
    are won: the best referral conversion and share of pipeline from referrals.
win_rate_collapse
    A field rep whose Mid-Market deals closing in one quarter (the second-last
    full quarter of the range) are all lost.
stalled_pipeline
    A field rep who lets deals drift: 60% of the deals that should have closed
    stay open past their expected close date, mostly with no next step or an
    overdue one, and nothing logged against them.
complaints_territory
    The territory East, whose complaints rise steadily over the last 26 weeks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InvalidArgumentError

__all__ = ["generate", "planted", "export_date", "write_tables", "MIN_REPS", "STAGES"]

MIN_REPS = 12
TERRITORIES = ("North", "South", "East", "West", "Central")
SEGMENTS = ("SMB", "Mid-Market", "Enterprise")
SEGMENT_SHARE = (0.55, 0.30, 0.15)
SEGMENT_DEAL = (6_000.0, 24_000.0, 90_000.0)  # median deal size
SEGMENT_CYCLE = (25.0, 45.0, 80.0)  # median days from creation to close
INDUSTRIES = ("Manufacturing", "Retail", "Healthcare", "Logistics", "Software", "Finance")
SOURCES = ("referral", "inbound", "outbound", "partner", "event")
SOURCE_WIN = np.array([0.55, 0.32, 0.18, 0.30, 0.20])
OTHER_SOURCE_SHARE = np.array([0.0, 0.33, 0.45, 0.14, 0.08])
LOST_REASONS = ("price", "competitor", "no decision", "timing", "no budget")
STAGES = pd.DataFrame({
    "stage": ["lead", "qualified", "proposal", "negotiation", "won", "lost"],
    "position": [1, 2, 3, 4, 5, 6],
    "probability": [0.10, 0.25, 0.50, 0.75, 1.0, 0.0],
    "is_closed": [False, False, False, False, True, True],
    "is_won": [False, False, False, False, True, False],
})
OPEN_STAGES = ("lead", "qualified", "proposal", "negotiation")
STAGE_AT = np.array([0.0, 0.2, 0.45, 0.7])  # share of the cycle at which each open stage starts
PRODUCTS = pd.DataFrame({
    "product": ["Core", "Core Plus", "Analytics", "Analytics Pro", "Service Basic",
                "Service Premium"],
    "product_line": ["Platform", "Platform", "Analytics", "Analytics", "Services", "Services"],
    "list_price": [5_000.0, 12_000.0, 8_000.0, 20_000.0, 3_000.0, 9_000.0],
})
FIRST_NAMES = ("Ana", "Ben", "Chloe", "David", "Elena", "Farid", "Grace", "Hugo", "Iris",
               "Jonas", "Kira", "Luis", "Maya", "Noah", "Olga", "Pablo", "Quinn", "Rosa",
               "Sam", "Tara", "Umar", "Vera", "Will", "Yara", "Zoe")
LAST_NAMES = ("Lopez", "Smith", "Novak", "Rossi", "Meyer", "Khan", "Dubois", "Silva",
              "Berg", "Costa", "Jensen", "Moreau", "Ito", "Kowalski", "Walsh")

# rep index of each planted pattern; roles are fixed by index (every third rep is inside)
_PLANTED_INDEX = {"contact_inflater": 3, "sawtooth_prospector": 4, "referral_star": 7,
                  "win_rate_collapse": 8, "stalled_pipeline": 10}
COLLAPSE_SEGMENT = "Mid-Market"


def _rep_ids(n: int) -> list[str]:
    width = max(3, len(str(n)))
    return [f"R{i + 1:0{width}d}" for i in range(n)]


def planted(reps: int = 24) -> dict[str, str]:
    """Where each planted pattern is: pattern name -> rep_id (or territory)."""
    ids = _rep_ids(reps)
    out = {name: ids[i] for name, i in _PLANTED_INDEX.items()}
    out["complaints_territory"] = "East"
    return out


def export_date(start: str = "2024-01-01", weeks: int = 104) -> pd.Timestamp:
    """The day the demo export is taken: ``weeks`` weeks after ``start``."""
    return pd.Timestamp(start) + pd.Timedelta(weeks=weeks)


def write_tables(tables: dict[str, pd.DataFrame], folder, *, format: str = "csv") -> list:
    """Write each table to ``folder/<table>.csv`` (or ``.parquet``); returns the paths."""
    from pathlib import Path

    if format not in ("csv", "parquet"):
        raise InvalidArgumentError(f"format must be 'csv' or 'parquet', got {format!r}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in tables.items():
        path = folder / f"{name}.{format}"
        if format == "csv":
            frame.to_csv(path, index=False)
        else:
            frame.to_parquet(path, index=False)
        paths.append(path)
    return paths


def _ids(prefix: str, n: int, start: int = 1) -> pd.Series:
    width = max(6, len(str(n + start)))
    text = pc.utf8_lpad(pc.cast(pa.array(np.arange(start, start + n)), pa.string()), width, "0")
    joined = pc.binary_join_element_wise(pa.scalar(prefix), text, "")
    return pd.Series(joined.to_pandas(), dtype="string[pyarrow]")


def _in_week(rng, week_start: np.ndarray) -> np.ndarray:
    """A working-day, working-hour moment in the week starting at each given Monday."""
    n = len(week_start)
    offset = (rng.integers(0, 5, n) * 86_400 + rng.integers(8 * 3600, 18 * 3600, n)) * 1_000_000
    return week_start + offset.astype("timedelta64[us]")


def _recent(rng, cum: np.ndarray, scale: float) -> np.ndarray:
    """An index into a rep's prospects, favouring the recently found ones."""
    back = np.floor(rng.exponential(scale, len(cum))).astype(np.int64)
    return np.clip(cum - 1 - back, 0, None)


def _reps(rng, n: int, start: pd.Timestamp) -> tuple[pd.DataFrame, dict]:
    ids = _rep_ids(n)
    idx = np.arange(n)
    inside = idx % 3 == 0
    territory = np.array(TERRITORIES)[idx % len(TERRITORIES)]
    team = np.where(inside, np.where(idx % 2 == 0, "Inside 1", "Inside 2"),
                    np.char.add("Field ", territory))
    department = np.where(inside, "Inside Sales", "Field Sales")
    teams = sorted(set(team))
    manager_of = {t: f"M{i + 1:02d}" for i, t in enumerate(teams)}
    names = [f"{FIRST_NAMES[i % len(FIRST_NAMES)]} {LAST_NAMES[(i * 7 + i // 25) % len(LAST_NAMES)]}"
             for i in idx]
    reps = pd.DataFrame({
        "rep_id": ids, "name": names, "team": team, "department": department,
        "role": np.where(inside, "inside", "field"),
        "manager_id": [manager_of[t] for t in team], "territory": territory,
        "active_from": (start - pd.to_timedelta(rng.integers(30, 900, n), unit="D")).normalize(),
        "active_to": pd.NaT,
    })
    managers = pd.DataFrame({
        "rep_id": [manager_of[t] for t in teams],
        "name": [f"{FIRST_NAMES[(i + 11) % 25]} {LAST_NAMES[(i + 3) % 15]}" for i in range(len(teams))],
        "team": teams,
        "department": ["Inside Sales" if t.startswith("Inside") else "Field Sales" for t in teams],
        "role": None, "manager_id": None,
        "territory": [t.removeprefix("Field ") if t.startswith("Field") else None for t in teams],
        "active_from": start - pd.Timedelta(days=1500), "active_to": pd.NaT,
    })
    return pd.concat([managers, reps], ignore_index=True), {"inside": inside, "territory": territory}


def _monthly_wave(week_starts: pd.DatetimeIndex) -> np.ndarray:
    """x1.95 in odd months, x0.05 in even months: the sawtooth prospector's rhythm."""
    return np.where(week_starts.month % 2 == 1, 1.95, 0.05)


def generate(*, reps: int = 24, weeks: int = 104, seed: int = 0, start: str = "2024-01-01",
             activities_per_week: float = 60.0, opportunities_per_week: float = 2.5
             ) -> dict[str, pd.DataFrame]:
    """Demo tables for ``reps`` reps over ``weeks`` weeks from the Monday ``start``.

    The data date (the day the export was taken) is ``start + weeks`` weeks; a
    few activities are planned after it. Same arguments, same tables.
    """
    if reps < MIN_REPS:
        raise InvalidArgumentError(f"reps must be at least {MIN_REPS} (the planted patterns need them), "
                         f"got {reps}")
    if weeks < 30:
        raise InvalidArgumentError(f"weeks must be at least 30 (two quarters and some), got {weeks}")
    rng = np.random.default_rng(seed)
    start_ts = pd.Timestamp(start)
    if start_ts.day_of_week != 0:
        raise InvalidArgumentError(f"start must be a Monday, got {start_ts.date()} ({start_ts.day_name()})")
    data_date = export_date(start, weeks)
    week_starts = pd.date_range(start_ts, periods=weeks, freq="7D")
    week_np = week_starts.values.astype("datetime64[us]")
    rep_table, rep_info = _reps(rng, reps, start_ts)
    rep_ids = np.array(_rep_ids(reps))
    inside = rep_info["inside"]
    p = _PLANTED_INDEX

    # -- prospecting: new prospects per rep and week; each one becomes a customer --------
    new_rate = np.full(reps, activities_per_week / 20) * rng.uniform(0.7, 1.3, reps)
    new_rate[p["contact_inflater"]] *= 0.6
    rate_rw = np.repeat(new_rate[:, None], weeks, axis=1)
    rate_rw[p["sawtooth_prospector"]] *= _monthly_wave(week_starts)
    n_new = rng.poisson(rate_rw)
    n_new[:, 0] += 8  # the book each rep starts with
    cum_new = np.cumsum(n_new, axis=1)
    rep_offset = np.concatenate([[0], np.cumsum(cum_new[:, -1])[:-1]])
    n_customers = int(cum_new[:, -1].sum())
    cust_rep = np.repeat(np.arange(reps), cum_new[:, -1])
    cust_ids = _ids("C", n_customers)
    seg_idx = rng.choice(3, n_customers, p=SEGMENT_SHARE)
    customers = pd.DataFrame({
        "customer_id": cust_ids,
        "name": [f"Customer {i:05d}" for i in range(1, n_customers + 1)] if n_customers < 100_000
        else _ids("Customer ", n_customers),
        "segment": np.array(SEGMENTS)[seg_idx],
        "territory": rep_info["territory"][cust_rep],
        "industry": np.array(INDUSTRIES)[rng.integers(0, len(INDUSTRIES), n_customers)],
    })
    cust_territory = rep_info["territory"][cust_rep]

    # contacts: 1 to 3 per customer, the first one a decision maker half of the time
    n_contacts_per = rng.integers(1, 4, n_customers)
    contact_cust = np.repeat(np.arange(n_customers), n_contacts_per)
    first_contact = np.concatenate([[0], np.cumsum(n_contacts_per)[:-1]])
    position = np.arange(len(contact_cust)) - first_contact[contact_cust]
    is_dm = np.where(position == 0, rng.random(len(contact_cust)) < 0.5,
                     rng.random(len(contact_cust)) < 0.2)
    contacts = pd.DataFrame({
        "contact_id": _ids("P", len(contact_cust)),
        "customer_id": cust_ids.values[contact_cust],
        "name": [f"{FIRST_NAMES[i % 25]} {LAST_NAMES[(i // 25) % 15]}"
                 for i in range(len(contact_cust))],
        "is_decision_maker": is_dm,
    })

    def pick_contact(cust: np.ndarray) -> np.ndarray:
        return first_contact[cust] + (rng.random(len(cust)) * n_contacts_per[cust]).astype(np.int64)

    # -- opportunities ------------------------------------------------------------------
    opp_rate = np.full(reps, opportunities_per_week) * rng.uniform(0.7, 1.3, reps)
    opp_rate[inside] *= 0.7
    orate_rw = np.repeat(opp_rate[:, None], weeks, axis=1)
    orate_rw[p["sawtooth_prospector"]] *= _monthly_wave(week_starts)
    n_opp_rw = rng.poisson(orate_rw)
    o_rep = np.repeat(np.repeat(np.arange(reps), weeks), n_opp_rw.ravel())
    o_week = np.repeat(np.tile(np.arange(weeks), reps), n_opp_rw.ravel())
    n_opp = len(o_rep)
    o_cust = rep_offset[o_rep] + _recent(rng, cum_new[o_rep, o_week], 6.0)
    o_seg = seg_idx[o_cust]
    created = _in_week(rng, week_np[o_week])
    ref_share = np.where(np.arange(reps) == p["referral_star"], 0.55, 0.12)
    is_ref = rng.random(n_opp) < ref_share[o_rep]
    other_src = rng.choice(len(SOURCES), n_opp, p=OTHER_SOURCE_SHARE)
    o_src = np.where(is_ref, 0, other_src)
    skill = rng.uniform(0.8, 1.2, reps)
    skill[p["referral_star"]] = 1.25
    p_win = np.clip(SOURCE_WIN[o_src] * skill[o_rep], 0, 0.95)
    # introductions convert: 80% of the referral star's referral deals are won
    p_win = np.where((o_rep == p["referral_star"]) & (o_src == 0), 0.80, p_win)
    cycle_days = np.array(SEGMENT_CYCLE)[o_seg] * rng.lognormal(0, 0.45, n_opp)
    cycle = (np.round(cycle_days * 86_400) * 1e6).astype("timedelta64[us]")
    close_at = created + cycle
    # the collapse: Mid-Market deals of one rep closing in the second-last full quarter
    quarters = pd.period_range(start_ts, data_date - pd.Timedelta(days=1), freq="Q")
    full = [q for q in quarters if q.end_time < data_date]
    collapse_q = full[-2]
    close_q = pd.PeriodIndex(pd.DatetimeIndex(close_at), freq="Q")
    in_collapse = ((o_rep == p["win_rate_collapse"]) & (o_seg == SEGMENTS.index(COLLAPSE_SEGMENT))
                   & (close_q == collapse_q))
    p_win = np.where(in_collapse, 0.0, p_win)
    closes = close_at <= data_date.to_datetime64()
    stalled = (o_rep == p["stalled_pipeline"]) & closes & (rng.random(n_opp) < 0.6)
    closes &= ~stalled
    won = closes & (rng.random(n_opp) < p_win)
    lost = closes & ~won
    product_idx = rng.choice(len(PRODUCTS), n_opp, p=[0.25, 0.2, 0.15, 0.1, 0.2, 0.1])
    list_price = PRODUCTS["list_price"].to_numpy()[product_idx]
    size = np.array(SEGMENT_DEAL)[o_seg] * rng.lognormal(0, 0.5, n_opp) * list_price / 8_000
    list_amount = np.round(size, -1)
    discount = rng.beta(2, 12, n_opp)
    amount = np.round(list_amount * (1 - discount), 0)

    # the stage each deal reached: won deals pass all, lost ones stop at random
    elapsed = np.clip((data_date.to_datetime64() - created) / cycle, 0, None)
    open_stage = np.searchsorted(STAGE_AT, elapsed, side="right") - 1
    open_stage = np.where(stalled, rng.integers(1, 3, n_opp), open_stage)
    lost_stage = rng.integers(0, 4, n_opp)
    reached = np.where(won, 3, np.where(lost, lost_stage, open_stage))
    stage_names = np.array(OPEN_STAGES)
    final_stage = np.where(won, "won", np.where(lost, "lost", stage_names[reached]))
    offer_at = np.where(reached >= 2, created + (cycle * STAGE_AT[2]).astype("timedelta64[us]"),
                        np.datetime64("NaT"))
    is_open = ~won & ~lost
    normal_step = rng.random(n_opp) < 0.95
    stalled_step = rng.random(n_opp) < 0.3
    has_step = is_open & np.where(stalled, stalled_step, normal_step)
    step_due = np.where(
        stalled, data_date.to_datetime64() - rng.integers(10, 60, n_opp).astype("timedelta64[D]"),
        data_date.to_datetime64() + rng.integers(1, 15, n_opp).astype("timedelta64[D]"))
    expected_close = np.where(is_open & ~stalled & (close_at < data_date.to_datetime64()),
                              data_date.to_datetime64() + rng.integers(7, 45, n_opp).astype(
                                  "timedelta64[D]").astype("timedelta64[us]"), close_at)
    steps = np.array(["Follow-up call", "Send proposal", "Book demo", "Meet decision maker",
                      "Agree terms"])
    opp_ids = _ids("O", n_opp)
    opportunities = pd.DataFrame({
        "opportunity_id": opp_ids,
        "rep_id": rep_ids[o_rep],
        "customer_id": cust_ids.values[o_cust],
        "product": PRODUCTS["product"].to_numpy()[product_idx],
        "source": np.array(SOURCES)[o_src],
        "created_at": created,
        "stage": final_stage,
        "amount": amount,
        "list_amount": list_amount,
        "expected_close": pd.DatetimeIndex(expected_close).normalize(),
        "next_step": np.where(has_step, steps[rng.integers(0, len(steps), n_opp)], None),
        "next_step_due": pd.DatetimeIndex(np.where(has_step, step_due, np.datetime64("NaT")))
        .normalize(),
        "offer_sent_at": offer_at,
        "closed_at": np.where(closes, close_at, np.datetime64("NaT")),
        "outcome": np.where(won, "won", np.where(lost, "lost", "open")),
        "lost_reason": np.where(lost, np.array(LOST_REASONS)[
            rng.choice(5, n_opp, p=[0.3, 0.25, 0.2, 0.15, 0.1])], None),
    })

    # history: one row per stage entered, then the closing stage
    h_opp = np.repeat(np.arange(n_opp), reached + 1)
    h_stage = np.arange(len(h_opp)) - np.repeat(np.concatenate([[0], np.cumsum(reached + 1)[:-1]]),
                                                reached + 1)
    h_at = created[h_opp] + (cycle[h_opp] * STAGE_AT[h_stage]).astype("timedelta64[us]")
    closed_rows = np.flatnonzero(closes)
    # a quarter of the deals that closed were first expected 1 to 4 weeks earlier and
    # pushed once when that date passed (own generator: the other tables stay as they were)
    slip_rng = np.random.default_rng([seed, 1])
    first_close = close_at - slip_rng.integers(7, 29, n_opp).astype(
        "timedelta64[D]").astype("timedelta64[us]")
    slipped = closes & (slip_rng.random(n_opp) < 0.25) & (first_close > created)
    h_close = np.where(slipped[h_opp] & (h_at < first_close[h_opp]), first_close[h_opp],
                       close_at[h_opp])
    pushes = np.flatnonzero(slipped)
    history = pd.DataFrame({
        "opportunity_id": np.concatenate([opp_ids.values[h_opp], opp_ids.values[closed_rows]]),
        "changed_at": np.concatenate([h_at, close_at[closed_rows]]),
        "stage": np.concatenate([stage_names[h_stage], final_stage[closed_rows]]),
        "amount": np.concatenate([amount[h_opp], amount[closed_rows]]),
        "expected_close": pd.DatetimeIndex(np.concatenate(
            [h_close, close_at[closed_rows]])).normalize(),
        "kind": "change",
    })
    history = pd.concat([history, pd.DataFrame({
        "opportunity_id": opp_ids.values[pushes], "changed_at": first_close[pushes],
        "stage": None, "amount": np.nan,
        "expected_close": pd.DatetimeIndex(close_at[pushes]).normalize(), "kind": "change",
    })], ignore_index=True)
    # stalled deals keep their first expected close; the rest of the open book was pushed once
    pushed = np.flatnonzero(is_open & ~stalled & (close_at < data_date.to_datetime64()))
    history = pd.concat([history, pd.DataFrame({
        "opportunity_id": opp_ids.values[pushed],
        "changed_at": close_at[pushed],
        "stage": final_stage[pushed],
        "amount": amount[pushed],
        "expected_close": pd.DatetimeIndex(expected_close[pushed]).normalize(),
        "kind": "change",
    })], ignore_index=True)

    # -- activities ------------------------------------------------------------------------
    act_rate = np.full(reps, activities_per_week) * rng.uniform(0.8, 1.2, reps)
    act_rate[p["contact_inflater"]] *= 1.6
    n_act_rw = np.maximum(rng.poisson(np.repeat(act_rate[:, None], weeks, axis=1)), n_new)
    flat_n = n_act_rw.ravel()
    a_rep = np.repeat(np.repeat(np.arange(reps), weeks), flat_n)
    a_week = np.repeat(np.tile(np.arange(weeks), reps), flat_n)
    # the first n_new activities of each rep-week open a new prospect, in order of discovery
    k = np.arange(len(a_rep)) - np.repeat(np.concatenate([[0], np.cumsum(flat_n)[:-1]]), flat_n)
    new_before = (cum_new - n_new)[a_rep, a_week]
    is_first = k < n_new[a_rep, a_week]
    follow_idx = _recent(rng, cum_new[a_rep, a_week], 25.0)
    inflater = a_rep == p["contact_inflater"]
    follow_idx = np.where(inflater, rng.integers(0, 8, len(a_rep)), follow_idx)
    a_cust = rep_offset[a_rep] + np.where(is_first, new_before + k, follow_idx)
    a_inside = inside[a_rep]
    u = rng.random(len(a_rep))
    inside_type = np.select([u < 0.60, u < 0.95, u < 0.98], ["call", "email", "meeting"], "demo")
    field_type = np.select([u < 0.30, u < 0.50, u < 0.75, u < 0.95],
                           ["visit", "meeting", "call", "email"], "demo")
    first_type = np.where(a_inside, "call", np.where(u < 0.5, "visit", "call"))
    a_type = np.where(is_first, first_type, np.where(a_inside, inside_type, field_type))
    # referral requests, planned activities for the week after the data date
    ref_rate = np.where(np.arange(reps) == p["referral_star"], 3.0, 0.3)
    n_ref_rw = rng.poisson(np.repeat(ref_rate[:, None], weeks, axis=1)).ravel()
    r_rep = np.repeat(np.repeat(np.arange(reps), weeks), n_ref_rw)
    r_week = np.repeat(np.tile(np.arange(weeks), reps), n_ref_rw)
    r_cust = rep_offset[r_rep] + _recent(rng, cum_new[r_rep, r_week], 10.0)
    n_plan = rng.poisson(act_rate * 0.8)
    pl_rep = np.repeat(np.arange(reps), n_plan)
    pl_cust = rep_offset[pl_rep] + _recent(rng, cum_new[pl_rep, -1], 10.0)
    pl_type = np.where(inside[pl_rep], "call", "visit")
    # deal activities: a meeting when the deal opens, a demo for most, a meeting at the offer
    has_demo = rng.random(n_opp) < 0.6
    d_opp = np.concatenate([np.arange(n_opp), np.flatnonzero(has_demo),
                            np.flatnonzero(~np.isnat(offer_at))])
    d_type = np.concatenate([np.full(n_opp, "meeting"), np.full(has_demo.sum(), "demo"),
                             np.full(len(d_opp) - n_opp - has_demo.sum(), "meeting")])
    d_at = np.concatenate([
        created, created[has_demo] + rng.integers(2, 12, has_demo.sum()).astype(
            "timedelta64[D]").astype("timedelta64[us]"),
        offer_at[~np.isnat(offer_at)]])

    all_rep = np.concatenate([a_rep, r_rep, pl_rep, o_rep[d_opp]])
    all_cust = np.concatenate([a_cust, r_cust, pl_cust, o_cust[d_opp]])
    all_type = np.concatenate([a_type, np.full(len(r_rep), "referral_request"), pl_type, d_type])
    all_at = np.concatenate([_in_week(rng, week_np[a_week]), _in_week(rng, week_np[r_week]),
                             _in_week(rng, np.full(len(pl_rep), data_date.to_datetime64(),
                                                   dtype="datetime64[us]")), d_at])
    all_opp = np.concatenate([np.full(len(a_rep) + len(r_rep) + len(pl_rep), -1), d_opp])
    n_all = len(all_rep)
    future = all_at >= data_date.to_datetime64()
    v = rng.random(n_all)
    status = np.where(future, "planned", np.select([v < 0.91, v < 0.95], ["done", "cancelled"],
                                                   "planned"))
    is_call = all_type == "call"
    connected = is_call & (rng.random(n_all) < np.where(inside[all_rep], 0.35, 0.5))
    outcome = np.where(is_call, np.where(connected, "connected", np.where(
        rng.random(n_all) < 0.6, "no_answer", "voicemail")), None)
    base_duration = {"call": 0, "meeting": 3600, "visit": 5400, "demo": 2700}
    duration = np.select([all_type == t for t in base_duration],
                         [np.full(n_all, float(d)) for d in base_duration.values()], np.nan)
    duration = np.where(connected, np.round(rng.lognormal(np.log(240), 0.6, n_all)),
                        np.where(is_call, np.round(rng.uniform(5, 40, n_all)),
                                 duration * rng.uniform(0.6, 1.3, n_all).round(2)))
    duration = np.where(status == "done", duration, np.nan)
    outcome = np.where(status == "done", outcome, None)
    order = np.lexsort((all_at, all_rep))
    activities = pd.DataFrame({
        "activity_id": _ids("A", n_all),
        "rep_id": rep_ids[all_rep[order]],
        "activity_type": all_type[order],
        "occurred_at": all_at[order],
        "status": status[order],
        "customer_id": cust_ids.values[all_cust[order]],
        "contact_id": contacts["contact_id"].values[pick_contact(all_cust[order])],
        "opportunity_id": np.where(all_opp[order] >= 0, opp_ids.values[np.maximum(all_opp[order], 0)],
                                   None),
        "duration_s": duration[order],
        "outcome": outcome[order],
    })

    orders, feedback = _orders_and_feedback(rng, opportunities, won, o_cust, cust_territory,
                                            data_date, reps)
    targets = _targets(rep_table, opportunities, activities, customers, start_ts, data_date)
    return {
        "reps": rep_table, "customers": customers, "contacts": contacts,
        "stages": STAGES.copy(), "products": PRODUCTS.copy(),
        "opportunities": opportunities, "opportunity_history": history,
        "activities": activities, "targets": targets, "orders": orders,
        "feedback": feedback,
    }


def _orders_and_feedback(rng, opps, won, o_cust, cust_territory, data_date, reps):
    end = data_date.to_datetime64()
    w = np.flatnonzero(won)
    n = len(w)
    day = lambda a: a.astype("timedelta64[D]").astype("timedelta64[us]")  # noqa: E731
    closed = opps["closed_at"].to_numpy()[w].astype("datetime64[us]")
    ordered = np.minimum(closed + day(rng.integers(0, 6, n)), end - np.timedelta64(1, "D"))
    ordered = ordered.astype("datetime64[D]").astype("datetime64[us]")
    promised = ordered + day(rng.integers(10, 31, n))
    late = rng.random(n) < 0.2
    delivered = promised + day(np.where(late, rng.integers(3, 21, n), -rng.integers(0, 4, n)))
    delivered_known = delivered <= end
    invoiced = delivered + day(rng.integers(0, 8, n))
    invoiced_known = delivered_known & (invoiced <= end)
    orders = pd.DataFrame({
        "order_id": _ids("SO", n),
        "customer_id": opps["customer_id"].to_numpy()[w],
        "rep_id": opps["rep_id"].to_numpy()[w],
        "product": opps["product"].to_numpy()[w],
        "ordered_at": ordered,
        "amount": opps["amount"].to_numpy()[w],
        "status": np.where(invoiced_known, "invoiced",
                           np.where(delivered_known, "delivered", "open")),
        "promised_at": promised,
        "delivered_at": np.where(delivered_known, delivered, np.datetime64("NaT")),
        "invoiced_at": np.where(invoiced_known, invoiced, np.datetime64("NaT")),
    })
    # surveys after 35% of deliveries, lower after a late one; complaints after some
    d = np.flatnonzero(delivered_known)
    survey = d[rng.random(len(d)) < 0.35]
    score = np.clip(np.round(rng.normal(8.2, 1.3, len(survey)) - 1.5 * late[survey]), 1, 10)
    complain = d[rng.random(len(d)) < np.where(late[d], 0.10, 0.03)]
    # East's complaints ramp up over the last 26 weeks, about its deliveries of the last year
    ramp_weeks = np.arange(26)
    year_ago = end - np.timedelta64(364, "D").astype("timedelta64[us]")
    recent = delivered_known & (delivered >= year_ago)
    east = np.flatnonzero((cust_territory[o_cust[w]] == "East") & recent)
    lam = (ramp_weeks + 1) / 26 * 3.0 * reps / 24
    n_east = rng.poisson(lam)
    east_pick = east[rng.integers(0, max(len(east), 1), n_east.sum())] if len(east) else []
    east_at = (end - np.timedelta64(26 * 7, "D").astype("timedelta64[us]")
               + day(np.repeat(ramp_weeks * 7, n_east) + rng.integers(0, 5, n_east.sum())))
    idx = np.concatenate([survey, complain, east_pick]).astype(np.int64)
    kind = np.concatenate([np.full(len(survey), "survey"), np.full(len(complain), "complaint"),
                           np.full(len(east_pick), "complaint")])
    at = np.concatenate([delivered[survey] + day(rng.integers(3, 21, len(survey))),
                         delivered[complain] + day(rng.integers(1, 30, len(complain))),
                         east_at])
    at = at + (rng.integers(8 * 3600, 18 * 3600, len(at)) * 1_000_000).astype("timedelta64[us]")
    keep = at < end
    resolve = at + (rng.lognormal(np.log(5), 0.7, len(at)) * 86_400e6).astype("timedelta64[us]")
    is_complaint = kind == "complaint"
    feedback = pd.DataFrame({
        "customer_id": orders["customer_id"].to_numpy()[idx],
        "rep_id": orders["rep_id"].to_numpy()[idx],
        "received_at": at,
        "kind": kind,
        "score": np.concatenate([score, np.full(len(idx) - len(survey), np.nan)]),
        "resolved_at": np.where(is_complaint & (resolve < end), resolve, np.datetime64("NaT")),
    })[keep]
    feedback = feedback.drop_duplicates(["customer_id", "received_at", "kind"])
    return orders, feedback.sort_values("received_at", kind="stable").reset_index(drop=True)


def _targets(reps, opps, acts, customers, start, data_date) -> pd.DataFrame:
    """Monthly targets a little above each rep's own average; quarterly and team sums."""
    sellers = reps[reps["role"].notna()]
    months = pd.period_range(start, data_date - pd.Timedelta(days=1), freq="M")
    won = opps[opps["outcome"] == "won"]
    done = acts[acts["status"] == "done"]
    per_month = {
        "revenue": won.groupby("rep_id")["amount"].sum(),
        "offers_submitted": opps[opps["offer_sent_at"].notna()].groupby("rep_id").size(),
        "new_opportunities": opps.groupby("rep_id").size(),
        "calls": done[done["activity_type"] == "call"].groupby("rep_id").size(),
        "visits": done[done["activity_type"] == "visit"].groupby("rep_id").size(),
    }
    rows = []
    uplift = 1.1
    for metric, totals in per_month.items():
        monthly = (totals.reindex(sellers["rep_id"]).fillna(0) / len(months) * uplift)
        if metric in ("calls", "visits"):
            role = "inside" if metric == "calls" else "field"
            monthly = monthly[sellers.set_index("rep_id")["role"] == role]
        monthly = monthly.round(0 if metric != "revenue" else -2)
        for m in months:
            rows.append(pd.DataFrame({"period": str(m), "scope_level": "rep",
                                      "scope_id": monthly.index, "metric": metric,
                                      "value": monthly.to_numpy()}))
    rep_targets = pd.concat(rows, ignore_index=True)
    revenue = rep_targets[rep_targets["metric"] == "revenue"]
    quarter = pd.PeriodIndex(revenue["period"], freq="M").asfreq("Q").astype(str)
    quarterly = (revenue.assign(period=quarter.str.replace("Q", "-Q"))
                 .groupby(["period", "scope_level", "scope_id", "metric"], as_index=False)["value"]
                 .sum())
    team_of = sellers.set_index("rep_id")["team"]
    dept_of = sellers.set_index("rep_id")["department"]
    levels = []
    for level, of in (("team", team_of), ("department", dept_of)):
        levels.append(rep_targets.assign(scope_id=rep_targets["scope_id"].map(of),
                                         scope_level=level)
                      .groupby(["period", "scope_level", "scope_id", "metric"], as_index=False)
                      ["value"].sum())
    return pd.concat([rep_targets, quarterly, *levels], ignore_index=True)
