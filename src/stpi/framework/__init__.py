"""The indicator tree, parameters with provenance, plans and departments."""

from stpi.framework.embedded import default_framework, default_plan, embedded_framework
from stpi.framework.io import export_framework, load_framework
from stpi.framework.model import Framework, Node, Provenance
from stpi.framework.plan import Department, Goal, Plan, PlanIndicator, load_plan

__all__ = [
    "Department",
    "Framework",
    "Goal",
    "Node",
    "Plan",
    "PlanIndicator",
    "Provenance",
    "default_framework",
    "default_plan",
    "embedded_framework",
    "export_framework",
    "load_framework",
    "load_plan",
]
