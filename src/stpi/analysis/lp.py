"""The least-effort linear program behind goal-seeking, and its HiGHS solution (see stpi.analysis.goalseek)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

from stpi.engine.tree import FloatArray
from stpi.errors import StpiError

__all__ = ["EPS", "Program", "solve_least_effort", "solve_max_index"]

EPS = 1e-9  # index points asked beyond the target, so rounding never leaves a plan a hair short


@dataclass(frozen=True, eq=False)
class Program:
    """The linear program in the program variables ``v`` (arrays of shape (K,))."""

    codes: tuple[str, ...]
    lower: FloatArray
    upper: FloatArray
    unit_cost: FloatArray
    slope: FloatArray
    base: float

    @property
    def max_index(self) -> float:
        """The index with every indicator at its upper bound."""
        return float(self.base + self.slope @ (self.upper - self.lower))

    def index(self, v: FloatArray) -> float:
        """The composite index at ``v`` (exact on the box)."""
        return float(self.base + self.slope @ (np.asarray(v) - self.lower))

    def cost(self, v: FloatArray) -> float:
        """The total effort of moving from ``lower`` to ``v``."""
        return float(self.unit_cost @ (np.asarray(v) - self.lower))


def _linprog(c: FloatArray, a_ub: FloatArray | None, b_ub: FloatArray | None, upper: FloatArray) -> FloatArray:
    # HiGHS's tightest feasibility tolerances, well below the EPS asked beyond the target;
    # presolve finds nothing to remove in one dense row but costs ~25× the solve itself
    options = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10, "presolve": False}
    if upper.size == 0:  # every indicator is fixed
        return np.zeros(0)
    bounds = np.column_stack([np.zeros_like(upper), upper])
    res = linprog(c, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs", options=options)
    if res.status != 0 or res.x is None:
        raise StpiError(f"线性规划求解失败 the linear program failed: {res.message}")
    return np.asarray(np.clip(np.asarray(res.x, dtype=float), 0.0, upper))


def solve_least_effort(program: Program, target: float) -> FloatArray:
    """The least-effort ``v`` reaching ``target`` (HiGHS); ``lower`` when already there.

    The LP's variables are the index points each indicator adds, ``w = p·(v − lower) ∈
    [0, p·(upper − lower)]``, at ``c/p`` effort per point: the constraint becomes
    ``Σ w ≥ target − base`` with unit coefficients, well conditioned whatever the
    indicators' units. HiGHS meets it to its tolerance; a last top-up along the best
    points per effort closes any such hair's breadth.

    Returns
    -------
    float array, shape (K,)
    """
    gap = target - program.base
    if gap <= 0:
        return program.lower.copy()
    points = program.slope * (program.upper - program.lower)
    if gap + EPS >= float(points.sum()) * (1 - 1e-12):  # at the edge the only answer is "everything"
        return program.upper.copy()
    live = points > 0
    per_point = program.unit_cost[live] / program.slope[live]
    w = _linprog(per_point, -np.ones((1, int(live.sum()))), np.array([-(gap + EPS)]), points[live])
    v = program.lower.copy()
    v[live] += w / program.slope[live]
    return _top_up(program, np.minimum(v, program.upper), target + EPS)


def _top_up(program: Program, v: FloatArray, target: float) -> FloatArray:
    short = target - program.index(v)
    v = np.array(v)
    for k in np.argsort(-(program.slope / program.unit_cost), kind="stable"):
        if short <= 0:
            break
        take = min(float((program.upper[k] - v[k]) * program.slope[k]), short)
        if take > 0:
            v[k] = min(program.upper[k], v[k] + take / program.slope[k])
            short -= take
    return v


def solve_max_index(program: Program) -> FloatArray:
    """The highest reachable index (HiGHS), with no effort spent where it earns nothing."""
    points = program.slope * (program.upper - program.lower)
    live = points > 0
    w = _linprog(-np.ones(int(live.sum())), None, None, points[live])
    v = program.lower.copy()
    v[live] += w / program.slope[live]
    return np.asarray(np.minimum(v, program.upper))
