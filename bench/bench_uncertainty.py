"""Benchmark: Monte Carlo uncertainty, all replications at once.

Two cases:

- COINr's ASEM example (reference/asem: 51 countries × 49 indicators, a 4-level tree
  from iMeta's Parent and Weight columns, weights made to sum to 1 within each parent,
  standards = iMeta's Target, directions from iMeta). Missing values (about 2%) are
  filled with column means for this benchmark only.
- 3,000 synthetic regions (演示数据) on the embedded Longnan framework (32 indicators,
  illustrative parameters): each value uniform in [0.2, 1.5] × its 2026 target.

For each, N = 1,000 and 10,000 replications (weights ±25%, standards ±10%, the official
method, missing = reweight) are timed through ``stpi.analysis.uncertainty`` without the
Sobol' step, which is timed once on its own (base sample 512). The baseline rebuilds the
index with ``stpi.engine.build`` in a Python loop, one replication at a time (a new Tree
with the replication's weights and standards, then build and rank); it is timed on 200
replications and extrapolated linearly, and its 200 indices are compared with the
vectorised ones. COINr's figure is the one quoted in the issue: 190 s per 1,000
replications on this machine class (not measured here).

Run: python bench/bench_uncertainty.py [--baseline 200] [--repeat 3]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from stpi.analysis import Values
from stpi.analysis.uncertainty import DEFAULT_SEED, Settings, sample_inputs, uncertainty
from stpi.engine import Aggregate, Recipe, Tree, build, rank_regions
from stpi.engine.batch import perturb_weights, replicate
from stpi.framework import Framework, Node, default_plan, embedded_framework

ASEM = Path("/work/shared/reference/asem")
COINR_SECONDS_PER_1000 = 190.0


def asem() -> tuple[Framework, Values]:
    """COINr's ASEM example as a framework and one year of values (missing → column means)."""
    meta = pd.read_csv(ASEM / "iMeta.csv")
    meta = meta[meta["Type"].isin(["Indicator", "Aggregate"])].sort_values("Level", ascending=False, kind="stable")
    share = meta["Weight"] / meta.groupby(meta["Parent"].fillna(""))["Weight"].transform("sum")
    nodes = []
    for row, w in zip(meta.itertuples(), share):
        leaf = row.Type == "Indicator"
        parent = None if pd.isna(row.Parent) else str(row.Parent)
        nodes.append(
            Node(str(row.iCode), parent, str(row.iName), weight=1.0 if parent is None else float(w),
                 standard=float(row.Target) if leaf else None, direction=int(row.Direction) if leaf else None)
        )
    fw = Framework("asem", "ASEM (COINr example)", tuple(nodes))
    data = pd.read_csv(ASEM / "iData.csv")
    codes = [n.code for n in fw.leaves]
    x = data[codes].to_numpy(dtype=float)
    print(f"  ASEM: {np.isnan(x).sum()} of {x.size} values missing, filled with column means (benchmark only)")
    x = np.where(np.isnan(x), np.nanmean(x, axis=0), x)
    return fw, Values(tuple(data["uCode"]), (int(data["Time"].iloc[0]),), tuple(codes), x[:, None, :])


def synthetic(regions: int) -> tuple[Framework, Values]:
    """演示数据 synthetic demo data on the embedded framework: values uniform in [0.2, 1.5] × target."""
    plan, fw = default_plan(), embedded_framework()
    targets = np.array([plan.indicator(n.code).target for n in fw.leaves])
    x = np.random.default_rng(2026).uniform(0.2, 1.5, size=(regions, len(targets))) * targets
    names = tuple(f"演示地区{i + 1}" for i in range(regions))
    return fw, Values(names, (2026,), tuple(n.code for n in fw.leaves), x[:, None, :])


def loop_baseline(tree: Tree, x: np.ndarray, settings: Settings, n: int) -> tuple[float, np.ndarray]:
    """Seconds for n replications rebuilt one by one with stpi.engine.build, and their indices (R, n)."""
    inputs = sample_inputs(tree, settings, n, np.random.default_rng(settings.seed))
    recipe = Recipe(aggregate=Aggregate(missing=settings.missing))
    out = np.empty((x.shape[0], n))
    start = time.perf_counter()
    for i in range(n):
        w = perturb_weights(tree, inputs.weight_factors[i : i + 1])[0]
        t = replace(tree, weight=w, standard=tree.standard * inputs.standard_factors[i])
        built = build(recipe, t, x[:, None, :])
        out[:, i] = built.scores[:, 0, 0]
        rank_regions(built.scores[:, 0, 0])
    return time.perf_counter() - start, out


def best_of(repeat: int, fn: object) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def run_case(name: str, fw: Framework, values: Values, args: argparse.Namespace) -> None:
    tree, x = fw.tree, values.data[:, 0, :]
    r, k = x.shape
    print(f"\n{name}: {r:,} regions × {k} indicators, {tree.n_nodes} nodes, depth {int(tree.depth.max())}")
    per_rep_vec = {}
    for n in (1_000, 10_000):
        s = Settings(replications=n, sobol_samples=0, seed=DEFAULT_SEED)
        sec = best_of(args.repeat, lambda: uncertainty(fw, values, settings=s))
        per_rep_vec[n] = sec / n
        print(f"  vectorised, N = {n:>6,}: {sec:7.3f} s  ({n / sec:>10,.0f} replications/s)")
    s = Settings(replications=args.baseline, sobol_samples=0)
    sec_loop, loop_index = loop_baseline(tree, x, s, args.baseline)
    per_rep_loop = sec_loop / args.baseline
    inputs = sample_inputs(tree, s, args.baseline, np.random.default_rng(s.seed))
    vec_index = replicate(tree, x, s.recipes(), choice=inputs.choice, weight_factors=inputs.weight_factors, standard_factors=inputs.standard_factors)
    same = np.array_equal(vec_index, loop_index)
    print(f"  loop baseline (build per replication), {args.baseline} timed: {sec_loop:.3f} s → "
          f"{per_rep_loop * 1_000:.1f} s per 1,000, {per_rep_loop * 10_000:.1f} s per 10,000 (extrapolated)")
    print(f"  loop and vectorised indices identical: {same} (max |diff| {np.abs(vec_index - loop_index).max():.1e})")
    for n in (1_000, 10_000):
        print(f"  N = {n:>6,}: {per_rep_loop / per_rep_vec[n]:6.1f}× the loop; "
              f"{COINR_SECONDS_PER_1000 * n / 1_000 / (per_rep_vec[n] * n):8.0f}× COINr's quoted {COINR_SECONDS_PER_1000:.0f} s per 1,000")
    sob = Settings(replications=1, sobol_samples=512)
    start = time.perf_counter()
    res = uncertainty(fw, values, settings=sob)
    print(f"  Sobol' (SALib, base 512, {res.sobol_runs:,} runs, incl. 1 replication): {time.perf_counter() - start:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--baseline", type=int, default=200, help="replications timed in the loop baseline")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--regions", type=int, default=3_000, help="regions of the synthetic case")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}; best of {args.repeat}")
    run_case("ASEM (COINr example data)", *asem(), args)
    run_case(f"演示数据 synthetic demo data, embedded framework (illustrative parameters)", *synthetic(args.regions), args)
    print(f"\npeak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
