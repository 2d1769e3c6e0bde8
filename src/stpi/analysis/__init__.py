"""Questions asked of the numbers: index results, contributions, plan status."""

from stpi.analysis.index import IndexResult, compute_index
from stpi.analysis.status import PlanStatus, plan_scenarios, plan_status
from stpi.analysis.values import Values, read_values, values_from_frame

__all__ = [
    "IndexResult",
    "PlanStatus",
    "Values",
    "compute_index",
    "plan_scenarios",
    "plan_status",
    "read_values",
    "values_from_frame",
]
