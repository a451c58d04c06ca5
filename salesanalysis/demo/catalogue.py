"""The demo's fixed vocabulary: territories, segments, sources, stages, products and the
names reps, managers and contacts are given."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["TERRITORIES", "SEGMENTS", "SEGMENT_SHARE", "SEGMENT_DEAL", "SEGMENT_CYCLE",
           "INDUSTRIES", "SOURCES", "SOURCE_WIN", "OTHER_SOURCE_SHARE", "LOST_REASONS",
           "STAGES", "OPEN_STAGES", "STAGE_AT", "PRODUCTS", "NEXT_STEPS", "FIRST_NAMES",
           "LAST_NAMES"]

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
NEXT_STEPS = ("Follow-up call", "Send proposal", "Book demo", "Meet decision maker",
              "Agree terms")
FIRST_NAMES = ("Ana", "Ben", "Chloe", "David", "Elena", "Farid", "Grace", "Hugo", "Iris",
               "Jonas", "Kira", "Luis", "Maya", "Noah", "Olga", "Pablo", "Quinn", "Rosa",
               "Sam", "Tara", "Umar", "Vera", "Will", "Yara", "Zoe")
LAST_NAMES = ("Lopez", "Smith", "Novak", "Rossi", "Meyer", "Khan", "Dubois", "Silva",
              "Berg", "Costa", "Jensen", "Moreau", "Ito", "Kowalski", "Walsh")
