"""KPI functions: every number a sales review needs, at any level and period."""

from . import measures
from .engine import DIMENSIONS, compute
from .measures import *  # noqa: F401,F403
from .periods import PERIODS, period_bounds
from .registry import KPI, get, kpis, require

__all__ = ["compute", "kpis", "get", "require", "KPI", "DIMENSIONS", "PERIODS",
           "period_bounds", *measures.__all__]
