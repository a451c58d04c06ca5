"""A mapping proposed for an export no shipped mapping fits, from its headers and values.

Each table is guessed from its file name, else from its headers; each header from
the usual names of the canonical columns (English and common CRM labels) checked
against the shape of its values (dates, numbers, stage words). The proposal is a
commented YAML file: each guess with its reason, each column left unused and each
required column not found.
"""

from __future__ import annotations

import json
import re
import unicodedata

import pandas as pd

from .derive import LOST_STAGES, WON_STAGES
from .mapping import normalize_name
from ..schema import SCHEMAS

__all__ = ["propose", "SYNONYMS"]

_REP = ("rep_id", "owner", "deal_owner", "opportunity_owner", "owner_name", "salesperson",
        "sales_person", "sales_rep", "rep", "rep_name", "sales_agent", "agent", "assigned_to",
        "account_manager", "account_executive", "seller", "user", "owner_id", "user_id",
        "employee", "sales_owner", "activity_assigned_to", "assigned_to_user")
_CUSTOMER = ("customer_id", "customer", "account", "account_name", "company", "company_name",
             "client", "client_name", "organization", "organisation", "organization_name",
             "account_id", "company_id", "associated_company", "customer_name")
# canonical column: usual header names, best first
SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "opportunities": {
        "opportunity_id": ("opportunity_id", "deal_id", "opportunity", "record_id", "id",
                           "deal_number", "opp_id"),
        "rep_id": _REP, "customer_id": _CUSTOMER,
        "product": ("product", "product_name", "item"),
        "source": ("source", "lead_source", "channel", "origin"),
        "created_at": ("created_at", "created", "create_date", "created_date", "date_created",
                       "created_on", "creation_date", "engage_date", "open_date", "opened",
                       "date_opened", "add_time", "deal_created", "start_date", "date"),
        "stage": ("stage", "deal_stage", "sales_stage", "pipeline_stage", "opportunity_stage",
                  "stage_name", "dealstage", "phase"),
        "amount": ("amount", "value", "deal_value", "close_value", "deal_amount", "revenue",
                   "expected_revenue", "total", "deal_size", "opportunity_amount", "price"),
        "list_amount": ("list_amount", "list_price", "list_value"),
        "expected_close": ("expected_close", "close_date", "expected_close_date",
                           "closing_date", "expected_closing", "closedate", "target_close",
                           "estimated_close_date"),
        "closed_at": ("closed_at", "closed_date", "date_closed", "closed_on", "won_date",
                      "won_time", "actual_close_date", "close_time"),
        "outcome": ("outcome", "result", "status", "deal_status", "won_lost", "win_loss"),
        "lost_reason": ("lost_reason", "loss_reason", "reason_lost", "closed_lost_reason"),
        "next_step": ("next_step", "next_steps", "next_action"),
    },
    "activities": {
        "activity_id": ("activity_id", "record_id", "id", "call_id", "visit_id", "meeting_id",
                        "task_id"),
        "rep_id": _REP,
        "activity_type": ("activity_type", "type", "activity", "kind", "activity_kind"),
        "occurred_at": ("occurred_at", "date", "activity_date", "datetime", "timestamp",
                        "time", "start_time", "start", "call_date", "visit_date",
                        "meeting_date", "due_date", "when", "created", "created_at"),
        "status": ("status", "done", "state", "completed"),
        "customer_id": _CUSTOMER,
        "contact_id": ("contact_id", "contact", "person", "contact_name", "person_name"),
        "opportunity_id": ("opportunity_id", "deal_id", "deal", "opportunity"),
        "duration_s": ("duration_s", "duration", "call_duration", "length", "minutes",
                       "seconds", "talk_time"),
        "outcome": ("outcome", "result", "call_result", "disposition", "call_outcome"),
    },
    "reps": {
        "rep_id": ("rep_id", "user_id", "employee_id", "owner_id", "id", "sales_agent",
                   "salesperson", "agent", "rep", "seller", "sales_rep", "user", "employee"),
        "name": ("name", "full_name", "rep_name", "employee_name", "user_name", "display_name",
                 "sales_agent", "salesperson", "agent"),
        "team": ("team", "sales_team", "regional_office", "office", "team_name", "group"),
        "department": ("department", "division", "business_unit"),
        "role": ("role", "position", "job_title", "title"),
        "manager_id": ("manager_id", "manager", "reports_to", "supervisor", "team_lead"),
        "territory": ("territory", "region", "area", "zone", "country"),
        "active_from": ("active_from", "start_date", "hire_date", "hired", "joined"),
        "active_to": ("active_to", "end_date", "leave_date", "termination_date"),
    },
    "customers": {
        "customer_id": ("customer_id", "account_id", "company_id", "id", "account", "customer",
                        "company", "client", "account_name", "company_name", "organization"),
        "name": ("name", "account_name", "company_name", "customer_name", "account", "company",
                 "customer", "client"),
        "segment": ("segment", "tier", "size", "customer_type", "category", "type"),
        "territory": ("territory", "region", "country", "office_location", "location", "area",
                      "state"),
        "industry": ("industry", "sector", "vertical"),
    },
    "contacts": {
        "contact_id": ("contact_id", "id", "email", "person_id"),
        "customer_id": _CUSTOMER,
        "name": ("name", "full_name", "contact_name"),
    },
    "products": {
        "product": ("product", "product_name", "name", "item", "sku"),
        "product_line": ("product_line", "series", "family", "category", "line"),
        "list_price": ("list_price", "price", "sales_price", "unit_price"),
    },
    "stages": {
        "stage": ("stage", "stage_name", "name", "label"),
        "position": ("position", "order", "sort_order", "display_order", "order_nr", "sequence"),
        "probability": ("probability", "win_probability", "deal_probability",
                        "default_probability"),
    },
    "targets": {
        "period": ("period", "month", "quarter", "year"),
        "scope_id": ("scope_id", "rep_id", "rep", "salesperson", "team"),
        "metric": ("metric", "kpi", "measure"),
        "value": ("value", "target", "quota", "goal", "amount"),
    },
}
# the usual headers of exports and sheets in German, French, Spanish, Italian, Portuguese
# and Dutch, accents left out; after the English ones, which rank first
_REP_WORDS = ("verkaufer", "vertriebsmitarbeiter", "mitarbeiter", "berater", "zustandig",
              "vendeur", "commercial", "responsable", "vendedor", "comercial", "venditore",
              "commerciale", "responsavel", "verkoper", "accountmanager", "eigenaar")
