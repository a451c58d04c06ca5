"""What an export says without saying it: a deal's outcome from its stage.

Most CRM exports carry one stage column ("Closed Won", "Lost", "Proposal") and no
outcome. Where the source gives no outcome (no such column, an empty cell, or yes/no
flags that leave it open, see the mapping's ``outcome_from``), a deal's outcome is
derived, in this order:

1. from the ``stages`` table (stored, or imported in the same import): a stage with
   ``is_won`` is won, one with ``is_closed`` and not ``is_won`` is lost;
2. from the stage's own words, ignoring case, blanks and punctuation: the built-in
   :data:`WON_STAGES` and :data:`LOST_STAGES`, extended by the mapping's
   ``won_stages`` / ``lost_stages`` lists;
3. else the deal is open.

A won or lost deal without ``closed_at`` takes its ``expected_close`` (the close date
an export writes). What cannot be resolved is flagged, never silently settled:

- ``outcome_contradicts_stage``: the source's outcome says open (or won) where the
  stage says won or lost (or the other way);
- ``closed_without_date``: a won or lost deal with neither ``closed_at`` nor a close date;
- ``created_without_date``: a deal without ``created_at`` (an open deal in the first
  stage often has none): kept, left out of what counts deals by their opening date.

Without a ``stages`` table, one is derived from the stage values the deals (and their
history) name: ordered as a sales pipeline runs when every value is a known stage name
(:data:`PIPELINE_STAGES`, then the won and lost ones), else by first appearance with the
closed stages last; won or lost as the deals in it are; probability unknown, so the
weighted pipeline says it needs stage probabilities instead of inventing them.

Reps are matched by name loosely (``mike chan`` is ``Mike Chan``, flagged
``name_spelling``); until a reps table is imported, the reps that deals and
activities name are added, their name as their id.
"""

from __future__ import annotations

import re
import unicodedata

from .coerce import ident, literal
from ..schema import SCHEMAS

__all__ = ["WON_STAGES", "LOST_STAGES", "PIPELINE_STAGES", "stage_words", "loose",
           "derive_opportunities", "derive_reps", "derive_stages", "derive_status_by_time",
           "fill_lookups"]

WON_STAGES = ("won", "closed won", "closedwon", "deal won", "win", "gewonnen", "gagne",
              "gagné", "ganado", "ganada", "vinto", "vinta", "ganho", "gewonnen auftrag",
              "closed won deal", "won deal", "signed", "contract signed")
LOST_STAGES = ("lost", "closed lost", "closedlost", "deal lost", "loss", "verloren", "perdu",
               "perdue", "perdido", "perdida", "perso", "persa", "closed lost deal",
               "lost deal", "closed no decision", "disqualified", "closed disqualified")

# the open stages of the common CRMs' default pipelines, in the order a deal moves through
# them (each tuple one step; compared loosely, as stage_words does)
PIPELINE_STAGES = (
    ("lead", "lead in", "new", "prospecting", "prospect", "appointment scheduled",
     "appointmentscheduled"),
    ("contact made", "contacted", "qualification", "qualified", "qualify",
     "qualified to buy", "qualifiedtobuy"),
    ("needs analysis", "needs defined", "discovery", "value proposition", "meeting",
     "demo", "demo scheduled", "presentation scheduled", "presentationscheduled"),
    ("id decision makers", "decision maker bought in", "decisionmakerboughtin",
     "perception analysis"),
    ("proposal", "proposition", "proposal made", "proposal price quote", "quote", "quoted"),
    ("negotiation", "negotiations started", "negotiation review", "contract",
     "contract sent", "contractsent", "commit", "verbal"),
)


def stage_words(expr: str) -> str:
    """SQL: the stage text compared loosely: lower case, letters and digits, one blank."""
    return (f"trim(regexp_replace(lower(strip_accents(CAST({expr} AS VARCHAR))), "
            r"'[^a-z0-9]+', ' ', 'g'))")


def _normal(word: str) -> str:
    bare = unicodedata.normalize("NFKD", word.lower()).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", bare).strip()


