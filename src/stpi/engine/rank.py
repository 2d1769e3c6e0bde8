"""Ranks among regions within a year."""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata

from stpi.engine.tree import FloatArray

__all__ = ["rank_regions"]


def rank_regions(values: FloatArray, *, axis: int = 0) -> FloatArray:
    """Rank along the region axis: 1 = highest, ties share the best rank, NaN stays NaN.

    Parameters
    ----------
    values : float array, shape (R, ...)
        Scores; regions along ``axis``.

    Returns
    -------
    float array, same shape
        Ranks as floats (NaN where the value is missing).
    """
    values = np.asarray(values, dtype=float)
    if values.shape[axis] == 0:
        return values.copy()
    return np.asarray(rankdata(-values, method="min", axis=axis, nan_policy="omit"), dtype=float)
