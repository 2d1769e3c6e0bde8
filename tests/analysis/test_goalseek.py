"""Goal-seeking: hand-worked trees, optimality against grid search and a greedy oracle, Longnan."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stpi.analysis import compute_index
from stpi.analysis.goalseek import (
    Program,
    goal_seek,
    marginal_points,
    solve_least_effort,
    target_dependence,
    targets_reached_index,
)
from stpi.analysis.values import Values
from stpi.engine import Aggregate, Normalise, Recipe, build
from stpi.errors import InputError, MethodError
from stpi.framework import default_plan, embedded_framework
from stpi.framework.model import Framework, Node
from stpi.framework.plan import Department, Goal, Plan, PlanIndicator

Leaf = tuple[str, float, float, int, float | None, float]  # code, weight, standard, direction, start, target


def make(leaves: list[Leaf], groups: dict[str, float] | None = None) -> tuple[Framework, Plan, dict[str, float | None]]:
    """A root with the given leaves directly under it (or under groups G1.. by code prefix)."""
    nodes = [Node("R", None, "root")]
    for g, w in (groups or {}).items():
        nodes.append(Node(g, "R", g, weight=w))
    for code, w, s, d, _, _ in leaves:
        parent = next((g for g in (groups or {}) if code.startswith(g.lower())), "R")
        nodes.append(Node(code, parent, code, weight=w, standard=s, direction=d))
    fw = Framework("t", "test", tuple(nodes))
    inds = tuple(
        PlanIndicator(i + 1, code, "R", code, "u", start, target, False, "", ("d1",), ("d2",))
        for i, (code, _, _, _, start, target) in enumerate(leaves)
    )
    plan = Plan("p", "plan", "地区", "t", 2022, 2026, Goal(50.0, True, 1, False, 2), (Department("d1", "部门一"), Department("d2", "部门二")), inds)
    return fw, plan, {code: start for code, _, _, _, start, _ in leaves}


# ------------------------------------------------------------ hand-worked trees

# a: weight .5, standard 10, start 5 (score 50): 5 points per unit, effort 1/5 per unit → 25 points per effort
# b: weight .5, standard 20, start 8 (score 40): 2.5 points per unit, effort 1/8 per unit → 20 points per effort
TWO = [("a", 0.5, 10.0, 1, 5.0, 8.0), ("b", 0.5, 20.0, 1, 8.0, 20.0)]


def test_two_leaves_cheapest_first() -> None:
    fw, plan, start = make(TWO)
    r = goal_seek(fw, plan, start, target=60.0, upper={"a": 12.0, "b": 20.0})
    assert r.index_base == pytest.approx(45.0)
    a, b = r.indicators
    assert (a.recommended, a.gain, a.cost) == (pytest.approx(8.0), pytest.approx(15.0), pytest.approx(0.6))
    assert (b.recommended, b.gain, b.cost) == (pytest.approx(8.0), pytest.approx(0.0, abs=1e-9), pytest.approx(0.0, abs=1e-9))
    assert r.achieved_index == pytest.approx(60.0) and r.achieved_index >= 60.0
    assert r.total_cost == pytest.approx(0.6)
    assert (a.unit_cost, a.points_per_unit, b.unit_cost, b.points_per_unit) == pytest.approx((0.2, 5.0, 0.125, 2.5))


def test_improvement_past_the_standard_earns_nothing_and_is_not_recommended() -> None:
    fw, plan, start = make(TWO)
    r = goal_seek(fw, plan, start, target=75.0, upper={"a": 12.0, "b": 20.0})
    a, b = r.indicators
    assert a.upper == 10.0 and a.recommended == pytest.approx(10.0)  # the bound 12 is past the standard 10
    assert (a.gain, a.cost) == pytest.approx((25.0, 1.0))
    assert (b.recommended, b.gain, b.cost) == pytest.approx((10.0, 5.0, 0.25))
    assert r.total_cost == pytest.approx(1.25) and r.reachable


def test_unreachable_target_gives_the_best_reachable_index() -> None:
    fw, plan, start = make(TWO)
    r = goal_seek(fw, plan, start, target=95.0, upper={"a": 12.0, "b": 16.0})
    assert not r.reachable
    assert r.max_index == pytest.approx(90.0) and r.achieved_index == pytest.approx(90.0)
    assert [m.recommended for m in r.indicators] == pytest.approx([10.0, 16.0])
    assert r.total_cost == pytest.approx(1.0 + 8.0 / 8.0)


def test_target_already_met_needs_nothing() -> None:
    fw, plan, start = make(TWO)
    r = goal_seek(fw, plan, start, target=40.0, upper={"a": 12.0, "b": 20.0})
    assert r.reachable and r.total_cost == 0.0 and r.achieved_index == pytest.approx(45.0)
    assert r.moved() == ()


def test_indicator_already_past_its_standard_stays() -> None:
    fw, plan, start = make([("a", 0.5, 10.0, 1, 12.0, 8.0), ("b", 0.5, 20.0, 1, 8.0, 20.0)])
    r = goal_seek(fw, plan, start, target=80.0, upper={"a": 15.0, "b": 20.0})
    a, b = r.indicators
    assert (a.lower, a.upper, a.recommended, a.gain, a.value_recommended) == (12.0, 12.0, 12.0, 0.0, 12.0)
    assert r.index_base == pytest.approx(70.0)
    assert b.recommended == pytest.approx(12.0) and r.total_cost == pytest.approx(0.5)
    assert a.marginal_per_pct == 0.0


# r: lower is better, weight .5, standard 2, start 5 (score 40); v = 1/x: σ = .5, 100 points per unit of v,
# effort x_now/x − 1 = 5 per unit of v → 20 points per effort, after a (25 points per effort, bounded at 6)
REVERSE = [("a", 0.5, 10.0, 1, 5.0, 8.0), ("r", 0.5, 2.0, -1, 5.0, 2.5)]


def test_lower_is_better_is_exact_in_the_reciprocal() -> None:
    fw, plan, start = make(REVERSE)
    r = goal_seek(fw, plan, start, target=55.0, upper={"a": 6.0, "r": 2.5})
    a, rev = r.indicators
    assert (a.recommended, a.cost) == pytest.approx((6.0, 0.2))
    assert rev.variable == "1/x" and (rev.start, rev.lower, rev.upper) == pytest.approx((0.2, 0.2, 0.4))
    assert rev.value_recommended == pytest.approx(4.0)  # 5/4 − 1 = 0.25 of effort
    assert (rev.cost, rev.gain, rev.unit_cost, rev.points_per_unit) == pytest.approx((0.25, 5.0, 5.0, 100.0))
    assert r.total_cost == pytest.approx(0.45)
    x = np.array([[[a.value_recommended, rev.value_recommended]]])
    assert build(Recipe(), fw.tree, x).scores[0, 0, 0] == pytest.approx(55.0)


def test_lower_is_better_capped_at_its_standard() -> None:
    fw, plan, start = make(REVERSE)
    r = goal_seek(fw, plan, start, target=100.0, upper={"a": 10.0, "r": 1.0})
    rev = r.indicators[1]
    assert rev.value_recommended == pytest.approx(2.0) and rev.cost == pytest.approx(1.5)  # 5/2 − 1
    assert r.achieved_index == pytest.approx(100.0)
    # 1% better divides x by 1.01: 50 · 100 · (0.2 · 1.01 − 0.2) = 0.2 points
    assert marginal_points(fw, start)[1] == pytest.approx(0.2)


def test_unknown_start_scores_zero_and_costs_in_units_of_its_target() -> None:
    fw, plan, start = make([("a", 0.5, 10.0, 1, None, 8.0), ("b", 0.5, 20.0, 1, 8.0, 20.0)])
    r = goal_seek(fw, plan, start, target=40.0, upper={"a": 8.0, "b": 20.0})
    a, b = r.indicators
    assert (a.start, a.lower, a.cost_basis, a.unit_cost) == (None, 0.0, "target", 0.125)
    assert r.index_base == pytest.approx(20.0) and r.index_start == pytest.approx(40.0)  # reweight: b alone
    assert r.missing_start == ("a",)
    # a earns 5 points per unit at 1/8 effort per unit (40 per effort), b 20 per effort: a first
    assert (a.recommended, a.value_recommended, a.cost) == pytest.approx((4.0, 4.0, 0.5))
    assert b.gain == pytest.approx(0.0, abs=1e-9)
    assert marginal_points(fw, start, reference={"a": 8.0})[0] == pytest.approx(0.4)  # 1% of 8 from 0
    assert math.isnan(marginal_points(fw, start)[0])


def test_cost_factors_change_the_choice() -> None:
    fw, plan, start = make(TWO)
    r = goal_seek(fw, plan, start, target=50.0, upper={"a": 10.0, "b": 20.0}, cost_factors={"a": 2.0})
    a, b = r.indicators  # a now earns 12.5 points per effort, b 20: b first
    assert a.gain == pytest.approx(0.0, abs=1e-9) and b.recommended == pytest.approx(10.0)
    assert r.total_cost == pytest.approx(0.25)
    with pytest.raises(InputError, match="positive") as info:
        goal_seek(fw, plan, start, target=50.0, cost_factors={"a": 0.0, "b": float("nan")})
    assert [p.value for p in info.value.problems] == ["a", "b"]


def test_weights_through_groups() -> None:
    # G1 (.6) → g1a (.5), g1b (.5); G2 (.4) → g2a (1): effective weights .3, .3, .4
    leaves = [("g1a", 0.5, 10.0, 1, 5.0, 10.0), ("g1b", 0.5, 10.0, 1, 10.0, 10.0), ("g2a", 1.0, 10.0, 1, 5.0, 10.0)]
    fw, plan, start = make(leaves, {"G1": 0.6, "G2": 0.4})
    r = goal_seek(fw, plan, start, target=70.0)
    assert r.index_base == pytest.approx(0.3 * 50 + 0.3 * 100 + 0.4 * 50)
    # g2a: 4 points per unit, effort .2 per unit → 20 per effort; g1a: 3 and .2 → 15; 5 points needed
    assert [m.recommended for m in r.indicators] == pytest.approx([5.0, 10.0, 6.25])
    assert r.total_cost == pytest.approx(0.25)


def test_other_methods_are_refused() -> None:
    fw, plan, start = make(TWO)
    with pytest.raises(MethodError, match="arithmetic"):
        goal_seek(fw, plan, start, target=60.0, recipe=Recipe(aggregate=Aggregate("geometric")))
    with pytest.raises(MethodError, match="ratio"):
        goal_seek(fw, plan, start, target=60.0, recipe=Recipe(normalise=Normalise("minmax", {"low": 0, "high": 1})))


# ------------------------------------------------------- optimality (hypothesis)

leaf = st.tuples(
    st.floats(0.1, 1.0),  # weight
    st.floats(1.0, 100.0),  # standard
    st.sampled_from([1, -1]),
    st.floats(0.05, 1.2),  # start as a share of the standard (beyond 1: already capped for +1)
    st.floats(1.0, 3.0),  # bound as a multiple of the start's improvement room
    st.floats(0.5, 3.0),  # cost factor
)


def _problem(specs: list[tuple[float, float, int, float, float, float]]) -> tuple[Framework, Plan, dict[str, float | None], dict[str, float], dict[str, float]]:
    leaves, upper, factors = [], {}, {}
    for i, (w, s, d, share, mult, f) in enumerate(specs):
        x0 = s * share if d > 0 else s / share
        bound = x0 * mult if d > 0 else x0 / mult
        leaves.append((f"k{i}", w, s, d, x0, bound))
        upper[f"k{i}"], factors[f"k{i}"] = bound, f
    fw, plan, start = make(leaves)
    return fw, plan, start, upper, factors


def _effort(fw: Framework, start: dict[str, float | None], factors: dict[str, float], x: np.ndarray) -> float:
    tree = fw.tree
    v0 = np.array([start[c] if d > 0 else 1 / start[c] for c, d in zip(tree.leaf_codes, tree.direction)])  # type: ignore[operator]
    v = np.where(tree.direction > 0, x, 1 / x)
    return float(np.sum(np.array([factors[c] for c in tree.leaf_codes]) * (v - v0) / v0))


@settings(max_examples=60)
@given(st.lists(leaf, min_size=2, max_size=3), st.floats(0.0, 1.0))
def test_lp_is_optimal_against_a_grid(specs: list[tuple[float, float, int, float, float, float]], where: float) -> None:
    fw, plan, start, upper, factors = _problem(specs)
    probe = goal_seek(fw, plan, start, target=1e9, upper=upper)
    target = probe.index_base + where * (probe.max_index - probe.index_base)
    r = goal_seek(fw, plan, start, target=target, upper=upper, cost_factors=factors)
    x = np.array([m.value_recommended for m in r.indicators])
    true_index = build(Recipe(), fw.tree, x[np.newaxis, np.newaxis, :]).scores[0, 0, 0]
    assert r.reachable and true_index >= target - 1e-7
    assert r.total_cost == pytest.approx(_effort(fw, start, factors, x), abs=1e-9)
    # every grid point between start and bound (past the standard too) that reaches the target costs at least as much
    axes = [np.linspace(start[c], upper[c], 9) for c in fw.tree.leaf_codes]  # type: ignore[arg-type]
    grid = np.array(list(itertools.product(*axes)))
    index = build(Recipe(), fw.tree, grid[:, np.newaxis, :]).scores[:, 0, 0]
    costs = np.array([_effort(fw, start, factors, g) for g in grid])
    feasible = index >= target - 1e-9
    assert feasible.any()
    assert r.total_cost <= costs[feasible].min() + 1e-9


def _greedy(program: Program, target: float) -> float:
    """Dantzig's fractional knapsack: best points per effort first; exact for one constraint."""
    need, cost = target - program.base, 0.0
    span = program.upper - program.lower
    for k in np.argsort(-(program.slope / program.unit_cost), kind="stable"):
        if need <= 0:
            break
        take = min(span[k], need / program.slope[k]) if program.slope[k] > 0 else 0.0
        need -= take * program.slope[k]
        cost += take * program.unit_cost[k]
    return cost


