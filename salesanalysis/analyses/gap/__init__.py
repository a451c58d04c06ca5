"""Why a number missed: driver-tree decomposition and dimension localisation."""

from .drivers import PROSPECTING, REVENUE, Tree, decompose
from .segments import driver_matrix, mix_rate, price_volume_mix
from .explain import COMPARISONS, METRICS, GapExplanation, explain_gap
from .localise import Localisation, localise

__all__ = ["explain_gap", "GapExplanation", "METRICS", "COMPARISONS", "localise",
           "Localisation", "Tree", "REVENUE", "PROSPECTING", "decompose", "mix_rate",
           "price_volume_mix", "driver_matrix"]
