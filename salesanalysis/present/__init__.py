"""Presentation: formatted tables, seaborn figures and meeting documents."""

from ..errors import MissingDataError
from . import meeting

__all__ = ["OUTPUT_WRITERS"]


def _meeting_pack(workbook, parameters: dict, stem) -> list:
    """The meeting documents; none where the data cannot give the review's findings
    and gap (the review itself says what is missing)."""
    try:
        return meeting.write_pack(workbook, rep=parameters["rep"], period=parameters["period"],
                                  stem=stem, rules=parameters.get("rules"),
                                  comparison=parameters.get("comparison", "previous"))
    except MissingDataError:
        return []


# the documents a report may ask to be written beside each run (Report.outputs)
OUTPUT_WRITERS = {"meeting_pack": _meeting_pack}
