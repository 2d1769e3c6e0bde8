"""Normalisation: raw indicator values to scores on the 0–100 scale."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from stpi.engine.methods import pick
from stpi.engine.tree import FloatArray

__all__ = ["NORMALISERS", "normalise", "ratio_to_standard"]


def ratio_to_standard(
    x: FloatArray, *, standard: FloatArray, direction: FloatArray, cap: float = 100.0
) -> FloatArray:
    """Official method: score = 100 · min(1, x/s), or 100 · min(1, s/x) where lower is better.

    Parameters
    ----------
    x : float array, shape (..., K)
        Raw values; NaN where missing (stays NaN).
    standard : float array, shape (K,)
        Value earning the full score.
    direction : float array, shape (K,)
        +1 higher is better, -1 lower is better.
    cap : float
        Score earned at the standard. Scores are capped at ``cap``, never floored.

    Returns
    -------
    float array, shape (..., K)
    """
    # both branches are evaluated: s/x overflows for tiny x on rows where x/s is used
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = np.where(direction > 0, x / standard, standard / x)
    return cap * np.minimum(1.0, ratio)


Normaliser = Callable[..., FloatArray]

NORMALISERS: dict[str, Normaliser] = {"ratio": ratio_to_standard}


def normalise(
    x: FloatArray,
    *,
    method: str = "ratio",
    standard: FloatArray,
    direction: FloatArray,
    **params: float,
) -> FloatArray:
    """Apply the normalisation method called ``method`` to ``x`` (shape (..., K))."""
    fn = pick(NORMALISERS, method, "标准化 normalise")
    return fn(np.asarray(x, dtype=float), standard=standard, direction=direction, **params)
