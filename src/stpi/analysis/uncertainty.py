"""How sure is a rank? Monte Carlo uncertainty and variance-based sensitivity of the index.

Three kinds of input are uncertain (the JRC/OECD handbook's uncertainty analysis, as in
COINr's ``get_sensitivity``): every node's weight, scaled by a factor uniform in
[1 − a, 1 + a] and re-normalised among its siblings; every indicator's standard, scaled by
a factor uniform in [1 − b, 1 + b]; and the method, a categorical choice among
normalisation × aggregation recipes (the first one is the nominal recipe). Each
replication draws all of them; :func:`stpi.engine.batch.replicate` computes all
replications at once. The result gives every region's rank and index interval (index
quantiles mix the scales of the chosen normalisations; ranks are comparable across them).

Sensitivity: Sobol' indices from SALib (Saltelli sampling on a Sobol' sequence, and
``SALib.analyze.sobol``). Chosen over eFAST and Morris because the question is variance
based (first-order and total indices, which Morris does not give), the replications are
vectorised so the N·(G + 2) runs cost about as much as the Monte Carlo itself, and it
gives bootstrap confidence intervals. Inputs are grouped: the weights under each level-1
area form one group, all standards one, the method choice one, so G stays small and the
indices read "how much of the rank's variance comes from area A's weights".

Missing values: ``reweight`` (default) or ``zero``. ``propagate`` is refused: a region
with any gap would have no index in any replication, so no rank interval.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from itertools import product
from typing import Any

import numpy as np
import pandas as pd
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import sobol as sobol_sample

from stpi.analysis.values import Values
from stpi.engine import AGGREGATORS, Aggregate, NonPositiveScores, Normalise, Recipe, build, rank_regions
from stpi.engine.batch import effective_leaf_weights, perturb_weights, replicate
from stpi.engine.methods import pick
from stpi.engine.tree import FloatArray, IntArray, Tree
from stpi.errors import MethodError, NotFoundError
from stpi.framework.model import Framework
from stpi.defaults import UNCERTAINTY_SEED as DEFAULT_SEED

__all__ = ["DEFAULT_SEED", "Settings", "Uncertainty", "Inputs", "uncertainty", "sample_inputs", "sobol_indices"]

UNC_MISSING = ("reweight", "zero")
QUANTILES, PERCENTS = (0.05, 0.5, 0.95), (5, 50, 95)

Progress = Callable[[str, int, int], None]
"""Called as ``progress(stage, done, total)``; stage is ``"monte_carlo"`` or ``"sobol"``."""


@dataclass(frozen=True)
class Settings:
    """What is uncertain and how much; checked when the analysis runs.

    ``weight_noise`` and ``standard_noise`` are relative half-widths (0.25 = ±25%).
    ``sobol_samples`` is SALib's base sample size (a power of two; 0 skips the
    sensitivity analysis); the model then runs ``sobol_samples · (G + 2)`` times.
    ``focus`` names regions whose own rank gets sensitivity indices.
    """

    replications: int = 10_000
    weight_noise: float = 0.25
    standard_noise: float = 0.10
    normalisations: tuple[Normalise, ...] = (Normalise(),)
    aggregations: tuple[str, ...] = ("arithmetic",)
    missing: str = "reweight"
    seed: int = DEFAULT_SEED
    sobol_samples: int = 512
    focus: tuple[str, ...] = ()

    def check(self) -> None:
        """Fail on any invalid setting, naming the value received."""
        if not (isinstance(self.replications, int) and self.replications >= 1):
            raise MethodError(f"重复次数须为正整数 replications must be a positive integer, got {self.replications!r}")
        for name in ("weight_noise", "standard_noise"):
            v = getattr(self, name)
            if not 0.0 <= v < 1.0:
                raise MethodError(f"{name} 须在 [0, 1) 内 must be in [0, 1), got {v!r}")
        if not self.normalisations or not self.aggregations:
            raise MethodError("至少需要一种标准化与一种加权方法 at least one normalisation and one aggregation")
        for n in self.normalisations:
            n.check()
        for a in self.aggregations:
            pick(AGGREGATORS, a, "加权 aggregate")
        if self.missing not in UNC_MISSING:
            raise MethodError(
                f"不确定性分析的缺失值处理只能是 reweight 或 zero uncertainty needs missing = reweight or zero, got {self.missing!r}"
                " (propagate 会使有缺失的地区在每次重复中都没有指数 would leave regions with gaps without an index)"
            )
        if self.seed < 0:
            raise MethodError(f"随机种子须为非负整数 seed must be a non-negative integer, got {self.seed!r}")
        base = self.sobol_samples
        if base < 0 or (base and base & (base - 1)):
            raise MethodError(f"sobol_samples 须为 0 或 2 的幂 must be 0 or a power of two, got {base!r}")

    def recipes(self) -> tuple[Recipe, ...]:
        """Every normalisation × aggregation, the nominal one (both first) first."""
        return tuple(Recipe(n, Aggregate(a, self.missing)) for n, a in product(self.normalisations, self.aggregations))

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON."""
        return asdict(self)


