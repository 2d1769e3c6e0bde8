"""stpi — 科技进步水平指数监测评估系统: monitoring and evaluation of a regional S&T progress index."""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

# The Python API is imported on first use (PEP 562), so that `import stpi.cli` stays light.
_HOMES = {
    "stpi.analysis": ("IndexResult", "PlanStatus", "Values", "compute_index", "plan_scenarios", "plan_status", "read_values", "values_from_frame"),
    "stpi.engine": ("Aggregate", "Normalise", "Recipe"),
    "stpi.errors": ("InputError", "MethodError", "NotFoundError", "Problem", "StpiError"),
    "stpi.framework": ("Department", "Framework", "Node", "Plan", "PlanIndicator", "Provenance", "default_framework", "default_plan",
                       "embedded_framework", "export_framework", "load_framework", "load_plan"),
}
_HOME = {name: module for module, names in _HOMES.items() for name in names}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        import importlib

        value = getattr(importlib.import_module(_HOME[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'stpi' has no attribute {name!r}")


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
