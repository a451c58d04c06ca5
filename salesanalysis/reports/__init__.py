"""What each report notebook shows: one module per notebook, each with its declaration
(``REPORT``: parameters, shared batch work, documents written beside each run) and its
``headline_numbers`` for the batch index."""

from . import data_quality, explorer, gap_analysis, pipeline_health, rep_review, team_trends

__all__ = ["REPORTS", "data_quality", "explorer", "gap_analysis", "pipeline_health", "rep_review",
           "team_trends"]

REPORTS = tuple(m.REPORT for m in (rep_review, team_trends, pipeline_health, data_quality,
                                    gap_analysis, explorer))