@settings(max_examples=100)
@given(st.integers(1, 40), st.integers(0, 2**32 - 1), st.floats(0.0, 1.0))
def test_lp_matches_the_greedy_oracle(n: int, seed: int, where: float) -> None:
    rng = np.random.default_rng(seed)
    lower = rng.uniform(0, 5, n)
    prog = Program(tuple(map(str, range(n))), lower, lower + rng.uniform(0, 3, n), rng.uniform(0.1, 2, n), rng.uniform(0.1, 5, n), 10.0)
    target = prog.base + where * (prog.max_index - prog.base)
    v = solve_least_effort(prog, target)
    assert np.all(v >= prog.lower - 1e-12) and np.all(v <= prog.upper + 1e-12)
    assert prog.index(v) >= target
    assert prog.cost(v) == pytest.approx(_greedy(prog, target), rel=1e-7, abs=1e-7)


# --------------------------------------------------------------------- Longnan


@pytest.fixture(scope="module")
def longnan() -> tuple[Framework, Plan, dict[str, float | None]]:
    plan = default_plan()
    return embedded_framework(), plan, {i.code: i.baseline for i in plan.indicators}


def test_meeting_every_target_gives_the_goal(longnan: tuple[Framework, Plan, dict[str, float | None]]) -> None:
    fw, plan, _ = longnan
    assert targets_reached_index(fw, plan) == pytest.approx(43.26, abs=1e-12)


