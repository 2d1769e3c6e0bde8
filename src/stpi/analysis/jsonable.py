"""Turning analysis results into JSON-ready values."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["jsonable"]


def jsonable(obj: Any) -> Any:
    """Nested dicts, lists and tuples with every non-finite float (NaN, ±inf) as None."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    return obj