def _word_list(words) -> str:
    return ", ".join(literal(w) for w in sorted({_normal(w) for w in words}))


def derive_opportunities(con, typed_table: str, *, won=(), lost=(), flag) -> None:
    """Derive outcome and closed_at in ``typed_table`` and flag contradictions.

    A deal whose source gives no outcome (empty, or no such column) takes the one its
    stage says, else open. ``flag(select)`` records warnings; ``select`` yields row,
    column_name, value, reason, message.
    """
    t = ident(typed_table)
    won_words = _word_list((*WON_STAGES, *won))
    lost_words = _word_list((*LOST_STAGES, *lost))
    words = stage_words(f"{t}.stage")
    by_words = (f"CASE WHEN {words} IN ({won_words}) THEN 'won' "
                f"WHEN {words} IN ({lost_words}) THEN 'lost' END")
    flagged = ("SELECT stage, CASE WHEN is_won THEN 'won' WHEN is_closed THEN 'lost' "
               "ELSE 'open' END AS said FROM stages")
    has_stages = con.execute("SELECT count(*) FROM stages").fetchone()[0] > 0
    said = (f"coalesce((SELECT s.said FROM ({flagged}) s WHERE s.stage = {t}.stage), "
            f"{by_words})" if has_stages else by_words)
    con.execute(f"UPDATE {t} SET outcome = coalesce({said}, 'open') WHERE outcome IS NULL")
    flag(f"""SELECT _row AS row, 'outcome' AS column_name, outcome AS value,
             'outcome_contradicts_stage' AS reason,
             'the stage ' || {literal("'")} || stage || {literal("'")} || ' says ' ||
             {said} || ' but the outcome is ' || outcome AS message
             FROM {t} WHERE _mask = 0 AND stage IS NOT NULL AND {said} IS NOT NULL
             AND {said} <> outcome""")
    con.execute(f"UPDATE {t} SET closed_at = CAST(expected_close AS TIMESTAMP) "
                "WHERE outcome IN ('won', 'lost') AND closed_at IS NULL "
                "AND expected_close IS NOT NULL")
    flag(f"""SELECT _row AS row, 'created_at' AS column_name, NULL AS value,
             'created_without_date' AS reason,
             'a deal without a creation date: kept, but left out of what counts deals by '
             || 'the date they were opened (new pipeline, cycle time)' AS message
             FROM {t} WHERE _mask = 0 AND created_at IS NULL""")
    flag(f"""SELECT _row AS row, 'closed_at' AS column_name, NULL AS value,
             'closed_without_date' AS reason,
             'a ' || outcome || ' deal without a close date: it counts in no period'
             AS message
             FROM {t} WHERE _mask = 0 AND outcome IN ('won', 'lost') AND closed_at IS NULL""")


def fill_lookups(con, typed_table: str, schema, lookups: dict[str, str]) -> None:
    """Fill empty columns from the row another table holds for this row's reference:
    ``{list_amount: products.list_price}`` reads the list price of the deal's product."""
    t = ident(typed_table)
    for column, target in lookups.items():
        other, _, value = target.partition(".")
        key = SCHEMAS[other].key[0]
        ref = next(c.name for c in schema.columns if c.references == f"{other}.{key}")
        con.execute(f"UPDATE {t} SET {ident(column)} = (SELECT o.{ident(value)} FROM "
                    f"{ident(other)} o WHERE o.{ident(key)} = {t}.{ident(ref)}) "
                    f"WHERE {ident(column)} IS NULL")


def loose(expr: str) -> str:
    """SQL: a name compared loosely: case and repeated or surrounding blanks (tabs and
    line breaks too) ignored."""
    return f"lower(trim(regexp_replace({expr}, '\\s+', ' ', 'g')))"