def test_longnan_default(longnan: tuple[Framework, Plan, dict[str, float | None]]) -> None:
    fw, plan, start = longnan
    r = goal_seek(fw, plan, start, target=43.26)
    assert r.reachable and r.achieved_index >= 43.26 - 1e-9
    assert r.index_start == pytest.approx(31.61187557656836, rel=1e-12)  # reweight, as `stpi status`
    assert r.index_base == pytest.approx(30.801259276058488, rel=1e-12)  # I28 scores 0
    assert r.missing_start == ("I28",)
    # with the targets as bounds and standards = target / 0.4326, 43.26 needs every target
    assert r.total_cost <= r.targets_cost + 1e-9
    assert r.total_cost == pytest.approx(16.2172869726037, rel=1e-9)
    i28 = r.indicators[27]
    assert (i28.cost_basis, i28.value_recommended, i28.cost) == ("target", pytest.approx(0.013), pytest.approx(1.0))
    x = np.array([[[m.value_recommended for m in r.indicators]]])
    assert build(Recipe(), fw.tree, x).scores[0, 0, 0] == pytest.approx(r.achieved_index, abs=1e-9)


def test_longnan_wider_bounds_cost_less(longnan: tuple[Framework, Plan, dict[str, float | None]]) -> None:
    fw, plan, start = longnan
    upper = {i.code: i.target * 1.5 for i in plan.indicators}
    r = goal_seek(fw, plan, start, target=43.26, upper=upper)
    assert r.achieved_index >= 43.26 and r.total_cost < r.targets_cost
    program = Program(
        tuple(m.code for m in r.indicators), np.array([m.lower for m in r.indicators]), np.array([m.upper for m in r.indicators]),
        np.array([m.unit_cost for m in r.indicators]), np.array([m.points_per_unit for m in r.indicators]), r.index_base,
    )
    assert r.total_cost == pytest.approx(_greedy(program, 43.26), rel=1e-7)
    assert all(m.recommended <= fw.node(m.code).standard + 1e-12 for m in r.indicators)  # type: ignore[operator]


