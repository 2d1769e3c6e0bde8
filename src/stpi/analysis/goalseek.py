"""Goal-seeking: the least-effort indicator improvements that lift the composite index to a target.

Under the official method (score = ratio to a standard capped at 100, weighted sums)
the root is ``Σ_k e_k · score_k`` with ``e_k`` the effective weight of indicator k.
With the program variable ``v = x`` where higher is better and ``v = 1/x`` where lower
is better, every score is ``100 · min(1, v / σ)`` (``σ = s`` or ``1/s``): linear in
``v`` up to the standard and flat beyond it. Each ``v`` moves between its current
value and ``min(bound, σ)``, because an improvement past the standard earns nothing,
so on that box the index is exactly linear and the problem is the linear program::

    minimise    Σ c_k (v_k − lower_k)
    subject to  base + Σ p_k (v_k − lower_k) ≥ target,      lower_k ≤ v_k ≤ upper_k

with ``p_k = 100 · e_k / σ_k`` index points per unit of ``v`` and ``c_k = factor_k /
v_ref_k`` effort per unit. The effort is the relative improvement ``Δv / v_now``: the
relative increase of ``x``, or, where lower is better, ``x_now / x − 1`` (halving costs
as much as doubling). Without a usable current value (missing, or not positive) the
indicator starts at score 0 (``lower = 0``) and its effort is counted in units of its
plan target (``v_ref = target``), flagged by ``cost_basis``. ``base`` is the index at
``lower``: the from-year index with unknown indicators scoring 0. The index under the
named missing-value policy (``reweight`` by default, as ``stpi status``) is reported
beside it. The program is solved by HiGHS (``scipy.optimize.linprog``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from stpi.analysis.jsonable import jsonable
from stpi.analysis.lp import EPS, Program, solve_least_effort, solve_max_index
from stpi.analysis.index import compute_index
from stpi.analysis.values import Values
from stpi.engine import Aggregate, Recipe, build
from stpi.engine.tree import FloatArray
from stpi.errors import InputError, MethodError, Problem
from stpi.framework.model import Framework
from stpi.framework.plan import Plan

__all__ = [
    "GoalSeekResult",
    "Move",
    "Program",
    "goal_seek",
    "marginal_points",
    "solve_least_effort",
    "solve_max_index",
    "target_dependence",
    "targets_reached_index",
]

PROGRAM_TEXT = {
    "variable": "v = x where higher is better, 1/x where lower is better; start, lower, upper, recommended are values of v",
    "objective": "minimise Σ unit_cost · (v − lower)",
    "constraint": f"index_base + Σ points_per_unit · (v − lower) ≥ target (solved for target + {EPS:g})",
    "bounds": "lower ≤ v ≤ upper",
}



@dataclass(frozen=True, eq=False)
class _Setup:
    """Per-indicator arrays behind the program, shape (K,)."""

    codes: tuple[str, ...]
    x_start: FloatArray
    direction: FloatArray
    eff: FloatArray
    sigma: FloatArray
    v_start: FloatArray
    v_ref: FloatArray
    basis: tuple[str, ...]
    lower: FloatArray
    upper: FloatArray


def _targets(plan: Plan) -> dict[str, float]:
    return {i.code: i.target for i in plan.indicators}


def _float(value: float | None) -> float:
    return math.nan if value is None else float(value)


def _v(x: FloatArray, direction: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore"):
        return np.asarray(np.where(direction > 0, x, 1.0 / x))


def _setup(framework: Framework, start: Mapping[str, float | None], *, bound: Mapping[str, float] | None = None, reference: Mapping[str, float] | None = None) -> _Setup:
    tree = framework.tree
    codes = tree.leaf_codes
    x = np.array([_float(start.get(c)) for c in codes])
    d = tree.direction
    sigma = _v(tree.standard, d)
    v = _v(x, d)
    known = np.isfinite(x)
    capped = known & (v >= sigma)
    lower = np.where(known, np.where(capped & ~np.isfinite(v), sigma, v), 0.0)
    ref = _v(np.array([np.nan if reference is None or c not in reference else reference[c] for c in codes]), d)
    usable_start, usable_ref = known & (v > 0) & np.isfinite(v), np.isfinite(ref) & (ref > 0)
    v_ref = np.where(usable_start, v, np.where(usable_ref, ref, sigma))
    basis = tuple(np.where(usable_start, "start", np.where(usable_ref, "target", "standard")).tolist())
    b = lower if bound is None else _v(np.array([bound.get(c, np.nan) for c in codes], dtype=float), d)
    upper = np.where(capped, lower, np.maximum(lower, np.minimum(np.where(np.isnan(b), lower, b), sigma)))
    eff = tree.effective_weight[tree.leaves]
    return _Setup(codes, x, d, eff, sigma, v, v_ref, basis, lower, upper)


def _score(v: FloatArray, sigma: FloatArray) -> FloatArray:
    return np.asarray(100.0 * np.minimum(1.0, v / sigma))


def marginal_points(framework: Framework, start: Mapping[str, float | None], *, reference: Mapping[str, float] | None = None) -> FloatArray:
    """Index points a 1% improvement of each indicator adds, from its current value.

    A 1% improvement multiplies ``x`` by 1.01 (divides it where lower is better); past
    the standard it earns 0. Where the current value is unknown or not positive the step
    is 1% of ``reference`` (e.g. the plan target) from a score of 0; NaN without one.

    Returns
    -------
    float array, shape (K,)
        In leaf order.
    """
    s = _setup(framework, start, reference=reference)
    points = s.eff * (_score(s.lower + 0.01 * s.v_ref, s.sigma) - _score(s.lower, s.sigma))
    return np.asarray(np.where(np.array(s.basis) == "standard", np.nan, points))


def targets_reached_index(framework: Framework, plan: Plan, *, recipe: Recipe | None = None) -> float:
    """The composite index if every plan target is met (computed by the engine)."""
    targets = _targets(plan)
    x = np.array([targets[c] for c in framework.tree.leaf_codes], dtype=float)
    return float(build(recipe or Recipe(), framework.tree, x[np.newaxis, np.newaxis, :]).scores[0, 0, 0])


def target_dependence(framework: Framework, plan: Plan, start: Mapping[str, float | None]) -> pd.DataFrame:
    """How much the plan depends on each target: the index if only that one is missed.

    A missed target stays at its start value; an unknown start scores 0.

    Returns
    -------
    DataFrame
        Columns code, index_if_missed, loss, share (of the gain from ``base`` to meeting
        every target), rank (1 = the plan depends on it most), sorted by rank.
    """
    s = _setup(framework, start)
    targets = _targets(plan)
    target = _v(np.array([targets[c] for c in s.codes], dtype=float), s.direction)
    met = targets_reached_index(framework, plan)
    loss = s.eff * (_score(target, s.sigma) - _score(s.lower, s.sigma))
    base = float(s.eff @ _score(s.lower, s.sigma))
    out = pd.DataFrame({"code": s.codes, "index_if_missed": met - loss, "loss": loss, "share": loss / (met - base) if met != base else np.nan})
    out = out.sort_values("loss", ascending=False, kind="stable").reset_index(drop=True)
    out["rank"] = np.arange(1, len(out) + 1)
    return out


@dataclass(frozen=True)
class Move:
    """One indicator in the answer. ``start, lower, upper, recommended`` are program variables."""

    no: int
    code: str
    name: str
    name_en: str
    unit: str
    direction: int
    variable: str
    start: float | None
    lower: float
    upper: float
    recommended: float
    unit_cost: float
    points_per_unit: float
    value_start: float | None
    value_recommended: float | None
    target: float
    bound: float
    bound_source: str
    cost_basis: str
    change_pct: float
    gain: float
    cost: float
    marginal_per_pct: float | None
    loss_if_missed: float
    lead: tuple[str, ...]
    responsible: tuple[str, ...]


@dataclass(frozen=True)
class GoalSeekResult:
    """The least-effort way to the target, or the best reachable index when it is out of reach."""

    region: str
    from_year: int
    year: int
    target: float
    reachable: bool
    achieved_index: float
    total_cost: float
    max_index: float
    index_base: float
    index_start: float | None
    missing_policy: str
    missing_start: tuple[str, ...]
    targets_index: float
    targets_cost: float
    illustrative: bool
    parameter_rules: tuple[str, ...]
    indicators: tuple[Move, ...]

    def frame(self) -> pd.DataFrame:
        """One row per indicator, every field of :class:`Move`."""
        return pd.DataFrame([asdict(m) for m in self.indicators])

    def moved(self) -> tuple[Move, ...]:
        """The indicators the answer improves, largest gain first."""
        return tuple(sorted((m for m in self.indicators if m.gain > 1e-12), key=lambda m: -m.gain))

    def dependence(self) -> list[dict[str, Any]]:
        """Targets ranked by the index lost if each alone is missed."""
        ranked = sorted(self.indicators, key=lambda m: -m.loss_if_missed)
        return [{"rank": i, "code": m.code, "loss": m.loss_if_missed, "index_if_missed": self.targets_index - m.loss_if_missed} for i, m in enumerate(ranked, 1)]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (NaN becomes None), with the targets ranked by dependence."""
        out: dict[str, Any] = jsonable(asdict(self))
        out["dependence"] = jsonable(self.dependence())
        out["program"] = PROGRAM_TEXT
        return out


