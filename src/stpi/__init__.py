"""stpi — 科技进步水平指数监测评估系统: monitoring and evaluation of a regional S&T progress index."""

from stpi.analysis import IndexResult, PlanStatus, Values, compute_index, plan_scenarios, plan_status, read_values, values_from_frame
from stpi.engine import Aggregate, Normalise, Recipe
from stpi.errors import InputError, MethodError, NotFoundError, Problem, StpiError
from stpi.framework import (
    Department,
    Framework,
    Node,
    Plan,
    PlanIndicator,
    Provenance,
    default_framework,
    default_plan,
    embedded_framework,
    export_framework,
    load_framework,
    load_plan,
)

__version__ = "0.1.0"

__all__ = [
    "Aggregate",
    "Department",
    "Framework",
    "IndexResult",
    "InputError",
    "MethodError",
    "Node",
    "Normalise",
    "NotFoundError",
    "Plan",
    "PlanIndicator",
    "PlanStatus",
    "Problem",
    "Provenance",
    "Recipe",
    "StpiError",
    "Values",
    "compute_index",
    "default_framework",
    "default_plan",
    "embedded_framework",
    "export_framework",
    "load_framework",
    "load_plan",
    "plan_scenarios",
    "plan_status",
    "read_values",
    "values_from_frame",
]
