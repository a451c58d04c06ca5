"""Batch runs of the report notebooks: parameter specs, warm kernels, HTML export."""

from .runner import BatchError, plan_runs, run_batch, safe_name
from .specs import SPECS, ParameterError, check, describe, spec_for

__all__ = ["run_batch", "plan_runs", "safe_name", "BatchError", "SPECS", "ParameterError",
           "check", "describe", "spec_for"]
