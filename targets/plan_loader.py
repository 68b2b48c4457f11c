"""Kept for existing imports: loading a plan is an action, targets.actions.plan."""

from .actions.plan import (
    LoadReport,
    PlanFileError,
    Problem,
    ensure_periods,
    load_plan_data,
    load_plan_file,
    plan_load,
    validate_plan_data,
)

__all__ = [
    "LoadReport", "PlanFileError", "Problem", "ensure_periods", "load_plan_data", "load_plan_file", "plan_load",
    "validate_plan_data",
]
