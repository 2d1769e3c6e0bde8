"""Ranks among regions within a year."""

from __future__ import annotations

import numpy as np

from stpi.engine.tree import FloatArray

__all__ = ["rank_regions"]


def rank_regions(values: FloatArray, *, axis: int = 0) -> FloatArray:
    """Rank along the region axis: 1 = highest, ties share the best rank, NaN stays NaN.

    One sort for all years and nodes at once: in descending order a value's rank
    is its position, carried forward over equal values.

    Parameters
    ----------
    values : float array, shape (R, ...)
        Scores; regions along ``axis``.

    Returns
    -------
    float array, same shape
        Ranks as floats (NaN where the value is missing).
    """
    # regions on the last, contiguous axis: sorting along it is several times faster
    values = np.ascontiguousarray(np.moveaxis(np.asarray(values, dtype=float), axis, -1))
    n = values.shape[-1]
    if n == 0:
        return np.moveaxis(values, -1, axis)
    order = np.argsort(-values, axis=-1)  # NaN sorts last
    ordered = np.take_along_axis(-values, order, axis=-1)
    is_new = np.ones(ordered.shape, dtype=bool)
    is_new[..., 1:] = ordered[..., 1:] != ordered[..., :-1]
    position = np.arange(1, n + 1, dtype=float)
    rank_sorted = np.maximum.accumulate(np.where(is_new, position, 0.0), axis=-1)
    ranks = np.empty_like(values)
    np.put_along_axis(ranks, order, rank_sorted, axis=-1)
    ranks[np.isnan(values)] = np.nan
    return np.moveaxis(ranks, -1, axis)
