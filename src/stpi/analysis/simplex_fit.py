"""Least squares on products of simplices: the weight fit behind calibration (see stpi.analysis.calibrate).

Each parent's child weights are non-negative and sum to one (a simplex per parent, given by
``block``); ``fit_simplex`` finds the least-squares weights, ``consistent_ranges`` each weight's range
over every parameter set that fits equally well, ``rank_condition`` whether the data identify them.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import null_space
from scipy.optimize import linprog, nnls

from stpi.engine.tree import FloatArray, IntArray

__all__ = ["RANK_TOL", "consistent_ranges", "fit_simplex", "rank_condition"]

RANK_TOL = 1e-9


def _membership(block: IntArray) -> FloatArray:
    g: FloatArray = (block[None, :] == np.arange(int(block.max()) + 1)[:, None]).astype(float)
    return g


def _reduced(matrix: FloatArray, block: IntArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(w0, N, M): every feasible w is w0 + N z without the bounds; M = matrix · N."""
    g = _membership(block)
    w0 = g.T @ (1.0 / g.sum(axis=1))
    basis: FloatArray = null_space(g)
    return w0, basis, matrix @ basis


def fit_simplex(matrix: FloatArray, target: FloatArray, block: IntArray) -> FloatArray:
    """Least squares ``min ||matrix·w - target||`` with w ≥ 0 and each block's weights summing to 1.

    Parameters
    ----------
    matrix : float array, shape (n, p)
    target : float array, shape (n,)
    block : int array, shape (p,)
        The block (parent) of each weight, numbered from 0.

    Returns
    -------
    float array, shape (p,)
        The equality-constrained optimum when it is non-negative (exact);
        otherwise non-negative least squares with the sums as heavily weighted
        rows, polished by the exact solution on the weights it leaves positive.
    """
    w = _equality_fit(matrix, target, block)
    if w.min() >= -1e-12:
        return _normalised(np.clip(w, 0.0, None), block)
    g = _membership(block)
    heavy = 1e4 * (1.0 + float(np.abs(matrix).max(initial=0.0)))
    w = np.asarray(nnls(np.vstack([matrix, heavy * g]), np.concatenate([target, heavy * np.ones(len(g))]), maxiter=50 * len(w))[0], dtype=float)
    support = w > 0
    if (g @ support > 0).all():
        exact = np.zeros_like(w)
        exact[support] = _equality_fit(matrix[:, support], target, np.unique(block[support], return_inverse=True)[1])
        if exact.min() >= 0 and np.sum((matrix @ exact - target) ** 2) <= np.sum((matrix @ w - target) ** 2):
            w = exact
    return _normalised(np.clip(w, 0.0, None), block)


def _equality_fit(matrix: FloatArray, target: FloatArray, block: IntArray) -> FloatArray:
    """The least-squares weights with each block summing to 1, ignoring the bounds (min-norm if not unique)."""
    w0, basis, m = _reduced(matrix, block)
    z = np.linalg.lstsq(m, target - matrix @ w0, rcond=None)[0] if m.size else np.zeros(basis.shape[1])
    w: FloatArray = w0 + basis @ z
    return w


def _normalised(w: FloatArray, block: IntArray) -> FloatArray:
    g = _membership(block)
    out: FloatArray = w / (g.T @ (g @ w))
    return out


def consistent_ranges(matrix: FloatArray, target: FloatArray, block: IntArray, w: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Each weight's smallest and largest value among all weights fitting as well as ``w``.

    Every minimiser of the least squares has the same fitted values ``matrix·w``;
    the ranges are two linear programmes per weight over that set and the constraints.
    """
    fitted = matrix @ w
    tol = 1e-7 * (1.0 + float(np.abs(fitted).max(initial=0.0)))
    a_ub = np.vstack([matrix, -matrix])
    b_ub = np.concatenate([fitted + tol, -fitted + tol])
    g = _membership(block)
    low, high = np.empty_like(w), np.empty_like(w)
    for j in range(len(w)):
        for sign, out in ((1.0, low), (-1.0, high)):
            c = np.zeros(len(w))
            c[j] = sign
            res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=g, b_eq=np.ones(len(g)), bounds=(0, None), method="highs")
            out[j] = float(res.x[j]) if res.status == 0 else w[j]
    return low, high


def rank_condition(matrix: FloatArray, block: IntArray) -> tuple[int, float | None]:
    """Rank of the design without the sum constraints, and its condition (columns scaled to unit length)."""
    _, _, m = _reduced(matrix, block)
    if m.size == 0:
        return 0, None
    s = np.linalg.svd(m, compute_uv=False)
    rank = int((s > RANK_TOL * s[0]).sum()) if s[0] > 0 else 0
    norms = np.linalg.norm(m, axis=0)
    if rank < m.shape[1] or not (norms > 0).all():
        return rank, None
    sc = np.linalg.svd(m / norms, compute_uv=False)
    return rank, float(sc[0] / sc[-1])
