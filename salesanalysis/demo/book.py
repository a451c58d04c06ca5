"""Each rep's book: the prospects found week by week, the customers they become and the
customers' contacts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import patterns
from .catalogue import FIRST_NAMES, INDUSTRIES, LAST_NAMES, SEGMENT_SHARE, SEGMENTS
from .draws import Calendar, ids, starts
from .team import Team

__all__ = ["Prospects", "Book", "prospects", "customers_and_contacts"]


@dataclass(frozen=True)
class Prospects:
    """New prospects per rep and week; a rep's prospects are customers ``offset[rep]`` on,
    in the order found."""

    new: np.ndarray  # reps x weeks
    cum: np.ndarray  # reps x weeks, found so far (the running sum of ``new``)
    offset: np.ndarray  # per rep


@dataclass(frozen=True)
class Book:
    """What the later steps need of each customer, by customer index."""

    ids: pd.Series
    segment: np.ndarray  # index into SEGMENTS
    territory: np.ndarray
    contact_ids: pd.Series  # customer by customer, from first_contact on
    first_contact: np.ndarray
    n_contacts: np.ndarray

    def pick_contact(self, rng, cust: np.ndarray) -> np.ndarray:
        """One of each given customer's contacts, at random."""
        return (self.first_contact[cust]
                + (rng.random(len(cust)) * self.n_contacts[cust]).astype(np.int64))


def prospects(rng, cal: Calendar, reps: int, activities_per_week: float) -> Prospects:
    """New prospects per rep and week, each rep starting with a book of eight."""
    new_rate = np.full(reps, activities_per_week / 20) * rng.uniform(0.7, 1.3, reps)
    new_rate = patterns.contact_inflater_prospects(new_rate)
    rate_rw = np.repeat(new_rate[:, None], cal.weeks, axis=1)
    rate_rw = patterns.sawtooth_prospector(rate_rw, cal.week_starts)
    n_new = rng.poisson(rate_rw)
    n_new[:, 0] += 8  # the book each rep starts with
    cum_new = np.cumsum(n_new, axis=1)
    return Prospects(new=n_new, cum=cum_new, offset=starts(cum_new[:, -1]))


def customers_and_contacts(rng, found: Prospects, team: Team
                           ) -> tuple[pd.DataFrame, pd.DataFrame, Book]:
    """The customers table (every prospect becomes one), the contacts table and the book."""
    customers, segment, territory = _customers(rng, found, team)
    contacts, first_contact, n_contacts = _contacts(rng, customers["customer_id"])
    book = Book(ids=customers["customer_id"], segment=segment, territory=territory,
                contact_ids=contacts["contact_id"], first_contact=first_contact,
                n_contacts=n_contacts)
    return customers, contacts, book


def _customers(rng, found: Prospects, team: Team):
    per_rep = found.cum[:, -1]
    n_customers = int(per_rep.sum())
    territory = team.territory[np.repeat(np.arange(len(team)), per_rep)]
    seg_idx = rng.choice(3, n_customers, p=SEGMENT_SHARE)
    customers = pd.DataFrame({
        "customer_id": ids("C", n_customers),
        "name": [f"Customer {i:05d}" for i in range(1, n_customers + 1)] if n_customers < 100_000
        else ids("Customer ", n_customers),
        "segment": np.array(SEGMENTS)[seg_idx],
        "territory": territory,
        "industry": np.array(INDUSTRIES)[rng.integers(0, len(INDUSTRIES), n_customers)],
    })
    return customers, seg_idx, territory


def _contacts(rng, cust_ids: pd.Series):
    """1 to 3 contacts per customer, the first one a decision maker half of the time."""
    n_contacts_per = rng.integers(1, 4, len(cust_ids))
    contact_cust = np.repeat(np.arange(len(cust_ids)), n_contacts_per)
    first_contact = starts(n_contacts_per)
    position = np.arange(len(contact_cust)) - first_contact[contact_cust]
    is_dm = np.where(position == 0, rng.random(len(contact_cust)) < 0.5,
                     rng.random(len(contact_cust)) < 0.2)
    contacts = pd.DataFrame({
        "contact_id": ids("P", len(contact_cust)),
        "customer_id": cust_ids.values[contact_cust],
        "name": [f"{FIRST_NAMES[i % 25]} {LAST_NAMES[(i // 25) % 15]}"
                 for i in range(len(contact_cust))],
        "is_decision_maker": is_dm,
    })
    return contacts, first_contact, n_contacts_per
