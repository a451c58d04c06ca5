"""KPI functions: every number a sales review needs, at any level and period."""

from . import measures
from .engine import DIMENSIONS, compute
from .measures import *  # noqa: F401,F403
from .periods import PERIODS, period_bounds
from .pipeline import *  # noqa: F401,F403
from .pipeline import __all__ as _pipeline
from .stalls import *  # noqa: F401,F403
from .stalls import __all__ as _stalls
from .results import *  # noqa: F401,F403
from .results import __all__ as _results
from .scorecard import HEADLINE, scorecard
from .registry import KPI, get, kpis

__all__ = ["compute", "scorecard", "HEADLINE", "kpis", "get", "KPI", "DIMENSIONS", "PERIODS",
           "period_bounds", *measures.__all__, *_pipeline, *_stalls, *_results]
