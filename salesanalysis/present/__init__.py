"""Presentation: formatted tables, seaborn figures and meeting documents."""

from . import meeting

__all__ = ["OUTPUT_WRITERS"]


def _meeting_pack(workbook, parameters: dict, stem) -> list:
    """The meeting documents, each part the data cannot give saying what it needs."""
    return meeting.write_pack(workbook, rep=parameters["rep"], period=parameters["period"],
                              stem=stem, rules=parameters.get("rules"),
                              comparison=parameters.get("comparison", "previous"))


# the documents a report may ask to be written beside each run (Report.outputs)
OUTPUT_WRITERS = {"meeting_pack": _meeting_pack}