_CUSTOMER_WORDS = ("kunde", "kundenname", "firma", "unternehmen", "societe", "entreprise",
                   "cliente", "empresa", "azienda", "klant", "bedrijf", "klantnaam")
_MORE_LANGUAGES = {
    "opportunities": {
        "rep_id": _REP_WORDS, "customer_id": _CUSTOMER_WORDS,
        "product": ("produkt", "produit", "producto", "prodotto", "produto", "artikel"),
        "source": ("quelle", "herkunft", "kanal", "origine", "fuente", "origen", "canal",
                   "bron", "canale"),
        "created_at": ("datum", "erstellt", "erstellt_am", "anlagedatum", "date_de_creation",
                       "cree_le", "fecha", "fecha_de_creacion", "data", "data_creazione",
                       "data_de_criacao", "aangemaakt", "aanmaakdatum"),
        "stage": ("stufe", "verkaufsphase", "etape", "etapa", "fase", "stadium"),
        "amount": ("betrag", "wert", "umsatz", "summe", "volumen", "montant", "valeur",
                   "importe", "monto", "valor", "importo", "valore", "bedrag", "waarde"),
        "expected_close": ("erwarteter_abschluss", "schlusstermin", "date_de_cloture_prevue",
                           "cloture_prevue", "fecha_de_cierre_prevista", "fecha_prevista",
                           "data_chiusura_prevista", "data_prevista", "verwachte_sluitingsdatum"),
        "closed_at": ("abschlussdatum", "abgeschlossen_am", "date_de_cloture", "cloture",
                      "fecha_de_cierre", "fecha_cierre", "data_chiusura", "data_de_fechamento",
                      "sluitingsdatum", "gesloten_op"),
        "outcome": ("ergebnis", "resultat", "resultado", "esito", "uitkomst", "resultaat"),
        "lost_reason": ("verlustgrund", "raison_de_la_perte", "motivo_de_perdida",
                        "motivo_perdita", "reden_verlies"),
    },
    "activities": {
        "rep_id": _REP_WORDS, "customer_id": _CUSTOMER_WORDS,
        "activity_type": ("art", "typ", "aktivitat", "tipo", "soort"),
        "occurred_at": ("datum", "zeitpunkt", "fecha", "data", "tijdstip"),
        "duration_s": ("dauer", "minuten", "duree", "duracion", "durata", "duracao", "duur"),
        "outcome": ("ergebnis", "resultat", "resultado", "esito", "uitkomst"),
        "status": ("erledigt", "estado", "stato", "statut"),
    },
    "reps": {"name": ("nom", "nombre", "nome", "naam"),
             "team": ("equipe", "equipo", "squadra", "ploeg"),
             "territory": ("gebiet", "territoire", "zona", "gebied")},
    "customers": {"name": _CUSTOMER_WORDS, "customer_id": _CUSTOMER_WORDS,
                  "industry": ("branche", "secteur", "sector", "settore", "sector"),
                  "segment": ("kundengruppe", "categorie", "categoria")},
}
for _table, _columns in _MORE_LANGUAGES.items():
    for _column, _names in _columns.items():
        SYNONYMS[_table][_column] = (*SYNONYMS[_table][_column],
                                     *(n for n in _names if n not in SYNONYMS[_table][_column]))

