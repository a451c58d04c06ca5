"""salesanalysis: measure and improve a sales team's performance from Jupyter.

The package's folders are its data flow: ``ingest`` (sources, mappings, validation),
``store`` (the workbook), ``kpi``, ``analyses`` (gap, findings, actions), ``reports`` (what
each notebook shows), ``present`` (formatting, plots, meeting documents) and ``batch``.
"""

from .errors import (
    DataValidationError,
    InvalidArgumentError,
    MappingError,
    MissingDataError,
    NoTargetError,
    SalesAnalysisError,
    SourceError,
    UnknownNameError,
    WorkbookError,
)
from .ingest.mapping import Mapping, load_mapping
from .ingest.report import ImportReport
from .schema import SCHEMAS, TABLE_ORDER
from .store.workbook import Workbook, open_workbook
from . import kpi
from .kpi.periods import Period
from . import analyses, reports

__version__ = "0.1.0"

__all__ = [
    "open_workbook",
    "Workbook",
    "Period",
    "kpi",
    "analyses",
    "reports",
    "ImportReport",
    "Mapping",
    "load_mapping",
    "SCHEMAS",
    "TABLE_ORDER",
    "SalesAnalysisError",
    "InvalidArgumentError",
    "UnknownNameError",
    "SourceError",
    "MappingError",
    "DataValidationError",
    "WorkbookError",
    "MissingDataError",
    "NoTargetError",
]