@dataclass(frozen=True)
class Inputs:
    """The uncertain inputs of M model runs.

    ``weight_factors`` (M, n_nodes), ``standard_factors`` (M, K), ``choice`` (M,) indexing
    :meth:`Settings.recipes`.
    """

    weight_factors: FloatArray
    standard_factors: FloatArray
    choice: IntArray


@dataclass(frozen=True, eq=False)
class Uncertainty:
    """Rank and index intervals of every region, and what drives them.

    ``summary``: one row per region (peer group, nominal index and rank among its peers,
    how many peers are ranked, 5/50/95% quantiles over replications, mean absolute rank
    shift), by peer group and nominal rank. ``weights``: each
    indicator's effective weight and its quantiles. ``methods``: replications per recipe.
    ``sensitivity``: Sobol' first-order (S1) and total (ST) indices with 95% confidence
    half-widths, per output and input group. ``index`` and ``ranks``: every replication,
    shape (R, N), in the order of ``regions``.
    """

    settings: Settings
    year: int
    regions: tuple[str, ...]
    illustrative: bool
    parameter_rules: tuple[str, ...]
    summary: pd.DataFrame
    weights: pd.DataFrame
    methods: pd.DataFrame
    sensitivity: pd.DataFrame
    sobol_runs: int
    index: FloatArray = field(repr=False)
    ranks: FloatArray = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON (NaN as None); the replications themselves are left out."""

        def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
            return [{str(k): _plain(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]

        return {
            "year": self.year,
            "illustrative_parameters": self.illustrative,
            "parameter_rules": list(self.parameter_rules),
            "assumed_uncertainty": True,
            "settings": self.settings.to_dict(),
            "nominal_recipe": self.settings.recipes()[0].to_dict(),
            "regions": records(self.summary),
            "weights": records(self.weights),
            "methods": records(self.methods),
            "sensitivity": records(self.sensitivity),
            "sobol_runs": self.sobol_runs,
        }


def _plain(v: Any) -> Any:
    if isinstance(v, (float, np.floating)):
        return None if math.isnan(v) else float(v)
    if isinstance(v, np.integer):
        return int(v)
    return v


def sample_inputs(tree: Tree, settings: Settings, n: int, rng: np.random.Generator) -> Inputs:
    """Monte Carlo draws: uniform factors around 1 and a uniform method choice."""
    wf = 1.0 + settings.weight_noise * rng.uniform(-1.0, 1.0, size=(n, tree.n_nodes))
    sf = 1.0 + settings.standard_noise * rng.uniform(-1.0, 1.0, size=(n, len(tree.leaves)))
    choice = rng.integers(0, len(settings.recipes()), size=n)
    return Inputs(wf, sf, np.asarray(choice, dtype=np.intp))


def _replicate(tree: Tree, x: FloatArray, settings: Settings, inputs: Inputs, progress: Progress | None, stage: str) -> FloatArray:
    """The index of every region in every run, reporting progress as blocks finish; shape (R, M)."""
    done = [0]

    def tick(n: int) -> None:
        done[0] += n
        if progress is not None:
            progress(stage, done[0], len(inputs.choice))

    w, s = inputs.weight_factors, inputs.standard_factors
    return replicate(tree, x, settings.recipes(), choice=inputs.choice, weight_factors=w, standard_factors=s, on_block=tick)


def _named(regions: Sequence[str], year: int) -> Callable[[tuple[int, ...]], str]:
    return lambda idx: f"{regions[idx[0]]} {year}"


def uncertainty(
    framework: Framework,
    values: Values,
    *,
    year: int | None = None,
    settings: Settings | None = None,
    progress: Progress | None = None,
) -> Uncertainty:
    """Rank intervals and sensitivity indices of every region in one year.

    Parameters
    ----------
    framework : Framework
    values : Values
        Raw values; regions with no value in ``year`` are left out.
    year : int, optional
        Default: the latest year in ``values``.
    settings : Settings, optional
    progress : callable, optional
        See :data:`Progress`.

    Returns
    -------
    Uncertainty
    """
    settings = settings or Settings()
    settings.check()
    tree = framework.tree
    year = max(values.years) if year is None else year
    x, regions, groups = _year_values(values, year)
    try:
        nominal = build(settings.recipes()[0], tree, x[:, None, :], peer_groups=groups)
        nom_index, nom_rank = nominal.scores[:, 0, 0], nominal.ranks[:, 0, 0]
        rng = np.random.default_rng(settings.seed)
        inputs = sample_inputs(tree, settings, settings.replications, rng)
        index = _replicate(tree, x, settings, inputs, progress, "monte_carlo")
        ranks = rank_regions(index, axis=0, groups=groups)
        sensitivity, runs = sobol_indices(framework, x, settings, nom_rank, regions, progress=progress, groups=groups)
    except NonPositiveScores as exc:  # a geometric or harmonic choice met a score of 0 or less
        raise exc.named(_named(regions, year)) from None
    return Uncertainty(
        settings=settings,
        year=year,
        regions=regions,
        illustrative=framework.is_illustrative,
        parameter_rules=tuple(framework.parameter_rules()),
        summary=_summary(regions, nom_index, nom_rank, index, ranks, groups),
        weights=_weights(tree, inputs.weight_factors),
        methods=_methods(settings, inputs.choice),
        sensitivity=sensitivity,
        sobol_runs=runs,
        index=index,
        ranks=ranks,
    )


def _year_values(values: Values, year: int) -> tuple[FloatArray, tuple[str, ...], tuple[str, ...] | None]:
    """The year's values (R', K) of the regions with any, their names and peer groups."""
    if year not in values.years:
        raise NotFoundError(f"数据中没有 {year} 年 no data for {year}; 可选 available: {list(values.years)}")
    x = values.data[:, values.years.index(year), :]
    keep = np.flatnonzero(~np.isnan(x).all(axis=1))
    groups = None if values.peers is None else tuple(values.peers[i] for i in keep)
    return x[keep], tuple(values.regions[i] for i in keep), groups


def _quantiles(a: FloatArray) -> FloatArray:
    """5/50/95% along axis 1, shape (3, rows); NaN replications ignored, NaN for an all-NaN row."""
    if not np.isnan(a).any():  # nanquantile works row by row in Python: only when needed
        return np.asarray(np.quantile(a, QUANTILES, axis=1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows: NaN is the answer
        return np.asarray(np.nanquantile(a, QUANTILES, axis=1))


def _summary(
    regions: Sequence[str], nom_index: FloatArray, nom_rank: FloatArray, index: FloatArray, ranks: FloatArray, groups: Sequence[str] | None = None
) -> pd.DataFrame:
    """One row per region; ``peers`` is its peer group and ``of`` how many of the group are ranked."""
    iq, rq = _quantiles(index), _quantiles(ranks)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        shift = np.nanmean(np.abs(ranks - nom_rank[:, None]), axis=1)
    peers = list(groups) if groups is not None else [""] * len(regions)
    ranked = pd.Series(~np.isnan(nom_rank)).groupby(peers).transform("sum").to_numpy(dtype=int)
    columns: dict[str, Any] = {"region": list(regions), "peers": peers, "index": nom_index, "rank": nom_rank, "of": ranked}
    columns.update({f"index_p{p}": q for p, q in zip(PERCENTS, iq)})
    columns.update({f"rank_p{p}": q for p, q in zip(PERCENTS, rq)})
    frame = pd.DataFrame(dict(columns, rank_shift=shift))
    return frame.sort_values(["peers", "rank", "region"], kind="stable", na_position="last").reset_index(drop=True)


def _weights(tree: Tree, weight_factors: FloatArray) -> pd.DataFrame:
    eff = effective_leaf_weights(tree, perturb_weights(tree, weight_factors))
    q = np.quantile(eff, QUANTILES, axis=0)
    columns = {"indicator": list(tree.leaf_codes), "weight": tree.effective_weight[tree.leaves]}
    return pd.DataFrame(dict(columns, **{f"weight_p{p}": v for p, v in zip(PERCENTS, q)}))


def _methods(settings: Settings, choice: IntArray) -> pd.DataFrame:
    recipes = settings.recipes()
    counts = np.bincount(choice, minlength=len(recipes))
    return pd.DataFrame(
        {
            "normalise": [r.normalise.method for r in recipes],
            "params": [dict(r.normalise.params) for r in recipes],
            "aggregate": [r.aggregate.method for r in recipes],
            "nominal": [i == 0 for i in range(len(recipes))],
            "replications": counts,
        }
    )


def _area_of(tree: Tree) -> list[int]:
    """The level-1 ancestor of every node (the root maps to itself)."""
    area = list(range(tree.n_nodes))
    for i in range(1, tree.n_nodes):
        p = int(tree.parent[i])
        area[i] = i if p == 0 else area[p]
    return area


def sobol_problem(tree: Tree, settings: Settings) -> tuple[dict[str, Any], dict[str, list[int]]]:
    """SALib's problem (grouped inputs) and where each input goes.

    Returns the problem dict and the columns of the sample holding weight factors
    (``"w"``, with their node numbers in ``"w_nodes"``), standard factors (``"s"``,
    leaf positions in ``"s_leaves"``) and the method choice (``"m"``).
    """
    names: list[str] = []
    groups: list[str] = []
    bounds: list[list[float]] = []
    where: dict[str, list[int]] = {"w": [], "w_nodes": [], "s": [], "s_leaves": [], "m": []}
    a, b = settings.weight_noise, settings.standard_noise
    area = _area_of(tree)
    siblings = np.bincount(tree.parent[1:], minlength=tree.n_nodes)
    if a > 0:
        for i in range(1, tree.n_nodes):
            if siblings[tree.parent[i]] > 1:  # a lone child's weight is re-normalised back to its total
                where["w"].append(len(names))
                where["w_nodes"].append(i)
                names.append(f"w:{tree.codes[i]}")
                groups.append(f"weights:{tree.codes[area[i]]}")
                bounds.append([1.0 - a, 1.0 + a])
    if b > 0:
        for k, leaf in enumerate(tree.leaves):
            where["s"].append(len(names))
            where["s_leaves"].append(k)
            names.append(f"s:{tree.codes[leaf]}")
            groups.append("standards")
            bounds.append([1.0 - b, 1.0 + b])
    if len(settings.recipes()) > 1:
        where["m"].append(len(names))
        names.append("method")
        groups.append("method")
        bounds.append([0.0, 1.0])
    return {"num_vars": len(names), "names": names, "groups": groups, "bounds": bounds}, where


def _inputs_from_sample(tree: Tree, settings: Settings, sample: FloatArray, where: dict[str, list[int]]) -> Inputs:
    m = len(sample)
    wf = np.ones((m, tree.n_nodes))
    wf[:, where["w_nodes"]] = sample[:, where["w"]]
    sf = np.ones((m, len(tree.leaves)))
    sf[:, where["s_leaves"]] = sample[:, where["s"]]
    n_recipes = len(settings.recipes())
    choice = np.zeros(m, dtype=np.intp)
    if where["m"]:
        choice = np.minimum(np.floor(sample[:, where["m"][0]] * n_recipes), n_recipes - 1).astype(np.intp)
    return Inputs(wf, sf, choice)


def sobol_indices(
    framework: Framework,
    x: FloatArray,
    settings: Settings,
    nominal_rank: FloatArray,
    regions: Sequence[str],
    *,
    progress: Progress | None = None,
    groups: Sequence[str] | None = None,
) -> tuple[pd.DataFrame, int]:
    """First-order and total Sobol' indices of the rank outputs, per input group.

    Outputs: ``rank_shift`` (mean absolute rank shift over all regions) and ``rank:REGION``
    for each region in ``settings.focus``; ranks are within ``groups`` (peer groups) when given.

    Returns
    -------
    DataFrame
        Columns output, input, S1, S1_conf, ST, ST_conf; empty when ``sobol_samples`` is 0
        or nothing varies.
    int
        The number of model runs.
    """
    columns = ["output", "input", "S1", "S1_conf", "ST", "ST_conf"]
    tree = framework.tree
    problem, where = sobol_problem(tree, settings)
    unknown = [r for r in settings.focus if r not in regions]
    if unknown:
        raise NotFoundError(f"没有这些地区的数据 no data for regions: {', '.join(unknown)}")
    if settings.sobol_samples == 0 or problem["num_vars"] == 0:
        return pd.DataFrame(columns=columns), 0
    sample_seed, analyse_seed = (int(s) + 1 for s in np.random.SeedSequence(settings.seed).generate_state(2))
    sample = sobol_sample.sample(problem, settings.sobol_samples, calc_second_order=False, seed=sample_seed)
    inputs = _inputs_from_sample(tree, settings, sample, where)
    index = _replicate(tree, x, settings, inputs, progress, "sobol")
    ranks = rank_regions(index, axis=0, groups=groups)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        outputs = {"rank_shift": np.nanmean(np.abs(ranks - nominal_rank[:, None]), axis=0)}
    outputs.update({f"rank:{r}": ranks[list(regions).index(r)] for r in settings.focus})
    names = list(dict.fromkeys(problem["groups"]))
    rows = []
    for output, y in outputs.items():
        for name, s1, c1, st, ct in _analyse(problem, names, y, analyse_seed):
            rows.append((output, name, s1, c1, st, ct))
    return pd.DataFrame(rows, columns=columns), len(sample)


def _analyse(problem: dict[str, Any], names: list[str], y: FloatArray, seed: int) -> list[tuple[str, float, float, float, float]]:
    """SALib's Sobol' analysis of one output; undefined (NaN) when the output never varies."""
    nan = math.nan
    if not np.isfinite(y).all() or np.std(y) == 0:
        return [(n, nan, nan, nan, nan) for n in names]
    if len(names) == 1:  # one group: all the variance is its own (SALib needs two)
        return [(names[0], 1.0, 0.0, 1.0, 0.0)]
    si = sobol_analyze.analyze(problem, y, calc_second_order=False, num_resamples=100, seed=seed)
    return [
        (n, float(si["S1"][i]), float(si["S1_conf"][i]), float(si["ST"][i]), float(si["ST_conf"][i]))
        for i, n in enumerate(names)
    ]