def _num(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _check_recipe(recipe: Recipe | None, missing: str) -> Recipe:
    recipe = recipe or Recipe(aggregate=Aggregate(missing=missing))
    if not recipe.is_official:
        raise MethodError(
            f"目标求解只适用于官方方法(标准值比值、加权算术平均) goal-seeking needs the official method "
            f"(ratio to standard, arithmetic aggregation); got {recipe.to_dict()}"
        )
    recipe.aggregate.check()
    return recipe


def goal_seek(
    framework: Framework,
    plan: Plan,
    start: Mapping[str, float | None],
    *,
    target: float,
    upper: Mapping[str, float] | None = None,
    cost_factors: Mapping[str, float] | None = None,
    bound_source: Mapping[str, str] | None = None,
    missing: str = "reweight",
    recipe: Recipe | None = None,
    from_year: int | None = None,
    year: int | None = None,
) -> GoalSeekResult:
    """The least-effort improvements lifting the index to ``target`` (or the best reachable index).

    Parameters
    ----------
    framework, plan : Framework, Plan
        The plan's indicators must be the framework's leaves.
    start : mapping of code to float or None
        Current values (the from-year); None or absent where unknown.
    target : float
        The composite index to reach.
    upper : mapping of code to float, optional
        Best attainable value of each indicator (the largest, or the smallest where lower
        is better); default and for absent codes: the plan target (``stpi.queries.goalseek.upper_bounds``
        derives them from the plan, the store's history and user overrides).
    cost_factors : mapping of code to float, optional
        Effort multiplier of each indicator (default 1); must be positive.
    bound_source : mapping of code to str, optional
        Where each bound comes from, for the report.
    missing : {"reweight", "zero", "propagate"}
        Policy for the from-year index shown beside the program's base.
    recipe : Recipe, optional
        Must be the official method; anything else raises MethodError.
    from_year, year : int, optional
        Labels of the start and the target year (default: the plan's baseline and target years).

    Returns
    -------
    GoalSeekResult
    """
    recipe = _check_recipe(recipe, missing)
    plan.check_against(framework)
    targets = _targets(plan)
    bounds = {c: float(upper[c]) if upper is not None and c in upper else targets[c] for c in targets}
    s = _setup(framework, start, bound=bounds, reference=targets)
    factor = np.array([1.0 if cost_factors is None else float(cost_factors.get(c, 1.0)) for c in s.codes])
    bad = [c for c, f in zip(s.codes, factor) if not (math.isfinite(f) and f > 0)]
    if bad:
        raise InputError([Problem("<cost factors>", None, "factor", "成本系数须为正数 a cost factor must be a positive number", c) for c in bad])
    program = Program(s.codes, s.lower, s.upper, factor / s.v_ref, 100.0 * s.eff / s.sigma, float(s.eff @ _score(s.lower, s.sigma)))
    reachable = target <= program.max_index + EPS * max(1.0, abs(target))
    v = solve_least_effort(program, target) if reachable else solve_max_index(program)
    v_target = _v(np.array([targets[c] for c in s.codes], dtype=float), s.direction)
    targets_cost = float(program.unit_cost @ np.maximum(0.0, v_target - s.lower))
    loss = s.eff * (_score(v_target, s.sigma) - _score(s.lower, s.sigma))  # as target_dependence
    marginal = marginal_points(framework, start, reference=targets)
    moves = _moves(plan, s, program, v, bounds, bound_source or {}, marginal, loss)
    start_index = compute_index(framework, _values(plan.region, from_year or plan.baseline_year, s), recipe).root[0, 0]
    return GoalSeekResult(
        region=plan.region, from_year=from_year or plan.baseline_year, year=year or plan.target_year,
        target=float(target), reachable=bool(reachable), achieved_index=program.index(v), total_cost=program.cost(v),
        max_index=program.max_index, index_base=program.base, index_start=_num(float(start_index)), missing_policy=recipe.aggregate.missing,
        missing_start=tuple(c for c, x in zip(s.codes, s.x_start) if not math.isfinite(x)),
        targets_index=targets_reached_index(framework, plan), targets_cost=targets_cost,
        illustrative=framework.is_illustrative, parameter_rules=framework.parameter_rules(), indicators=moves,
    )


def _values(region: str, year: int, s: _Setup) -> Values:
    return Values((region,), (year,), s.codes, s.x_start[np.newaxis, np.newaxis, :])


def _moves(plan: Plan, s: _Setup, program: Program, v: FloatArray, bounds: Mapping[str, float], sources: Mapping[str, str], marginal: FloatArray, loss: FloatArray) -> tuple[Move, ...]:
    by_code = {i.code: i for i in plan.indicators}
    step = v - program.lower
    moved = step > 0
    with np.errstate(divide="ignore"):
        natural = np.where(moved, np.where(s.direction > 0, v, 1.0 / v), s.x_start)
    cols = {
        "direction": s.direction.astype(int).tolist(), "start": s.v_start.tolist(), "lower": program.lower.tolist(),
        "upper": program.upper.tolist(), "recommended": v.tolist(), "unit_cost": program.unit_cost.tolist(),
        "points_per_unit": program.slope.tolist(), "value_start": s.x_start.tolist(), "value_recommended": natural.tolist(),
        "cost_basis": list(s.basis), "change_pct": (100.0 * step / s.v_ref).tolist(), "gain": (program.slope * step).tolist(),
        "cost": (program.unit_cost * step).tolist(), "marginal_per_pct": marginal.tolist(), "loss_if_missed": loss.tolist(),
    }
    out = []
    for k, code in enumerate(s.codes):
        ind = by_code[code]
        row = {name: values[k] for name, values in cols.items()}
        for name in ("start", "value_start", "value_recommended", "marginal_per_pct"):
            row[name] = _num(row[name])
        out.append(Move(
            no=ind.no, code=code, name=ind.name, name_en=ind.name_en, unit=ind.unit, variable="x" if row["direction"] > 0 else "1/x",
            target=ind.target, bound=float(bounds[code]), bound_source=sources.get(code, "target"), lead=ind.lead, responsible=ind.responsible, **row,
        ))
    return tuple(out)
