"""The demo is deterministic and each planted pattern is in the tables (plain pandas)."""

import pandas as pd
import pytest

from salesanalysis import demo

WHERE = demo.planted(24)


@pytest.fixture(scope="module")
def tables():
    return demo.generate(reps=24, weeks=104, seed=0)


def sellers(tables):
    reps = tables["reps"]
    return reps[reps["role"].notna()]


def test_same_seed_same_tables_other_seed_other_tables(tables):
    again = demo.generate(reps=24, weeks=104, seed=0)
    for name in tables:
        pd.testing.assert_frame_equal(tables[name], again[name], obj=name)
    other = demo.generate(reps=24, weeks=104, seed=1)
    assert not other["activities"]["occurred_at"].equals(tables["activities"]["occurred_at"])


def test_shape_of_the_default_demo(tables):
    s = sellers(tables)
    assert len(s) == 24 and set(s["role"]) == {"inside", "field"}
    assert s["manager_id"].isin(tables["reps"]["rep_id"]).all()
    acts = tables["activities"]
    assert set(acts["activity_type"]) >= {"call", "email", "meeting", "visit", "demo",
                                          "referral_request"}
    assert set(acts["status"]) == {"done", "planned", "cancelled"}
    assert (acts["occurred_at"] >= demo.export_date()).sum() > 0  # the plan for next week
    assert set(tables["opportunities"]["outcome"]) == {"open", "won", "lost"}
    assert set(tables["feedback"]["kind"]) == {"survey", "complaint"}
    assert set(tables["targets"]["scope_level"]) == {"rep", "team", "department"}


def test_contact_inflater_has_most_touches_per_unique_prospect(tables):
    done = tables["activities"][tables["activities"]["status"] == "done"]
    touches = done.groupby("rep_id").size() / done.groupby("rep_id")["customer_id"].nunique()
    assert touches.idxmax() == WHERE["contact_inflater"]
    assert touches.max() > 1.5 * touches.drop(WHERE["contact_inflater"]).max()


def test_sawtooth_prospector_has_the_most_variable_weekly_prospecting(tables):
    acts = tables["activities"].sort_values("occurred_at")
    first = acts.drop_duplicates("customer_id")
    weekly = (first.groupby(["rep_id", pd.Grouper(key="occurred_at", freq="W-MON")]).size()
              .unstack(fill_value=0).iloc[:, 2:-2])  # skip the opening book and the plan
    cv = weekly.std(axis=1) / weekly.mean(axis=1)
    assert cv.idxmax() == WHERE["sawtooth_prospector"]


def test_referral_star_asks_most_and_converts_referrals_best(tables):
    acts, opps = tables["activities"], tables["opportunities"]
    asks = acts[acts["activity_type"] == "referral_request"].groupby("rep_id").size()
    assert asks.idxmax() == WHERE["referral_star"]
    closed = opps[opps["outcome"] != "open"]
    share = opps.groupby("rep_id")["source"].apply(lambda s: (s == "referral").mean())
    assert share.idxmax() == WHERE["referral_star"]
    win_by_source = closed.groupby("source")["outcome"].apply(lambda s: (s == "won").mean())
    assert win_by_source.idxmax() == "referral"
    revenue = opps[opps["outcome"] == "won"].groupby("rep_id")["amount"].sum()
    assert revenue.rank(ascending=False)[WHERE["referral_star"]] <= 3


def test_win_rate_collapses_in_one_segment_and_quarter(tables):
    opps = tables["opportunities"].merge(tables["customers"][["customer_id", "segment"]])
    closed = opps[opps["outcome"] != "open"].assign(
        quarter=lambda d: d["closed_at"].dt.to_period("Q"))
    rep = closed[(closed["rep_id"] == WHERE["win_rate_collapse"])
                 & (closed["segment"] == demo.COLLAPSE_SEGMENT)]
    by_q = rep.groupby("quarter")["outcome"].apply(lambda s: (s == "won").mean())
    assert str(by_q.idxmin()) == "2025Q2"  # the second-last full quarter before 2025-12-29
    assert by_q.min() < 0.15 and by_q.drop(by_q.idxmin()).mean() > 3 * by_q.min()


def test_stalled_pipeline_rep_has_the_most_deals_without_a_live_next_step(tables):
    opps = tables["opportunities"]
    as_of = demo.export_date()
    open_ = opps[opps["outcome"] == "open"]
    stale = open_[open_["next_step"].isna() | (open_["next_step_due"] < as_of)
                  | (open_["expected_close"] < as_of)]
    share = stale.groupby("rep_id").size() / open_.groupby("rep_id").size()
    assert share.fillna(0).idxmax() == WHERE["stalled_pipeline"]
    assert share[WHERE["stalled_pipeline"]] > 0.5


def test_complaints_rise_in_one_territory(tables):
    fb = tables["feedback"].merge(tables["customers"][["customer_id", "territory"]])
    complaints = fb[fb["kind"] == "complaint"]
    half = demo.export_date() - pd.Timedelta(weeks=13)
    early = complaints[(complaints["received_at"] >= half - pd.Timedelta(weeks=13))
                       & (complaints["received_at"] < half)].groupby("territory").size()
    late = complaints[complaints["received_at"] >= half].groupby("territory").size()
    growth = late.sub(early, fill_value=0)
    assert growth.idxmax() == WHERE["complaints_territory"]


def test_too_few_reps_is_refused():
    with pytest.raises(ValueError, match="at least 12"):
        demo.generate(reps=5)
