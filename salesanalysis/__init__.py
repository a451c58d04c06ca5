"""salesanalysis: measure and improve a sales team's performance from Jupyter."""

from .errors import (
    DataValidationError,
    MappingError,
    MissingDataError,
    NoTargetError,
    SalesAnalysisError,
    SourceError,
    WorkbookError,
)
from .mapping import Mapping, load_mapping
from .report import ImportReport
from .schema import SCHEMAS, TABLE_ORDER
from .workbook import Workbook, open_workbook
from . import kpi  # noqa: E402  (needs the workbook module)
from . import findings, quality, review, team  # noqa: E402  (need kpi)

__version__ = "0.1.0"

__all__ = [
    "open_workbook",
    "kpi",
    "review",
    "findings",
    "team",
    "quality",
    "Workbook",
    "ImportReport",
    "Mapping",
    "load_mapping",
    "SCHEMAS",
    "TABLE_ORDER",
    "SalesAnalysisError",
    "SourceError",
    "MappingError",
    "DataValidationError",
    "WorkbookError",
    "MissingDataError",
    "NoTargetError",
]
