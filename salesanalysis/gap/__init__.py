"""Why a number missed: driver-tree decomposition and dimension localisation."""

from .localise import Localisation, localise

__all__ = ["localise", "Localisation"]
