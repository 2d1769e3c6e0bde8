"""Benchmark: goal-seeking for Longnan's 32 indicators and a synthetic 3,000-indicator framework.

Times the whole analysis (``goal_seek``: program, HiGHS solve, marginal points, target
dependence, the start index) and the LP solve alone, and compares the LP's answer with
simple baselines on the same program:

* greedy by points per effort, whole steps: raise the best indicators fully to their
  bound until the target is reached (what a planner would do by hand);
* proportional: every indicator the same share of the way to its bound (what "every
  department does its part" means);
* greedy with a fractional last step (Dantzig's rule): exact for this one-constraint
  program, so it must cost the same as the LP: a check, and a speed reference.

Run: python bench/bench_goalseek.py [--indicators K] [--repeat N]
The large framework and its values are synthetic (演示数据), generated deterministically.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from stpi.analysis.goalseek import Program, goal_seek, solve_least_effort
from stpi.framework import default_plan, embedded_framework
from stpi.framework.model import Framework, Node
from stpi.framework.plan import Department, Goal, Plan, PlanIndicator


def synthetic(k: int, seed: int = 2026) -> tuple[Framework, Plan, dict[str, float | None], dict[str, float]]:
    """10 areas × (k/100) groups × 10 indicators, equal weights; 5% lower-is-better; 1% unknown starts."""
    rng = np.random.default_rng(seed)
    groups = max(1, k // 100)
    nodes, inds, start, upper = [Node("ROOT", None, "root")], [], {}, {}
    for a in range(10):
        nodes.append(Node(f"A{a}", "ROOT", f"area {a}", weight=0.1))
        for g in range(groups):
            nodes.append(Node(f"G{a}.{g}", f"A{a}", f"group {a}.{g}", weight=1 / groups))
            for i in range(10):
                code = f"I{a}.{g}.{i}"
                d = -1 if rng.uniform() < 0.05 else 1
                target = float(rng.uniform(1, 1000))
                s = target / 0.4326 if d > 0 else target * 0.4326
                x0 = target * rng.uniform(0.3, 0.95) if d > 0 else target / rng.uniform(0.3, 0.95)
                nodes.append(Node(code, f"G{a}.{g}", code, weight=0.1, standard=s, direction=d))
                inds.append(PlanIndicator(len(inds) + 1, code, f"G{a}.{g}", code, "u", x0, target, False, "", ("d",), ()))
                start[code] = None if rng.uniform() < 0.01 else x0
                upper[code] = target * rng.uniform(1.0, 1.6) if d > 0 else target / rng.uniform(1.0, 1.6)
    fw = Framework("synthetic", "演示框架 synthetic", tuple(nodes))
    plan = Plan("p", "演示方案", "演示地区", "synthetic", 2022, 2026, Goal(43.26, True, 1, False, 1), (Department("d", "部门"),), tuple(inds))
    return fw, plan, start, upper


def program_of(result: Any) -> Program:
    """The program the result reports, rebuilt from its JSON-level fields."""
    m = result.indicators

    def arr(field: str) -> np.ndarray:
        return np.array([getattr(x, field) for x in m])

    return Program(tuple(x.code for x in m), arr("lower"), arr("upper"), arr("unit_cost"), arr("points_per_unit"), result.index_base)


def greedy(program: Program, target: float, *, fractional: bool) -> np.ndarray:
    """Best points per effort first; whole steps unless ``fractional``."""
    v, need = program.lower.copy(), target - program.base
    for k in np.argsort(-(program.slope / program.unit_cost), kind="stable"):
        if need <= 0:
            break
        room = (program.upper[k] - v[k]) * program.slope[k]
        take = min(room, need) if fractional else room
        v[k] += take / program.slope[k] if program.slope[k] > 0 else 0.0
        need -= take
    return v


def proportional(program: Program, target: float) -> np.ndarray:
    """Every indicator the same share of the way to its bound."""
    span = program.upper - program.lower
    share = min(1.0, (target - program.base) / float(program.slope @ span))
    return np.asarray(program.lower + share * span)


def best_time(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def report(name: str, fw: Framework, plan: Plan, start: dict[str, float | None], upper: dict[str, float] | None, target: float, repeat: int) -> None:
    t_all, result = best_time(lambda: goal_seek(fw, plan, start, target=target, upper=upper), repeat)
    program = program_of(result)
    t_lp, v = best_time(lambda: solve_least_effort(program, target), repeat)
    print(f"\n{name}: {len(fw.leaves)} indicators, target {target:.2f}, base {result.index_base:.2f}, best reachable {result.max_index:.2f}")
    print(f"  goal_seek (whole analysis)     {t_all * 1000:9.1f} ms   (best of {repeat})")
    edge = " (target = best reachable: every bound, no LP needed)" if target >= program.max_index - 1e-9 else ""
    print(f"  LP solve alone (HiGHS)         {t_lp * 1000:9.1f} ms   index {program.index(v):.6f}, effort {program.cost(v):.4f}{edge}")
    lp_cost = program.cost(v)
    for label, fn in (
        ("greedy, whole steps", lambda: greedy(program, target, fractional=False)),
        ("proportional", lambda: proportional(program, target)),
        ("greedy, fractional (exact)", lambda: greedy(program, target, fractional=True)),
    ):
        t, w = best_time(fn, repeat)
        extra = (program.cost(w) / lp_cost - 1) * 100 if lp_cost > 0 else 0.0
        print(f"  {label:<30} {t * 1000:9.2f} ms   index {program.index(w):.6f}, effort {program.cost(w):.4f}"
              f"  ({extra:+.2f}% effort; LP/baseline time {t_lp / t:.1f}×)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--indicators", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    plan, fw = default_plan(), embedded_framework()
    start = {i.code: i.baseline for i in plan.indicators}
    report("陇南市 Longnan, bounds = 2026 targets", fw, plan, start, None, 43.26, args.repeat)
    wide = {i.code: i.target * 1.3 for i in plan.indicators}
    report("陇南市 Longnan, bounds = 1.3 × targets", fw, plan, start, wide, 43.26, args.repeat)
    sfw, splan, sstart, supper = synthetic(args.indicators)
    report("演示框架 synthetic", sfw, splan, sstart, supper, 43.26, args.repeat)


if __name__ == "__main__":
    main()