def test_longnan_unreachable(longnan: tuple[Framework, Plan, dict[str, float | None]]) -> None:
    fw, plan, start = longnan
    r = goal_seek(fw, plan, start, target=50.0)
    assert not r.reachable and r.max_index == pytest.approx(43.26, abs=1e-9)
    assert r.achieved_index == pytest.approx(43.26, abs=1e-9)
    assert [m.recommended for m in r.indicators] == pytest.approx([m.upper for m in r.indicators])


def test_longnan_dependence_agrees_with_the_engine(longnan: tuple[Framework, Plan, dict[str, float | None]]) -> None:
    fw, plan, start = longnan
    dep = target_dependence(fw, plan, start)
    assert list(dep["code"][:3]) == ["I19", "I28", "I16"]
    assert dep["loss"].iloc[0] == pytest.approx(1.049725193956717, rel=1e-12)
    targets = {i.code: i.target for i in plan.indicators}
    for code in ("I19", "I16", "I01"):
        x = np.array([[[start[c] if c == code else targets[c] for c in fw.tree.leaf_codes]]], dtype=float)
        result = compute_index(fw, Values(("r",), (2026,), fw.tree.leaf_codes, x))
        assert dep.set_index("code").loc[code, "index_if_missed"] == pytest.approx(result.root[0, 0], abs=1e-12)
    assert dep["share"].sum() == pytest.approx(1.0)  # the losses split the gain from base to 43.26


def test_longnan_marginal_points(longnan: tuple[Framework, Plan, dict[str, float | None]]) -> None:
    fw, plan, start = longnan
    m = dict(zip(fw.tree.leaf_codes, marginal_points(fw, start, reference={i.code: i.target for i in plan.indicators})))
    # I24: effective weight 1/20, 1% of 108.32 against a standard of 122.77 / 0.4326
    assert m["I24"] == pytest.approx(0.05 * 100 * 1.0832 / (122.77 / 0.4326), rel=1e-12)
    assert m["I28"] == pytest.approx(1 / 45 * 100 * 0.01 * 0.4326, rel=1e-12)  # 1% of its target from 0
    assert max(m, key=m.__getitem__) == "I24"
