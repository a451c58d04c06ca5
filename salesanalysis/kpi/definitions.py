"""The KPIs built from measures: counts, amounts and ratios with named denominators."""

from __future__ import annotations

from .facts import CONNECTED_OUTCOMES, FACE_TO_FACE, SATISFIED_SCORE
from .registry import KPI, register

__all__ = ["MEASURE_KPIS"]

_ACT = "activities"
_OPP = "opportunities"
_CONNECTED = "/".join(CONNECTED_OUTCOMES)
_F2F = ", ".join(FACE_TO_FACE)


def _count(name, label, formula, tables, *, group, unit="count", direction=1):
    return register(KPI(name, label, formula, unit, direction, tables, group=group))


def _ratio(name, label, formula, numerator, denominator, tables, *, group, unit="ratio",
           direction=1, scale=None):
    return register(KPI(name, label, formula, unit, direction, tables, numerator, denominator,
                        group=group, extra={"scale": scale} if scale else {}))


A = {_ACT: ("activity_type", "occurred_at", "status")}
CUST = {_ACT: ("activity_type", "occurred_at", "status", "customer_id")}
O = {_OPP: ("created_at",)}
CLOSED = {_OPP: ("closed_at", "outcome")}

MEASURE_KPIS = [
    # -- activity ---------------------------------------------------------------------------
    _count("scheduled", "Activities due", "activities dated in the period, whatever their "
           "status (done, cancelled or still planned)", A, group="activity", direction=0),
    _count("done", "Activities done", "activities done in the period", A, group="activity"),
    _count("cancelled", "Activities cancelled", "activities cancelled in the period", A,
           group="activity", direction=-1),
    _count("still_planned", "Activities still planned", "activities dated in the period "
           "and still marked planned", A, group="activity", direction=0),
    _ratio("plan_completion", "Plan completion", "activities done / activities due in the "
           "period", "done", "scheduled", A, group="activity"),
    _count("contacts_made", "Raw contacts", "done activities of any type (every touch, "
           "repeated ones included)", A, group="activity", direction=0),
    _count("touches", "Touches", "done activities with a customer", CUST, group="activity",
           direction=0),
    _count("unique_prospects", "Unique prospects", "distinct customers with a done "
           "activity in the period", CUST, group="activity"),
    _count("unique_contacts", "Unique contacts", "distinct contact persons with a done "
           "activity in the period", {_ACT: ("occurred_at", "status", "contact_id")},
           group="activity"),
    _count("new_prospects", "New prospects", "customers whose first-ever done activity "
           "falls in the period", CUST, group="activity"),
    _count("follow_ups", "Follow-ups", "touches with customers contacted before (all "
           "touches but each customer's first)", CUST, group="activity", direction=0),
    _ratio("touches_per_prospect", "Touches per unique prospect", "touches / unique "
           "prospects", "touches", "unique_prospects", CUST, group="activity", unit="count",
           direction=0),
    _count("calls", "Calls", "done calls", A, group="activity"),
    _count("connected_calls", "Connected calls", f"done calls with outcome {_CONNECTED}",
           {_ACT: ("activity_type", "occurred_at", "status", "outcome")}, group="activity"),
    _ratio("connect_rate", "Call connect rate", "connected calls / calls", "connected_calls",
           "calls", {_ACT: ("activity_type", "occurred_at", "status", "outcome")},
           group="activity"),
    _ratio("average_call_duration", "Average connected call", "talk time of connected calls "
           "(seconds) / connected calls", "talk_time_s", "connected_calls",
           {_ACT: ("activity_type", "occurred_at", "status", "outcome", "duration_s")},
           group="activity", unit="seconds", direction=0),
    _count("decision_makers_reached", "Decision makers reached", "distinct decision-maker "
           f"contacts in a conversation (a connected call or a {_F2F})",
           {_ACT: ("occurred_at", "status", "contact_id"), "contacts": ("is_decision_maker",)},
           group="activity"),
    _ratio("decision_maker_reach_rate", "Decision-maker reach rate", "conversations with a "
           f"decision maker / conversations (connected calls and {_F2F}s)",
           "decision_maker_conversations", "conversations",
           {_ACT: ("occurred_at", "status", "contact_id"), "contacts": ("is_decision_maker",)},
           group="activity"),
    _count("visits", "Visits", "done visits", A, group="activity"),
    _count("meetings", "Meetings", "done meetings", A, group="activity"),
    _count("prospects_met", "Prospects met", f"distinct customers met face to face ({_F2F})",
           CUST, group="activity"),
    _count("referral_requests", "Referral requests", "done referral requests", A,
           group="activity"),
    _count("referrals_received", "Referrals received", "opportunities created with source "
           "referral", {_OPP: ("created_at", "source")}, group="activity"),
    _ratio("referral_share", "Referral share of new pipeline", "amount of new opportunities "
           "from referrals / amount of all new opportunities", "referral_pipeline",
           "new_pipeline", {_OPP: ("created_at", "source", "amount")}, group="activity"),
    # -- funnel -----------------------------------------------------------------------------
    _count("new_opportunities", "New opportunities", "opportunities created", O,
           group="funnel"),
    _count("new_pipeline", "New pipeline", "amount of the opportunities created",
           {_OPP: ("created_at", "amount")}, group="funnel", unit="currency"),
    _count("offers_submitted", "Offers submitted", "opportunities whose offer was sent in "
           "the period", {_OPP: ("offer_sent_at",)}, group="funnel"),
    _count("deals_won", "Sales closed", "opportunities won in the period", CLOSED,
           group="funnel"),
    _count("deals_lost", "Deals lost", "opportunities lost in the period", CLOSED,
           group="funnel", direction=-1),
    _ratio("win_rate", "Win rate", "deals won / deals closed (won or lost)", "deals_won",
           "deals_closed", CLOSED, group="funnel"),
    _ratio("win_rate_by_value", "Win rate by value", "amount won / amount closed (won or "
           "lost); unknown where a closed deal has no amount", "revenue", "closed_value",
           {_OPP: ("closed_at", "outcome", "amount")}, group="funnel"),
    _ratio("offer_win_rate", "Offers won / offers presented", "deals won that had an offer / "
           "deals closed that had an offer", "offers_won", "offers_decided",
           {_OPP: ("closed_at", "outcome", "offer_sent_at")}, group="funnel"),
    _ratio("contact_to_offer", "Contact to offer", "offers submitted / unique prospects "
           "touched", "offers_submitted", "unique_prospects",
           {**CUST, _OPP: ("offer_sent_at",)}, group="funnel"),
    _ratio("offer_to_close", "Offer to close", "deals won / offers submitted, both in the "
           "period", "deals_won", "offers_submitted", {_OPP: ("offer_sent_at", "closed_at",
                                                            "outcome")}, group="funnel"),
    _ratio("close_rate_per_prospect_met", "Close rate per prospect met", "deals won / "
           f"unique prospects met face to face ({_F2F})", "deals_won", "prospects_met",
           {**CUST, **CLOSED}, group="funnel"),
    _ratio("close_rate_per_contact", "Close rate per raw contact", "deals won / raw contacts "
           "(every done activity)", "deals_won", "contacts_made", {**A, **CLOSED},
           group="funnel"),
    _ratio("average_deal_size", "Average deal size", "amount won / deals won with an "
           "amount", "revenue", "priced_won", {_OPP: ("closed_at", "outcome", "amount")},
           group="funnel", unit="currency"),
    _ratio("referral_win_rate", "Referral win rate", "referral deals won / referral deals "
           "closed", "referral_won", "referral_closed", {_OPP: ("closed_at", "outcome",
                                                               "source")}, group="funnel"),
    _ratio("other_win_rate", "Win rate of other sources", "non-referral deals won / "
           "non-referral deals closed", "other_won", "other_closed",
           {_OPP: ("closed_at", "outcome", "source")}, group="funnel"),
    _ratio("average_cycle_days", "Average sales cycle", "days from creation to close of won "
           "deals / deals won", "cycle_days_won", "deals_won", CLOSED, group="funnel",
           unit="days", direction=-1),
    _count("median_deal_size", "Median deal size", "median amount of the deals won",
           {_OPP: ("closed_at", "outcome", "amount")}, group="funnel", unit="currency"),
    _count("cycle_median_days", "Sales cycle (median)", "median days from creation to close "
           "of the deals won", CLOSED, group="funnel", unit="days", direction=-1),
    _count("cycle_p90_days", "Sales cycle (90th percentile)", "90th percentile of days from "
           "creation to close of the deals won", CLOSED, group="funnel", unit="days",
           direction=-1),
    _count("cycle_from_first_contact_median_days", "Cycle from first contact (median)",
           "median days from the first done activity with the customer (or the creation, "
           "if earlier) to close of the deals won", {**CLOSED, **CUST}, group="funnel",
           unit="days", direction=-1),
    _count("cycle_from_first_contact_p90_days", "Cycle from first contact (90th "
           "percentile)", "90th percentile of days from the first done activity with the "
           "customer (or the creation, if earlier) to close of the deals won",
           {**CLOSED, **CUST}, group="funnel", unit="days", direction=-1),
    # -- results ----------------------------------------------------------------------------
    _count("revenue", "Revenue", "amount of the deals won in the period",
           {_OPP: ("closed_at", "outcome", "amount")}, group="results", unit="currency"),
    _count("invoiced", "Invoiced", "amount of the orders invoiced in the period",
           {"orders": ("invoiced_at", "amount")}, group="results", unit="currency"),
    _count("orders", "Orders", "orders placed in the period", {"orders": ("ordered_at",)},
           group="results"),
    _count("order_value", "Order intake", "amount of the orders placed in the period",
           {"orders": ("ordered_at", "amount")}, group="results", unit="currency"),
    _ratio("price_variation", "Variation per sale", "(amount won - list amount) / list "
           "amount, over won deals with both", "price_gap", "won_list_amount",
           {_OPP: ("closed_at", "outcome", "amount", "list_amount")}, group="results"),
    _ratio("late_delivery_rate", "Late deliveries", "orders delivered after the promised "
           "date / orders delivered", "late_deliveries", "deliveries",
           {"orders": ("delivered_at", "promised_at")}, group="results", direction=-1),
    _ratio("mean_days_late", "Mean days late", "days late summed over late deliveries / "
           "late deliveries", "days_late", "late_deliveries",
           {"orders": ("delivered_at", "promised_at")}, group="results", unit="days",
           direction=-1),
    # -- customers --------------------------------------------------------------------------
    _ratio("satisfaction_rate", "Satisfaction rate", f"surveys scoring {SATISFIED_SCORE:g} "
           "or more / surveys", "satisfied", "surveys", {"feedback": ("kind", "score")},
           group="customers"),
    _ratio("mean_satisfaction", "Mean satisfaction score", "sum of survey scores / surveys",
           "score_total", "surveys", {"feedback": ("kind", "score")}, group="customers",
           unit="count"),
    _count("complaints", "Complaints", "complaints received in the period",
           {"feedback": ("kind", "received_at")}, group="customers", direction=-1),
    _count("claims", "Claims", "claims received in the period",
           {"feedback": ("kind", "received_at")}, group="customers", direction=-1),
    _ratio("complaints_per_100_orders", "Complaints per 100 orders", "complaints x 100 / "
           "orders placed in the period", "complaints", "orders",
           {"feedback": ("kind", "received_at"), "orders": ("ordered_at",)},
           group="customers", unit="per 100", direction=-1, scale=100),
    _ratio("mean_days_to_resolve", "Mean days to resolve", "days from receipt to resolution "
           "of the complaints and claims resolved in the period / those resolved",
           "resolve_days_total", "resolved", {"feedback": ("kind", "resolved_at")},
           group="customers", unit="days", direction=-1),
]
