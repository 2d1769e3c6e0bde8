"""Normalisation: raw indicator values to scores.

``ratio`` is the official method. The others are the alternatives of the R
package COINr (JRC/OECD handbook definitions), written after COINr's source,
``R/normalise.R`` of bluefoxr/COINr (v1.1.x: ``Normalise.numeric``,
``n_minmax``, ``n_zscore``, ``n_rank``, ``n_goalposts``, ``n_dist2targ`` and
``get_iMeta_norm_paras``), so that stpi gives COINr's numbers on COINr's inputs.

As in COINr's ``Normalise.numeric``, the COINr methods first multiply each
indicator by its direction (+1/−1) and then normalise; every statistic (min,
max, mean, sd, rank) is taken along the regions axis, axis 0 of an (R, ..., K)
array, separately for every year and indicator, ignoring NaN (R's
``na.rm = TRUE``). That is COINr's ``Normalise.coin`` applied to each year,
i.e. ``Normalise.purse(global = FALSE)``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from stpi.engine.methods import pick
from stpi.engine.rank import rank_regions
from stpi.engine.tree import FloatArray
from stpi.errors import MethodError

__all__ = [
    "NORMALISERS",
    "check_params",
    "dist2targ",
    "goalposts",
    "minmax",
    "normalise",
    "rank",
    "ratio_to_standard",
    "zscore",
]

Param = float | FloatArray


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
        if bool(np.all(direction > 0)):  # every indicator higher-is-better (the usual case): one division
            ratio = x / standard
        else:
            ratio = np.where(direction > 0, x / standard, standard / x)
    return cap * np.minimum(1.0, ratio)


def _oriented(x: FloatArray, direction: FloatArray) -> FloatArray:
    """``x · direction`` (COINr's ``x <- x*direction``), checking the regions axis exists."""
    if x.ndim < 2:
        raise MethodError(
            "此方法需要地区轴:数组形状应为 (地区, ..., 指标) "
            f"this method needs a regions axis: shape (R, ..., K), got {x.shape}"
        )
    return x * direction


def _col_min(x: FloatArray) -> FloatArray:
    # fmin skips NaN without the all-NaN warning of nanmin; an all-NaN column stays NaN
    return np.asarray(np.fmin.reduce(x, axis=0), dtype=float)


def _col_max(x: FloatArray) -> FloatArray:
    return np.asarray(np.fmax.reduce(x, axis=0), dtype=float)


def _col_mean_sd(x: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Mean and sample sd (n − 1, R's ``sd``) along axis 0, NaN ignored; NaN when undefined."""
    present = ~np.isnan(x)
    n = present.sum(axis=0)
    filled = np.where(present, x, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = filled.sum(axis=0) / n
        dev = np.where(present, x - mean, 0.0)
        sd = np.sqrt((dev * dev).sum(axis=0) / (n - 1))
    sd = np.where(n >= 2, sd, np.nan)
    return mean, sd


def minmax(
    x: FloatArray, *, standard: FloatArray, direction: FloatArray, low: float = 0.0, high: float = 100.0
) -> FloatArray:
    """COINr ``n_minmax``: ``(x − min)/(max − min)·(high − low) + low`` after ``x·direction``.

    Parameters
    ----------
    x : float array, shape (R, ..., K)
        Raw values, regions on axis 0; NaN where missing (stays NaN).
    standard : float array, shape (K,)
        Unused; accepted so that every method has the same call.
    direction : float array, shape (K,)
        +1 or −1; multiplied in first, as COINr does.
    low, high : float
        The interval the scores span exactly (COINr ``l_u``; default 0, 100).

    Returns
    -------
    float array, shape (R, ..., K)
        A constant column (range 0) gives NaN, as COINr (which warns).
    """
    v = _oriented(x, direction)
    lo, hi = _col_min(v), _col_max(v)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (v - lo) / (hi - lo) * (high - low) + low


def zscore(
    x: FloatArray, *, standard: FloatArray, direction: FloatArray, mean: float = 0.0, sd: float = 1.0
) -> FloatArray:
    """COINr ``n_zscore``: ``(x − mean(x))/sd(x)·sd + mean`` after ``x·direction``.

    ``sd(x)`` is the sample standard deviation (divisor n − 1), as R's ``stats::sd``.

    Parameters
    ----------
    x : float array, shape (R, ..., K)
    standard : float array, shape (K,)
        Unused.
    direction : float array, shape (K,)
    mean, sd : float
        Mean and standard deviation of the scores (COINr ``m_sd``; default 0, 1; sd > 0).

    Returns
    -------
    float array, shape (R, ..., K)
        A constant column, or fewer than two values, gives NaN (0/0 in COINr).
    """
    if not sd > 0:
        raise MethodError(f"z-score 的标准差须为正数 zscore sd must be positive, got {sd!r}")
    v = _oriented(x, direction)
    m, s = _col_mean_sd(v)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (v - m) / s * sd + mean


def rank(x: FloatArray, *, standard: FloatArray, direction: FloatArray) -> FloatArray:
    """COINr ``n_rank``: ``rank(x, ties.method = "min", na.last = "keep")`` after ``x·direction``.

    The lowest value ranks 1 and the best (highest after direction) ranks n, so
    higher scores are better. Tied values share the lowest of their ranks (COINr
    hard-codes ``"min"`` whatever ``ties.method`` it is given); NaN stays NaN.

    Parameters
    ----------
    x : float array, shape (R, ..., K)
    standard : float array, shape (K,)
        Unused.
    direction : float array, shape (K,)

    Returns
    -------
    float array, shape (R, ..., K)
    """
    v = _oriented(x, direction)
    # ascending rank with min ties = 1 + #(smaller values) = descending rank of −v
    return rank_regions(-v, axis=0)


def goalposts(
    x: FloatArray,
    *,
    standard: FloatArray,
    direction: FloatArray,
    lower: Param | None = None,
    upper: Param | None = None,
    scale: Param = 1.0,
    trunc: Param = 1.0,
) -> FloatArray:
    """COINr ``n_goalposts`` with its parameters per indicator (``f_n_para = "use_iMeta"``).

    ``(x − lower)/(upper − lower)`` where higher is better, ``(upper − x)/(upper − lower)``
    where lower is better, truncated to [0, 1] when ``trunc``, times ``scale``.
    Computed as COINr does: the data are multiplied by the direction, and for a
    negative indicator the goalposts become ``(−upper, −lower)``.

    Parameters
    ----------
    x : float array, shape (R, ..., K)
    standard : float array, shape (K,)
        Unused.
    direction : float array, shape (K,)
    lower, upper : float or float array, shape (K,)
        The goalposts in the indicator's own units (COINr ``goalpost_lower/upper``). Required.
    scale : float or float array, shape (K,)
        COINr ``goalpost_scale`` (the third element of ``gposts``); default 1.
    trunc : float or float array, shape (K,)
        Non-zero truncates to the goalposts (COINr ``goalpost_trunc2posts``; default on).

    Returns
    -------
    float array, shape (R, ..., K)
    """
    if lower is None or upper is None:
        raise MethodError("goalposts 需要 lower 与 upper goalposts needs lower and upper (e.g. goalposts:0,100)")
    v = _oriented(x, direction)
    d = np.asarray(direction, dtype=float)
    lo, hi = np.asarray(lower, dtype=float) * d, np.asarray(upper, dtype=float) * d
    # get_iMeta_norm_paras: gposts = (upper·d, lower·d) when d = −1, then n_goalposts with direction 1
    g1, g2 = np.where(d < 0, hi, lo), np.where(d < 0, lo, hi)
    with np.errstate(divide="ignore", invalid="ignore"):
        y = (v - g1) / (g2 - g1)
    cut = np.asarray(trunc, dtype=float) != 0
    y = np.where(cut & (y > 1), 1.0, y)
    y = np.where(cut & (y < 0), 0.0, y)
    return np.asarray(y * np.asarray(scale, dtype=float), dtype=float)


def dist2targ(
    x: FloatArray,
    *,
    standard: FloatArray,
    direction: FloatArray,
    target: Param | None = None,
    cap: Param = 0.0,
) -> FloatArray:
    """COINr ``n_dist2targ`` as called by ``Normalise.coin`` with ``f_n_para = "use_iMeta"``.

    ``(x − min)/(target − min)`` where higher is better, ``(max − x)/(max − target)``
    where lower is better; values beyond the target exceed 1 unless ``cap``.
    COINr multiplies data and target by the direction and applies the first form.

    Parameters
    ----------
    x : float array, shape (R, ..., K)
    standard : float array, shape (K,)
        The target when ``target`` is not given (stpi's standard is the value earning full marks).
    direction : float array, shape (K,)
    target : float or float array, shape (K,), optional
        COINr ``Target`` column of iMeta. Must not be NaN (COINr stops: "targ is NA").
    cap : float or float array, shape (K,)
        Non-zero caps scores at 1 (COINr ``dist2targ_cap_max``; default off, as COINr).

    Returns
    -------
    float array, shape (R, ..., K)
        Scores as fractions (1 at the target), as COINr.
    """
    targ = np.asarray(standard if target is None else target, dtype=float)
    if np.isnan(targ).any():
        raise MethodError("目标值缺失 dist2targ target is NaN (COINr: targ is NA)")
    v = _oriented(x, direction)
    t = targ * direction
    lo = _col_min(v)
    with np.errstate(divide="ignore", invalid="ignore"):
        y = (v - lo) / (t - lo)
    return np.where((np.asarray(cap, dtype=float) != 0) & (y > 1), 1.0, y)


Normaliser = Callable[..., FloatArray]

NORMALISERS: dict[str, Normaliser] = {
    "ratio": ratio_to_standard,
    "minmax": minmax,
    "zscore": zscore,
    "rank": rank,
    "goalposts": goalposts,
    "dist2targ": dist2targ,
}


def check_params(method: str, params: dict[str, Any]) -> None:
    """Fail on an unknown method, or on parameters the method does not take, naming the valid ones."""
    fn = pick(NORMALISERS, method, "标准化 normalise")
    accepted = [
        p.name
        for p in inspect.signature(fn).parameters.values()
        if p.kind is p.KEYWORD_ONLY and p.name not in ("standard", "direction")
    ]
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        valid = ", ".join(accepted) or "无 none"
        raise MethodError(
            f"标准化方法 {method} 不接受参数 normalise method {method!r} takes no parameter "
            f"{', '.join(unknown)}; 可用参数 valid: {valid}"
        )


def normalise(
    x: FloatArray,
    *,
    method: str = "ratio",
    standard: FloatArray,
    direction: FloatArray,
    **params: Param,
) -> FloatArray:
    """Apply the normalisation method called ``method`` to ``x``.

    Parameters
    ----------
    x : float array, shape (..., K)
        Raw values; the COINr methods need regions on axis 0, shape (R, ..., K).
    method : str
        A key of :data:`NORMALISERS`.
    standard, direction : float array, shape (K,)
    **params
        The method's parameters (scalars, or per-indicator arrays of shape (K,)).

    Returns
    -------
    float array, same shape as ``x``
    """
    check_params(method, params)
    fn = NORMALISERS[method]
    return fn(np.asarray(x, dtype=float), standard=standard, direction=direction, **params)