def derive_reps(con, typed_table: str, *, add: bool, import_id: int, flag) -> None:
    """Match the table's ``rep_id`` loosely to the reps, and, with ``add`` (no reps table
    was ever imported), add each rep it names, spelt as most of its rows spell it."""
    t = ident(typed_table)
    if add:
        con.execute(f"""
            INSERT INTO reps (rep_id, name, _import_id)
            SELECT arg_max(rep_id, rank), arg_max(rep_id, rank), {import_id} FROM (
                -- the spelling most rows use; on a tie the one written first
                SELECT rep_id, {loose('rep_id')} AS k,
                       count(*) * 1e12 - min(_row) AS rank FROM {t}
                WHERE rep_id IS NOT NULL GROUP BY ALL)
            WHERE k NOT IN (SELECT {loose('rep_id')} FROM reps)
            GROUP BY k""")
    spelt = (f"(SELECT r.rep_id FROM reps r WHERE {loose('r.rep_id')} = {loose(f'{t}.rep_id')}"
             " LIMIT 1)")
    unmatched = f"{t}.rep_id NOT IN (SELECT rep_id FROM reps)"
    flag(f"""SELECT _row AS row, 'rep_id' AS column_name, rep_id AS value,
             'name_spelling' AS reason, 'read as rep ' || {literal("'")} || {spelt} ||
             {literal("'")} || ', which it matches but for case and blanks' AS message
             FROM {t} WHERE _mask = 0 AND {unmatched} AND {spelt} IS NOT NULL""")
    con.execute(f"UPDATE {t} SET rep_id = {spelt} WHERE {unmatched} AND {spelt} IS NOT NULL")


def derive_status_by_time(con, typed_table: str, *, cutoff) -> None:
    """Calendar entries that carry no status (a Salesforce Event): done once they ended
    (start plus duration) on or before ``cutoff``, the data date; planned after. A
    cancelled entry stays cancelled."""
    t = ident(typed_table)
    ended = "occurred_at + to_seconds(CAST(coalesce(duration_s, 0) AS BIGINT))"
    con.execute(f"UPDATE {t} SET status = CASE WHEN {ended} <= ? THEN 'done' "
                "ELSE 'planned' END WHERE status IS DISTINCT FROM 'cancelled' "
                "AND occurred_at IS NOT NULL", [cutoff])


def derive_stages(con, import_id: int, deals: str) -> int:
    """Fill an empty ``stages`` table from the stage values of the deals just read (the
    typed table ``deals``, in source order) and of the stored history (see the module's
    notes); the number of stages written."""
    if con.execute("SELECT count(*) FROM stages").fetchone()[0]:
        return 0
    seen = con.execute(f"""
        SELECT stage, min(o) AS first, bool_and(outcome = 'won') AS won,
               bool_and(outcome IN ('won', 'lost')) AS closed FROM (
            SELECT stage, _row AS o, outcome FROM {deals}
            WHERE _mask = 0 AND stage IS NOT NULL
            UNION ALL
            SELECT stage, 1e15 + rowid, NULL FROM opportunity_history
            WHERE stage IS NOT NULL)
        GROUP BY stage ORDER BY first""").fetchall()
    if not seen:
        return 0
    step = {word: i for i, words in enumerate(PIPELINE_STAGES) for word in map(_normal, words)}
    ends = {_normal(w): len(PIPELINE_STAGES) for w in (*WON_STAGES, *LOST_STAGES)}
    known = {**step, **ends}
    rows = []
    for at, (stage, _, won, closed) in enumerate(seen):
        words = _normal(str(stage))
        if won is None:  # only in the history: its own words say whether it closes
            won, closed = words in map(_normal, WON_STAGES), words in ends
        rows.append((stage, bool(won), bool(closed), known.get(words), at))
    everyone_known = all(r[3] is not None for r in rows)
    rows.sort(key=lambda r: (r[3], r[4]) if everyone_known else (r[2], r[4]))
    con.executemany("INSERT INTO stages (stage, position, probability, is_closed, is_won, "
                    "_import_id) VALUES (?, ?, NULL, ?, ?, ?)",
                    [(stage, i, closed, won, import_id) for i, (stage, won, closed, _, _)
                     in enumerate(rows, 1)])
    return len(rows)
