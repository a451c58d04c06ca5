"""Facts (dated event tables) and the measures aggregated over them, as Ibis expressions.

A fact is a canonical table, filtered and enriched with derived columns (is this
the first contact with the customer? is the contact a decision maker?) and dated
by one column that decides which period an event belongs to. A measure is one
aggregate over a fact. KPIs are built from measures; measures of the same fact
are computed in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import ibis

__all__ = ["Fact", "Measure", "FACTS", "MEASURES", "CONNECTED_OUTCOMES", "FACE_TO_FACE",
           "SATISFIED_SCORE", "first_contact"]

# a call counts as connected when its outcome is one of these (after lower-casing)
CONNECTED_OUTCOMES = ("connected", "answered", "conversation", "reached")
# activities that meet the prospect: the denominator of "close rate per prospect met"
FACE_TO_FACE = ("meeting", "visit", "demo")
# a survey score at or above this (on a 0-10 scale) counts as satisfied
SATISFIED_SCORE = 8.0

DAY_S = 86_400


@dataclass(frozen=True)
class Fact:
    """A dated event table: ``build(workbook, needs)`` gives its rows as an Ibis table."""

    name: str
    table: str
    date: str
    build: Callable
    doc: str = ""
    dims: tuple[str, ...] = ()  # ``by`` values beyond the common ones it supports


@dataclass(frozen=True)
class Measure:
    """One aggregate over a fact. ``additive`` measures are 0 where nothing happened.
    ``unknown_where``: a count measure of the same fact; where it is above 0, this one
    is unknown (a sum over amounts some of which nobody entered)."""

    name: str
    fact: str
    agg: Callable
    needs: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    additive: bool = True
    extra_tables: dict = field(default_factory=dict)
    unknown_where: str | None = None


def first_contact(workbook) -> ibis.Table:
    """customer_id -> first_contact_at: the first done activity with each customer."""
    acts = workbook.table("activities")
    done = acts.filter((acts.status == "done") & acts.customer_id.notnull())
    return done.group_by("customer_id").agg(first_contact_at=done.occurred_at.min())


def _activities(workbook, needs) -> ibis.Table:
    return workbook.table("activities")


def _touches(workbook, needs) -> ibis.Table:
    acts = workbook.table("activities")
    t = acts.filter(acts.status == "done")
    if "is_new" in needs:
        first = first_contact(workbook)
        t = t.left_join(first, "customer_id").drop("customer_id_right")
        t = t.mutate(is_new=(t.occurred_at == t.first_contact_at).fill_null(False))
    if "is_dm" in needs:
        c = workbook.table("contacts").select("contact_id", "is_decision_maker")
        t = t.left_join(c, "contact_id").drop("contact_id_right")
        t = t.mutate(is_dm=t.is_decision_maker.fill_null(False))
    if needs & {"connected", "conversation", "is_dm"}:
        # outcomes are stored trimmed; lower-case only the calls' outcomes
        connected = ibis.ifelse(t.activity_type == "call",
                                t.outcome.lower().isin(CONNECTED_OUTCOMES), False)
        t = t.mutate(connected=connected.fill_null(False))
    if needs & {"conversation", "is_dm"}:
        t = t.mutate(conversation=t.connected | t.activity_type.isin(FACE_TO_FACE))
    return t


def _opportunities(column: str | None = None, closed: bool = False):
    def build(workbook, needs) -> ibis.Table:
        t = workbook.table("opportunities")
        if column:
            t = t.filter(t[column].notnull())
        if closed:
            t = t.filter(t.outcome.isin(("won", "lost")) & t.closed_at.notnull())
        if "cycle_days" in needs:
            t = t.mutate(cycle_days=(t.closed_at.epoch_seconds()
                                     - t.created_at.epoch_seconds()) / DAY_S)
        if "first_cycle_days" in needs:
            first = first_contact(workbook)
            t = t.left_join(first, "customer_id").drop("customer_id_right")
            began = ibis.least(t.created_at, t.first_contact_at.fill_null(t.created_at))
            t = t.mutate(first_cycle_days=(t.closed_at.epoch_seconds()
                                           - began.epoch_seconds()) / DAY_S)
        return t
    return build


def _dated(table: str, column: str):
    def build(workbook, needs) -> ibis.Table:
        t = workbook.table(table)
        return t.filter(t[column].notnull())
    return build


def _resolutions(workbook, needs) -> ibis.Table:
    t = workbook.table("feedback")
    t = t.filter(t.resolved_at.notnull() & t.kind.isin(("complaint", "claim")))
    return t.mutate(resolve_days=(t.resolved_at.epoch_seconds()
                                  - t.received_at.epoch_seconds()) / DAY_S)


FACTS = {f.name: f for f in [
    Fact("activities", "activities", "occurred_at", _activities,
         "every activity, whatever its status", dims=("activity_type",)),
    Fact("touches", "activities", "occurred_at", _touches,
         "done activities", dims=("activity_type",)),
    Fact("created", "opportunities", "created_at", _opportunities(),
         "opportunities by creation date", dims=("source", "product")),
    Fact("offers", "opportunities", "offer_sent_at", _opportunities("offer_sent_at"),
         "opportunities by the date their offer was sent", dims=("source", "product")),
    Fact("closed", "opportunities", "closed_at", _opportunities(closed=True),
         "won or lost opportunities by closing date", dims=("source", "product")),
    Fact("orders", "orders", "ordered_at", _dated("orders", "ordered_at"), "orders",
         dims=("product",)),
    Fact("invoices", "orders", "invoiced_at", _dated("orders", "invoiced_at"),
         "invoiced orders by invoice date", dims=("product",)),
    Fact("deliveries", "orders", "delivered_at", _dated("orders", "delivered_at"),
         "delivered orders by delivery date", dims=("product",)),
    Fact("feedback", "feedback", "received_at", _dated("feedback", "received_at"),
         "surveys, complaints and claims"),
    Fact("resolutions", "feedback", "resolved_at", _resolutions,
         "complaints and claims by resolution date"),
]}


def _m(name, fact, agg, *, needs=(), columns=(), additive=True, extra_tables=None,
       unknown_where=None):
    return Measure(name, fact, agg, tuple(needs), tuple(columns), additive, extra_tables or {},
                   unknown_where)


def _won(t):
    return t.outcome == "won"


MEASURES = {m.name: m for m in [
    # every activity
    _m("scheduled", "activities", lambda t: t.count(), columns=("status",)),
    _m("cancelled", "activities", lambda t: t.count(where=t.status == "cancelled"),
       columns=("status",)),
    _m("still_planned", "activities", lambda t: t.count(where=t.status == "planned"),
       columns=("status",)),
    # done activities
    _m("done", "touches", lambda t: t.count()),
    _m("contacts_made", "touches", lambda t: t.count()),
    _m("touches", "touches", lambda t: t.count(where=t.customer_id.notnull()),
       columns=("customer_id",)),
    _m("unique_prospects", "touches", lambda t: t.customer_id.nunique(), additive=True,
       columns=("customer_id",)),
    _m("unique_contacts", "touches", lambda t: t.contact_id.nunique(), columns=("contact_id",)),
    _m("new_prospects", "touches", lambda t: t.customer_id.nunique(where=t.is_new),
       needs=("is_new",), columns=("customer_id",)),
    _m("follow_ups", "touches", lambda t: t.count(where=t.customer_id.notnull() & ~t.is_new),
       needs=("is_new",), columns=("customer_id",)),
    _m("calls", "touches", lambda t: t.count(where=t.activity_type == "call")),
    _m("connected_calls", "touches", lambda t: t.count(where=t.connected),
       needs=("connected",), columns=("outcome",)),
    _m("talk_time_s", "touches", lambda t: t.duration_s.sum(where=t.connected),
       needs=("connected",), columns=("outcome", "duration_s")),
    _m("conversations", "touches", lambda t: t.count(where=t.conversation),
       needs=("conversation",)),
    _m("decision_maker_conversations", "touches",
       lambda t: t.count(where=t.conversation & t.is_dm), needs=("is_dm",),
       columns=("contact_id",), extra_tables={"contacts": ("is_decision_maker",)}),
    _m("decision_makers_reached", "touches",
       lambda t: t.contact_id.nunique(where=t.conversation & t.is_dm), needs=("is_dm",),
       columns=("contact_id",), extra_tables={"contacts": ("is_decision_maker",)}),
    _m("visits", "touches", lambda t: t.count(where=t.activity_type == "visit")),
    _m("meetings", "touches", lambda t: t.count(where=t.activity_type == "meeting")),
    _m("prospects_met", "touches",
       lambda t: t.customer_id.nunique(where=t.activity_type.isin(FACE_TO_FACE)),
       columns=("customer_id",)),
    _m("referral_requests", "touches",
       lambda t: t.count(where=t.activity_type == "referral_request")),
    # opportunities created
    _m("new_opportunities", "created", lambda t: t.count()),
    _m("new_pipeline", "created", lambda t: t.amount.sum(), columns=("amount",)),
    _m("referrals_received", "created", lambda t: t.count(where=t.source == "referral")),
    _m("referral_pipeline", "created", lambda t: t.amount.sum(where=t.source == "referral"),
       columns=("amount",)),
    # offers
    _m("offers_submitted", "offers", lambda t: t.count(), columns=("offer_sent_at",)),
    # closed deals
    _m("deals_won", "closed", lambda t: t.count(where=_won(t)), columns=("closed_at",)),
    _m("deals_lost", "closed", lambda t: t.count(where=t.outcome == "lost"),
       columns=("closed_at",)),
    _m("deals_closed", "closed", lambda t: t.count(), columns=("closed_at",)),
    _m("revenue", "closed", lambda t: t.amount.sum(where=_won(t)),
       columns=("closed_at", "amount")),
    # a partial sum would pass for the whole: with lost deals nobody priced, every
    # closed amount is a won one
    _m("closed_value", "closed", lambda t: t.amount.sum(), columns=("closed_at", "amount"),
       unknown_where="unpriced_closed"),
    _m("unpriced_closed", "closed", lambda t: t.count(where=t.amount.isnull()),
       columns=("closed_at",)),
    _m("priced_won", "closed", lambda t: t.count(where=_won(t) & t.amount.notnull()),
       columns=("closed_at", "amount")),
    _m("offers_won", "closed", lambda t: t.count(where=_won(t) & t.offer_sent_at.notnull()),
       columns=("closed_at", "offer_sent_at")),
    _m("offers_decided", "closed", lambda t: t.count(where=t.offer_sent_at.notnull()),
       columns=("closed_at", "offer_sent_at")),
    _m("price_gap", "closed",
       lambda t: (t.amount - t.list_amount).sum(where=_won(t) & t.list_amount.notnull()),
       columns=("closed_at", "amount", "list_amount")),
    _m("won_list_amount", "closed",
       lambda t: t.list_amount.sum(where=_won(t) & t.amount.notnull()),
       columns=("closed_at", "amount", "list_amount")),
    _m("referral_won", "closed", lambda t: t.count(where=_won(t) & (t.source == "referral"))),
    _m("referral_closed", "closed", lambda t: t.count(where=t.source == "referral")),
    _m("other_won", "closed", lambda t: t.count(where=_won(t) & (t.source != "referral"))),
    _m("other_closed", "closed", lambda t: t.count(where=t.source != "referral")),
    _m("cycle_days_won", "closed", lambda t: t.cycle_days.sum(where=_won(t)),
       needs=("cycle_days",), columns=("closed_at",)),
    _m("median_deal_size", "closed", lambda t: t.amount.median(where=_won(t)),
       additive=False, columns=("closed_at", "amount")),
    _m("cycle_median_days", "closed", lambda t: t.cycle_days.quantile(0.5, where=_won(t)),
       needs=("cycle_days",), additive=False, columns=("closed_at",)),
    _m("cycle_p90_days", "closed", lambda t: t.cycle_days.quantile(0.9, where=_won(t)),
       needs=("cycle_days",), additive=False, columns=("closed_at",)),
    _m("cycle_from_first_contact_median_days", "closed",
       lambda t: t.first_cycle_days.quantile(0.5, where=_won(t)), needs=("first_cycle_days",),
       additive=False, columns=("closed_at", "customer_id")),
    _m("cycle_from_first_contact_p90_days", "closed",
       lambda t: t.first_cycle_days.quantile(0.9, where=_won(t)), needs=("first_cycle_days",),
       additive=False, columns=("closed_at", "customer_id")),
    # orders
    _m("orders", "orders", lambda t: t.count()),
    _m("order_value", "orders", lambda t: t.amount.sum()),
    _m("invoiced", "invoices", lambda t: t.amount.sum(), columns=("invoiced_at",)),
    _m("deliveries", "deliveries", lambda t: t.count(), columns=("delivered_at",)),
    _m("late_deliveries", "deliveries",
       lambda t: t.count(where=t.delivered_at > t.promised_at),
       columns=("delivered_at", "promised_at")),
    _m("days_late", "deliveries",
       lambda t: t.delivered_at.delta(t.promised_at, unit="day").sum(
           where=t.delivered_at > t.promised_at),
       columns=("delivered_at", "promised_at")),
    # customer feedback
    _m("surveys", "feedback", lambda t: t.count(where=(t.kind == "survey") & t.score.notnull()),
       columns=("score",)),
    _m("score_total", "feedback", lambda t: t.score.sum(where=t.kind == "survey"),
       columns=("score",)),
    _m("satisfied", "feedback",
       lambda t: t.count(where=(t.kind == "survey") & (t.score >= SATISFIED_SCORE)),
       columns=("score",)),
    _m("complaints", "feedback", lambda t: t.count(where=t.kind == "complaint")),
    _m("claims", "feedback", lambda t: t.count(where=t.kind == "claim")),
    _m("resolved", "resolutions", lambda t: t.count(), columns=("resolved_at",)),
    _m("resolve_days_total", "resolutions", lambda t: t.resolve_days.sum(),
       columns=("resolved_at",)),
]}