# words in a file name that say which table it holds, most specific first
_TABLE_WORDS = (("stages", ("stage",)), ("products", ("product", "catalog")),
                ("targets", ("target", "quota", "goal")), ("contacts", ("contact", "person")),
                ("activities", ("call", "activit", "visit", "meeting", "task", "event",
                                "engagement", "anruf", "besuch", "termin", "aktivit",
                                "appel", "visite", "llamada", "visita", "chiamat",
                                "gesprek", "bezoek")),
                ("reps", ("user", "rep", "owner", "employee", "team", "staff", "agent",
                          "salespe", "verkaufer", "mitarbeiter", "vendeur", "vendedor")),
                ("customers", ("account", "customer", "compan", "organi", "client", "kunde",
                               "klant")),
                ("opportunities", ("deal", "opportunit", "pipeline", "lead", "angebot",
                                   "verkaufschance", "affaire", "oportunidad", "kans",
                                   "trattativ")))
_DATES = {"created_at", "expected_close", "closed_at", "occurred_at", "active_from", "active_to"}
_NUMBERS = {"amount", "list_amount", "duration_s", "list_price", "probability", "value",
            "position"}
_TYPE_WORDS = (("call", ("call", "phone", "tel", "anruf", "appel", "llamada", "chiamat",
                         "gesprek", "ligac")),
               ("email", ("mail",)),
               ("meeting", ("meeting", "appointment", "lunch", "termin", "reunion", "riunion",
                            "afspraak", "rendez")),
               ("visit", ("visit", "besuch", "bezoek")),
               ("demo", ("demo",)), ("task", ("task", "to do", "todo", "deadline", "aufgabe",
                                               "tache", "tarea")))


