"""Why a number missed: driver-tree decomposition and dimension localisation."""

from .drivers import (PROSPECTING, REVENUE, Tree, decompose, driver_matrix, mix_rate,
                      price_volume_mix)
from .localise import Localisation, localise

__all__ = ["localise", "Localisation", "Tree", "REVENUE", "PROSPECTING", "decompose",
           "mix_rate", "price_volume_mix", "driver_matrix"]
