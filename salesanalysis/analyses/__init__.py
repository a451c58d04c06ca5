"""Analyses: why a number moved (gap), what stands out (findings) and what was agreed
(actions)."""

from . import actions, findings, gap

__all__ = ["actions", "findings", "gap"]