def _bare(header: str) -> str:
    """A header without its unit in brackets and accents: 'Duration (min)' -> 'duration',
    'Verkäufer' -> 'verkaufer'."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", str(header))
                    if not unicodedata.combining(c))
    return normalize_name(re.sub(r"\s*[(\[].*?[)\]]\s*", " ", plain)).strip("_")


def _share(values: pd.Series, test) -> float:
    filled = values[values.astype(str).str.strip() != ""].astype(str)
    return 1.0 if filled.empty else float(filled.map(test).mean())


def _is_date(text: str) -> bool:
    return bool(re.match(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T].*)?$", text.strip())
                or re.match(r"^1?\d{12}$", text.strip()))


def _is_number(text: str) -> bool:
    return bool(re.match(r"^[^\d-]{0,4}-?[\d.,' ]*\d[^\d]{0,4}$", text.strip())) or bool(
        re.match(r"^\d+:\d{2}(:\d{2})?$", text.strip()))


def _words(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", str(text).lower()).strip()


_OUTCOME_WORDS = {**{_words(w): "won" for w in WON_STAGES},
                  **{_words(w): "lost" for w in LOST_STAGES},
                  "open": "open", "in progress": "open", "active": "open", "pending": "open"}


def _table_of(name: str, frame: pd.DataFrame) -> tuple[str | None, str]:
    low = _bare(name)
    for table, words in _TABLE_WORDS:
        if any(w in low for w in words):
            return table, f"the file name {name!r}"
    heads = {_bare(h) for h in frame.columns}
    scores = {t: len(heads & {s for names in syn.values() for s in names})
              for t, syn in SYNONYMS.items()}
    table = max(scores, key=scores.get)
    return (table, "its headers") if scores[table] >= 2 else (None, "")


def _fits(column: str, values: pd.Series) -> tuple[bool, str]:
    if column in _DATES:
        share = _share(values, _is_date)
        return share >= 0.8, f"dates in {share:.0%} of the sample"
    if column in _NUMBERS:
        share = _share(values, _is_number)
        return share >= 0.8, f"numbers in {share:.0%} of the sample"
    if column == "outcome" and values is not None:
        seen = {_words(v) for v in values if str(v).strip()}
        known = seen & set(_OUTCOME_WORDS)
        return bool(seen) and len(known) == len(seen), "won / lost / open words"
    return True, ""


def _assign(table: str, frame: pd.DataFrame) -> dict[str, tuple[list[str], str]]:
    """``{header: ([canonical columns], reason)}``."""
    taken: dict[str, tuple[list[str], str]] = {}
    used_columns: set[str] = set()
    heads = {h: _bare(h) for h in frame.columns}
    for column, names in SYNONYMS[table].items():
        ranked = sorted((names.index(b), h) for h, b in heads.items()
                        if b in names and h not in taken)
        for _, header in ranked:
            ok, shape = _fits(column, frame[header])
            if ok:
                why = ("its name" if heads[header] == column else
                       f"{header!r} is a usual name for {column}")
                taken[header] = ([column], why + (f"; {shape}" if shape else ""))
                used_columns.add(column)
                break
    key = SCHEMAS[table].key[0]
    # names as ids: the name column is also the key when no id column is there
    label = {"reps": "name", "customers": "name"}.get(table)
    if label and (key in used_columns) != (label in used_columns):
        have = label if label in used_columns else key
        header = next(h for h, (cols, _) in taken.items() if have in cols)
        taken[header] = ([key, label], f"names as ids: {header!r} names the {table[:-1]} "
                                       "and is its id")
    return taken


def _unit(header: str, values: pd.Series) -> str | None:
    low = header.lower()
    if _share(values, lambda v: bool(re.match(r"^\d+:\d{2}(:\d{2})?$", v.strip()))) > 0.8:
        return "hh:mm"
    for pattern, unit in ((r"\bms\b|milli", "milliseconds"), (r"min", "minutes"),
                          (r"hour|\bh\b|\bhrs?\b", "hours")):
        if re.search(pattern, low):
            return unit
    return None


def _value_map(column: str, values: pd.Series) -> dict[str, str]:
    seen = sorted({str(v).strip() for v in values if str(v).strip()})
    if column == "outcome":
        return {v: _OUTCOME_WORDS[_words(v)] for v in seen if _words(v) in _OUTCOME_WORDS}
    if column == "activity_type":
        out = {}
        for v in seen:
            low = v.lower()
            out[v] = next((t for t, words in _TYPE_WORDS if any(w in low for w in words)),
                          "other")
        return out
    if column == "status":
        done = ("done", "completed", "complete", "held", "true", "yes", "1")
        planned = ("planned", "open", "scheduled", "to do", "not started", "false", "no", "0")
        return {v: "done" if v.lower() in done else "planned" if v.lower() in planned
                else "cancelled" for v in seen}
    return {}


def _q(text: str) -> str:
    return text if re.fullmatch(r"[A-Za-z_][\w ]*[\w]|[A-Za-z_]", text) and \
        text.lower() not in ("yes", "no", "true", "false", "on", "off", "null") \
        else json.dumps(text, ensure_ascii=False)


def _options(samples: dict[str, pd.DataFrame]) -> dict[str, object]:
    texts = pd.Series([str(v) for f in samples.values() for c in f.columns
                       for v in f[c].head(50)], dtype=object)
    options = {}
    if texts.str.match(r"^(1[3-9]|2\d|3[01])[/.-](0?[1-9]|1[0-2])[/.-]\d{2,4}").any():
        options["dayfirst"] = True
    if texts.str.match(r"^-?\d{1,3}(\.\d{3})+,\d+$|^-?\d+,\d{1,2}$").sum() > \
            texts.str.match(r"^-?\d{1,3}(,\d{3})+\.\d+$|^-?\d+\.\d{1,2}$").sum():
        options["decimal"] = ","
    return options


def _ids_line(table: str, assigned) -> str:
    """``generate_ids`` for a table without an id column: a deal's id from the columns
    that name it (its date, salesperson and customer), so that its stage may change."""
    naming = [next((h for h, (cols, _) in assigned.items() if column in cols), None)
              for column in ("created_at", "rep_id", "customer_id")]
    if table == "opportunities" and all(naming):
        return (f"    generate_ids: [{', '.join(map(_q, naming))}]   # no id column: a deal "
                "is named by these, so its stage and amount may change")
    return "    generate_ids: true   # no id column: each row's values make its id"


def propose(samples: dict[str, pd.DataFrame]) -> tuple[str, list[str]]:
    """A commented YAML mapping for ``samples`` and the tables it could not place."""
    lines = ["# Proposed by salesanalysis map from the headers and first rows of: "
             + ", ".join(samples), "# Check each guess; the comments say why it was made.",
             "description: proposed mapping for " + ", ".join(samples)]
    options = _options(samples)
    if options:
        lines.append("options: " + json.dumps(options))
    lines.append("tables:")
    skipped, entries = [], set()
    for name, frame in samples.items():
        table, why = _table_of(name, frame)
        if table is None:
            skipped.append(f"{name}: neither its name nor its headers say which table it holds")
            continue
        assigned = _assign(table, frame)
        entry = table if table not in entries else re.sub(r"\W+", "_", name.lower())
        entries.add(entry)
        lines += [f"  {_q(entry)}:            # {table}, from {why}"]
        if entry != table:
            lines.append(f"    table: {table}")
        lines.append(f"    source: {_q(name)}")
        schema = SCHEMAS[table]
        found = {c for cols, _ in assigned.values() for c in cols}
        if schema.key[0] not in found and len(schema.key) == 1:
            lines.append(_ids_line(table, assigned))
            found.add(schema.key[0])
        defaults = {}
        if table == "activities" and "activity_type" not in found:
            defaults["activity_type"] = next(
                (t for t, words in _TYPE_WORDS if any(w in name.lower() for w in words)), "other")
        if defaults:
            lines.append("    defaults: " + json.dumps(defaults).replace('"', "")
                         + "   # the file name says what kind of rows these are")
            found |= set(defaults)
        lines.append("    columns:")
        for header, (cols, reason) in assigned.items():
            target = cols[0] if len(cols) == 1 else "[" + ", ".join(cols) + "]"
            lines.append(f"      {_q(header)}: {target}   # {reason}")
        units = {cols[0]: u for h, (cols, _) in assigned.items()
                 if cols[0] in ("duration_s",) and (u := _unit(h, frame[h]))}
        if units:
            lines.append("    units: " + json.dumps(units).replace('"', "")
                         + "   # from the header or the values")
        values = {cols[0]: m for h, (cols, _) in assigned.items()
                  if (m := _value_map(cols[0], frame[h]))}
        if values:
            lines.append("    values:             # the values seen in the sample")
            for column, recode in values.items():
                pairs = ", ".join(f"{_q(k)}: {v}" for k, v in recode.items())
                extra = ', "*": other' if column == "activity_type" else ""
                lines.append(f"      {column}: {{{pairs}{extra}}}")
        unused = [h for h in frame.columns if h not in assigned]
        if unused:
            lines.append("    # not used: " + ", ".join(unused))
        missing = [c.name for c in schema.columns
                   if c.required and c.default is None and c.name not in found]
        if missing:
            lines.append("    # REQUIRED BUT NOT FOUND: " + ", ".join(missing)
                         + " (name the source column that holds it above)")
    for item in skipped:
        lines.append(f"# not mapped: {item}")
    return "\n".join(lines) + "\n", skipped
