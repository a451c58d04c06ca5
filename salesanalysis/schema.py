"""The canonical model, declared once: tables, columns, types, keys and checks.

Ingest, the workbook store, the data-entry templates and the documentation all
read these declarations; nothing else spells out a table's columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import UnknownNameError

__all__ = ["Column", "RowCheck", "TableSchema", "SCHEMAS", "TABLE_ORDER", "schema_for"]

# Types a column may have; the SQL type each one is stored as.
SQL_TYPES = {
    "str": "VARCHAR",
    "int": "BIGINT",
    "float": "DOUBLE",
    "bool": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
}


@dataclass(frozen=True)
class Column:
    """One canonical column.

    required: the value may not be empty.
    default: used when the column is absent from the source or the cell is empty.
    allowed: the only values accepted (after recoding by the mapping).
    minimum / maximum: bounds for numbers.
    references: ``"table.column"`` this value must exist in; ``strict_reference``
        rejects a row whose value is not found, otherwise the row is accepted and
        flagged (an open deal whose customer is not loaded yet).
    pattern: a regular expression the whole text must match.
    """

    name: str
    dtype: str = "str"
    required: bool = False
    default: object = None
    allowed: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    references: str | None = None
    strict_reference: bool = False
    pattern: str | None = None
    example: object = None
    doc: str = ""

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.dtype]


@dataclass(frozen=True)
class RowCheck:
    """A rule relating two columns of one row: ``later`` may not be before ``earlier``."""

    reason: str
    earlier: str
    later: str

    @property
    def message(self) -> str:
        return f"{self.later} is before {self.earlier}"


@dataclass(frozen=True)
class TableSchema:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    checks: tuple[RowCheck, ...] = field(default_factory=tuple)
    doc: str = ""

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


ROLES = ("inside", "field")
ACTIVITY_TYPES = (
    "call", "email", "meeting", "visit", "demo", "referral_request", "task", "other",
)
ACTIVITY_STATUSES = ("planned", "done", "cancelled")
SOURCES = ("referral", "inbound", "outbound", "partner", "event", "other")
OUTCOMES = ("open", "won", "lost")
SCOPE_LEVELS = ("rep", "team", "department", "segment", "territory")
FEEDBACK_KINDS = ("survey", "complaint", "claim")
ACTION_STATUSES = ("open", "done", "dropped")
DIRECTIONS = ("up", "down")
ORDER_STATUSES = ("open", "delivered", "invoiced", "cancelled")
HISTORY_KINDS = ("change", "snapshot")
# A target's period: 2024, 2024-Q1, 2024-03 or the ISO week 2024-W05.
PERIOD_PATTERN = r"\d{4}(-Q[1-4]|-(0[1-9]|1[0-2])|-W(0[1-9]|[1-4][0-9]|5[0-3]))?"

C = Column
SCHEMAS: dict[str, TableSchema] = {
    s.name: s
    for s in [
        TableSchema(
            "reps",
            (
                C("rep_id", required=True, example="R001"),
                C("name", required=True, example="Ana Lopez"),
                C("team", example="North"),
                C("department", example="Sales"),
                C("role", allowed=ROLES, example="field"),
                C("manager_id", references="reps.rep_id", example=None),
                C("territory", example="North"),
                C("active_from", "date", example="2024-01-01"),
                C("active_to", "date", example=None),
            ),
            key=("rep_id",),
            checks=(RowCheck("ends_before_start", "active_from", "active_to"),),
            doc="A sales person.",
        ),
        TableSchema(
            "customers",
            (
                C("customer_id", required=True, example="C0001"),
                C("name", example="Acme Ltd"),
                C("segment", example="SMB"),
                C("territory", example="North"),
                C("industry", example="Manufacturing"),
            ),
            key=("customer_id",),
            doc="An account.",
        ),
        TableSchema(
            "contacts",
            (
                C("contact_id", required=True, example="P00001"),
                C("customer_id", references="customers.customer_id", example="C0001"),
                C("name", example="Jo Smith"),
                C("is_decision_maker", "bool", default=False, example=True),
            ),
            key=("contact_id",),
            doc="A person at a customer.",
        ),
        TableSchema(
            "stages",
            (
                C("stage", required=True, example="proposal"),
                C("position", "int", required=True, minimum=0, example=3),
                C("probability", "float", required=True, minimum=0, maximum=1, example=0.5),
                C("is_closed", "bool", default=False, example=False),
                C("is_won", "bool", default=False, example=False),
            ),
            key=("stage",),
            doc="A pipeline stage with its win probability.",
        ),
        TableSchema(
            "products",
            (
                C("product", required=True, example="Widget Pro"),
                C("product_line", example="Widgets"),
                C("list_price", "float", minimum=0, example=1200.0),
            ),
            key=("product",),
            doc="A catalogue item.",
        ),
        TableSchema(
            "opportunities",
            (
                C("opportunity_id", required=True, example="O000001"),
                C("rep_id", required=True, references="reps.rep_id",
                  strict_reference=True, example="R001"),
                C("customer_id", references="customers.customer_id", example="C0001"),
                C("product", references="products.product", example="Widget Pro"),
                C("source", allowed=SOURCES, default="other", example="referral"),
                C("created_at", "timestamp", example="2024-01-10",
                  doc="when the deal was opened; a deal without it is kept and flagged"),
                C("stage", references="stages.stage", example="proposal"),
                C("amount", "float", minimum=0, example=12000.0),
                C("list_amount", "float", minimum=0, example=13000.0),
                C("expected_close", "date", example="2024-03-31"),
                C("next_step", example="Send revised quote"),
                C("next_step_due", "date", example="2024-02-15"),
                C("offer_sent_at", "timestamp", example="2024-02-01"),
                C("closed_at", "timestamp", example=None),
                C("outcome", allowed=OUTCOMES, default="open", example="open"),
                C("lost_reason", example=None),
            ),
            key=("opportunity_id",),
            checks=(
                RowCheck("closed_before_created", "created_at", "closed_at"),
                RowCheck("offer_before_created", "created_at", "offer_sent_at"),
            ),
            doc="A deal.",
        ),
        TableSchema(
            "opportunity_history",
            (
                C("opportunity_id", required=True,
                  references="opportunities.opportunity_id", example="O000001"),
                C("changed_at", "timestamp", required=True, example="2024-02-01"),
                C("stage", example="proposal"),
                C("amount", "float", minimum=0, example=12000.0),
                C("expected_close", "date", example="2024-03-31"),
                C("kind", allowed=HISTORY_KINDS, default="change", example="change"),
            ),
            key=("opportunity_id", "changed_at", "kind"),
            doc="A stage, amount or close-date change, or a dated snapshot taken at import.",
        ),
        TableSchema(
            "activities",
            (
                C("activity_id", required=True, example="A0000001"),
                C("rep_id", required=True, references="reps.rep_id",
                  strict_reference=True, example="R001"),
                C("activity_type", required=True, allowed=ACTIVITY_TYPES, example="call"),
                C("occurred_at", "timestamp", required=True, example="2024-01-15 10:30"),
                C("status", allowed=ACTIVITY_STATUSES, default="done", example="done"),
                C("customer_id", references="customers.customer_id", example="C0001"),
                C("contact_id", references="contacts.contact_id", example="P00001"),
                C("opportunity_id", references="opportunities.opportunity_id",
                  example="O000001"),
                C("duration_s", "float", minimum=0, example=240),
                C("outcome", example="connected"),
            ),
            key=("activity_id",),
            doc="A call, email, meeting, visit, demo, referral request ...",
        ),
        TableSchema(
            "targets",
            (
                C("period", required=True, pattern=PERIOD_PATTERN, example="2024-03"),
                C("scope_level", required=True, allowed=SCOPE_LEVELS, example="rep"),
                C("scope_id", required=True, example="R001"),
                C("metric", required=True, example="revenue"),
                C("value", "float", required=True, minimum=0, example=50000.0),
            ),
            key=("period", "scope_level", "scope_id", "metric"),
            doc="A target for a scope and period.",
        ),
        TableSchema(
            "orders",
            (
                C("order_id", required=True, example="SO00001"),
                C("customer_id", references="customers.customer_id", example="C0001"),
                C("rep_id", references="reps.rep_id", strict_reference=True, example="R001"),
                C("product", references="products.product", example="Widget Pro"),
                C("ordered_at", "date", required=True, example="2024-03-20"),
                C("amount", "float", required=True, minimum=0, example=12000.0),
                C("status", allowed=ORDER_STATUSES, default="open", example="open"),
                C("promised_at", "date", example="2024-04-10"),
                C("delivered_at", "date", example=None),
                C("invoiced_at", "date", example=None),
            ),
            key=("order_id",),
            checks=(
                RowCheck("delivered_before_ordered", "ordered_at", "delivered_at"),
                RowCheck("invoiced_before_ordered", "ordered_at", "invoiced_at"),
            ),
            doc="An ERP order or invoice line.",
        ),
        TableSchema(
            "feedback",
            (
                C("customer_id", required=True, references="customers.customer_id",
                  example="C0001"),
                C("rep_id", references="reps.rep_id", strict_reference=True, example="R001"),
                C("received_at", "timestamp", required=True, example="2024-04-02"),
                C("kind", required=True, allowed=FEEDBACK_KINDS, example="survey"),
                C("score", "float", minimum=0, example=9),
                C("resolved_at", "timestamp", example=None),
            ),
            key=("customer_id", "received_at", "kind"),
            checks=(RowCheck("resolved_before_received", "received_at", "resolved_at"),),
            doc="A satisfaction score, complaint or claim.",
        ),
        TableSchema(
            "actions",
            (
                C("action_id", required=True, example="ACT0001"),
                C("rep_id", required=True, references="reps.rep_id",
                  strict_reference=True, example="R001"),
                C("created_at", "timestamp", required=True, example="2024-04-05"),
                C("period", pattern=PERIOD_PATTERN, example="2024-03",
                  doc="the review period the action was agreed for"),
                C("finding", example="inconsistent_prospecting"),
                C("text", required=True, example="Block two hours every Monday for prospecting"),
                C("owner", example="Ana Lopez"),
                C("due_at", "date", example="2024-05-03"),
                C("kpi", example="new_prospects", doc="the KPI the success criterion is on"),
                C("kpi_before", "float", example=3,
                  doc="the KPI's value in the period the action was agreed for"),
                C("direction", allowed=DIRECTIONS, example="up",
                  doc="which way the KPI should move"),
                C("criterion", example="at least 8 new prospects a week for the next 4 weeks"),
                C("status", allowed=ACTION_STATUSES, default="open", example="open"),
                C("reviewed_at", "timestamp", example=None),
                C("notes", example=None),
            ),
            key=("action_id",),
            doc="An agreed action from a review.",
        ),
    ]
}
del C

# Import order: a table comes after every table it references.
TABLE_ORDER = (
    "reps", "customers", "contacts", "stages", "products", "opportunities",
    "opportunity_history", "activities", "targets", "orders", "feedback", "actions",
)
REQUIRED_TABLES = ("reps",)


def schema_for(table: str) -> TableSchema:
    """The schema of a canonical table, or a clear error listing the known ones."""
    try:
        return SCHEMAS[table]
    except KeyError:
        raise UnknownNameError(
            f"unknown table {table!r}; the canonical tables are: {', '.join(TABLE_ORDER)}"
        ) from None
