"""Many builds of one index at once: replications with their own weights, standards and methods.

Replications sit on an axis of their own beside the region axis, where
:func:`stpi.engine.build` has years: raw values (R, K) give leaf scores
(R, N, K) and an index (R, N) for N replications. So every normalisation
method in the registry, written for (regions, years, indicators), works here
unchanged, and ranks are :func:`stpi.engine.rank_regions` over axis 0.

Each replication has its own node weights, so aggregation multiplies each
region's children by its replication's level matrix, shape (N, C, P). The
products are taken one (1, C) @ (C, P) at a time, on children gathered the way
:func:`stpi.engine.aggregate` gathers them for a single year (matmul's rounding
depends on the shapes and memory layout of its operands), so every replication
equals, bit for bit, a build of the tree with that replication's weights and
standards; with the nominal ones, the nominal build. Python loops run over tree
levels and blocks of replications, never over single replications.

The root is also ``Σ_k score_k · effective_weight_k`` for the arithmetic mean
(:func:`effective_leaf_weights`); that one-step form is not used because it
rounds differently from the level-by-level build and would save little:
normalisation, not aggregation, dominates the time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from stpi.engine.aggregate import AGGREGATORS, NonPositiveScores, _Mean, check_policy  # the engine's own mean type
from stpi.engine.methods import pick
from stpi.engine.normalise import normalise
from stpi.engine.recipe import Recipe
from stpi.engine.tree import FloatArray, IntArray, Tree
from stpi.errors import MethodError

__all__ = [
    "aggregate_root",
    "block_size",
    "effective_leaf_weights",
    "leaf_scores",
    "level_matrices",
    "perturb_weights",
    "replicate",
]

# elements of the (regions × replications × nodes) working array per block: a few MB, cache-sized
_BLOCK_ELEMENTS = 1 << 18


def _sibling_total(tree: Tree, weights: FloatArray) -> FloatArray:
    """Each node's weight total among its parent's children, shape (N, n_nodes); 1 for the root."""
    total = np.ones(weights.shape)
    for p in np.unique(tree.parent[tree.parent >= 0]):
        kids = np.flatnonzero(tree.parent == p)
        # summed in a fixed order: numpy's own sum order depends on the array's shape,
        # and equal weights must give an equal total (a ratio of exactly 1) whatever N is
        acc = weights[:, kids[0]].copy()
        for k in kids[1:]:
            acc += weights[:, k]
        total[:, kids] = acc[:, None]
    return total


def perturb_weights(tree: Tree, factors: FloatArray) -> FloatArray:
    """Node weights scaled by per-replication factors, re-normalised within each parent.

    Parameters
    ----------
    tree : Tree
    factors : float array, shape (N, n_nodes)
        Multiplier of each node's weight in each replication (the root's is ignored).

    Returns
    -------
    float array, shape (N, n_nodes)
        Weights whose total among siblings equals the nominal total (1 in the official
        method). With all factors 1 they equal ``tree.weight`` exactly.
    """
    factors = np.asarray(factors, dtype=float)
    scaled = tree.weight * factors
    scaled[:, 0] = tree.weight[0]
    nominal = _sibling_total(tree, np.broadcast_to(tree.weight, (1, tree.n_nodes)))
    return np.asarray(scaled * (nominal / _sibling_total(tree, scaled)))


def effective_leaf_weights(tree: Tree, weights: FloatArray) -> FloatArray:
    """Product of the weights on each leaf's path, per replication.

    Parameters
    ----------
    tree : Tree
    weights : float array, shape (N, n_nodes)
        Node weights of each replication (see :func:`perturb_weights`).

    Returns
    -------
    float array, shape (N, K)
        Under the arithmetic aggregation with no missing values the index of
        replication n is ``leaf_scores[:, n] @ result[n]`` (up to rounding).
    """
    weights = np.asarray(weights, dtype=float)
    eff = np.ones(weights.shape)
    depth = tree.depth
    for d in range(1, int(depth.max()) + 1):  # top-down: a node's parent is done before it
        nodes = np.flatnonzero(depth == d)
        eff[:, nodes] = eff[:, tree.parent[nodes]] * weights[:, nodes]
    return eff[:, tree.leaves]


def level_matrices(tree: Tree, weights: FloatArray) -> tuple[FloatArray, ...]:
    """The matrix of every aggregation step for every replication.

    Returns
    -------
    tuple of float arrays, shape (N, C, P) each
        In the order of ``tree.levels``; replication n's matrix equals
        ``level.matrix`` with the weights of ``weights[n]``.
    """
    weights = np.asarray(weights, dtype=float)
    out = []
    for level in tree.levels:
        rows = np.arange(len(level.children))
        cols = np.argmax(level.member, axis=1)
        matrix = np.zeros((len(weights), len(level.children), len(level.parents)))
        matrix[:, rows, cols] = weights[:, level.children]
        out.append(matrix)
    return tuple(out)


def leaf_scores(
    tree: Tree, values: FloatArray, standards: FloatArray, *, method: str = "ratio", params: dict[str, float] | None = None
) -> FloatArray:
    """Scores of every leaf, region and replication, each replication with its own standards.

    Parameters
    ----------
    tree : Tree
    values : float array, shape (R, K)
        Raw values of one year; NaN where missing.
    standards : float array, shape (N, K)
    method : str
        A name in :data:`stpi.engine.NORMALISERS`.
    params : dict, optional
        The method's parameters.

    Returns
    -------
    float array, shape (R, N, K)
        A read-only broadcast view when the method does not use the standards.
    """
    values = np.asarray(values, dtype=float)
    standards = np.asarray(standards, dtype=float)
    scores = normalise(
        values[:, None, :], method=method, standard=standards, direction=tree.direction, **(params or {})
    )
    return np.broadcast_to(scores, (values.shape[0], standards.shape[0], values.shape[1]))


def _weighted(term: FloatArray, matrix: FloatArray) -> FloatArray:
    """(R, N, C) by (N, C, P): one (1, C) @ (C, P) product per region and replication."""
    return np.asarray((term[..., None, :] @ matrix)[..., 0, :])


def aggregate_root(
    tree: Tree,
    scores: FloatArray,
    weights: FloatArray,
    *,
    method: str = "arithmetic",
    missing: str = "reweight",
) -> FloatArray:
    """The index of every region in every replication, from leaf scores and node weights.

    Parameters
    ----------
    tree : Tree
    scores : float array, shape (R, N, K)
        Leaf scores; NaN where missing.
    weights : float array, shape (N, n_nodes)
        Node weights of each replication.
    method : {"arithmetic", "geometric", "harmonic"}
        The geometric and harmonic means refuse scores of zero or less
        (:class:`stpi.engine.NonPositiveScores`, naming leaves and regions).
    missing : {"propagate", "zero", "reweight"}
        As in :func:`stpi.engine.aggregate`.

    Returns
    -------
    float array, shape (R, N)
        Equal, bit for bit, to the root :func:`stpi.engine.aggregate` gives with
        replication n's weights.
    """
    mean = pick(AGGREGATORS, method, "加权 aggregate")
    check_policy(missing)
    scores = np.asarray(scores, dtype=float)
    if missing == "zero" and np.isnan(scores).any():
        scores = np.where(np.isnan(scores), 0.0, scores)
    if mean.positive:  # refused as the engine refuses them; the message names regions, not replications
        with np.errstate(invalid="ignore"):
            bad = np.asarray((scores <= 0).any(axis=1))
        if bad.any():
            raise NonPositiveScores(method, tree.leaf_codes, bad)
    # The same arrays and indexing as the engine's aggregate: matmul's rounding depends on the
    # memory layout of its operands, and a fancy-indexed gather fixes that layout.
    node = np.empty(scores.shape[:-1] + (tree.n_nodes,))
    for start, stop, src in _runs(tree.leaves):  # slices copy much faster than a fancy scatter
        node[..., start:stop] = scores[..., src : src + stop - start]
    for level, matrix in zip(tree.levels, level_matrices(tree, weights)):
        child = node[..., level.children]
        fast = _combine_complete(child, matrix, mean)
        node[..., level.parents] = fast if fast is not None else _combine(child, matrix, level.member, mean, missing)
    return np.asarray(node[..., 0])


def _runs(index: IntArray) -> list[tuple[int, int, int]]:
    """Runs of consecutive values in ``index``: (first value, last value + 1, position of the first)."""
    breaks = np.flatnonzero(np.diff(index) != 1) + 1
    starts = np.concatenate([[0], breaks])
    stops = np.concatenate([breaks, [len(index)]])
    return [(int(index[a]), int(index[b - 1]) + 1, int(a)) for a, b in zip(starts, stops)]


def _combine_complete(child: FloatArray, matrix: FloatArray, mean: _Mean) -> FloatArray | None:
    """The step when no child is missing or degenerate (the usual case); None otherwise.

    Gives what the general step gives in that case, with fewer passes over the data.
    """
    term = mean.forward(child)
    if not np.isfinite(term).all():  # a missing child (NaN), or log/reciprocal of 0 or less
        return None
    total = _weighted(term, matrix)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = total / matrix.sum(axis=-2)[None] if mean.divide else total
        return np.asarray(mean.inverse(value))


def _combine(child: FloatArray, matrix: FloatArray, member: FloatArray, mean: _Mean, missing: str) -> FloatArray:
    """One aggregation step with per-replication weights; mirrors the engine's own step."""
    forward, inverse, divide = mean.forward, mean.inverse, mean.divide
    present = ~np.isnan(child)
    term = forward(np.where(present, child, 1.0))
    absorbing = present & np.isinf(term)
    invalid = present & np.isnan(term)
    term = np.where(present & np.isfinite(term), term, 0.0)
    total = _weighted(term, matrix)
    w_all = matrix.sum(axis=-2)[None]
    w_present = _weighted(present.astype(float), matrix)
    any_missing = (~present).astype(float) @ member > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        if missing == "reweight":
            value = total / w_present if divide else total * (w_all / w_present)
            value = np.where(any_missing, value, total / w_all if divide else total)
            value = np.where(present.astype(float) @ member > 0, value, np.nan)
        else:
            value = total / w_all if divide else total
            value = np.where(any_missing, np.nan, value)
        value = inverse(value)
    value = np.where(absorbing.astype(float) @ member > 0, 0.0, value)
    return np.asarray(np.where(invalid.astype(float) @ member > 0, np.nan, value))


def block_size(tree: Tree, n_regions: int) -> int:
    """Replications per block, so that one block's working arrays stay a few MB."""
    return max(1, _BLOCK_ELEMENTS // max(1, n_regions * tree.n_nodes))


def replicate(
    tree: Tree,
    values: FloatArray,
    recipes: Sequence[Recipe],
    *,
    choice: IntArray,
    weight_factors: FloatArray,
    standard_factors: FloatArray,
    block: int | None = None,
    on_block: Callable[[int], None] | None = None,
) -> FloatArray:
    """The index of every region in N replications, each with its own inputs.

    Replications that chose the same recipe are computed together, a block at a time.

    Parameters
    ----------
    tree : Tree
    values : float array, shape (R, K)
        Raw values of one year; NaN where missing.
    recipes : sequence of Recipe
        The method choices; ``choice`` indexes into it.
    choice : int array, shape (N,)
        The recipe of each replication.
    weight_factors : float array, shape (N, n_nodes)
        Multipliers of the node weights (see :func:`perturb_weights`).
    standard_factors : float array, shape (N, K)
        Multipliers of the leaf standards.
    block : int, optional
        Replications per block; default from :func:`block_size`.
    on_block : callable, optional
        Called with the number of replications of each finished block.

    Returns
    -------
    float array, shape (R, N)
    """
    values = np.asarray(values, dtype=float)
    choice = np.asarray(choice)
    block = block or block_size(tree, values.shape[0])
    weights = perturb_weights(tree, weight_factors)
    root = np.full((values.shape[0], len(choice)), np.nan)
    for recipe in recipes:
        recipe.check()
        if recipe.impute is not None or recipe.treat is not None:
            # they do not depend on weights or standards: run them once, before replicating
            raise MethodError("重复计算不含插补与异常值处理,请先处理数据 impute/treat the values before replicating")
    for c, recipe in enumerate(recipes):
        chosen = np.flatnonzero(choice == c)
        for start in range(0, len(chosen), block):
            part = chosen[start : start + block]
            scores = leaf_scores(
                tree, values, tree.standard * standard_factors[part], method=recipe.normalise.method, params=recipe.normalise.params
            )
            root[:, part] = aggregate_root(
                tree, scores, weights[part], method=recipe.aggregate.method, missing=recipe.aggregate.missing
            )
            if on_block is not None:
                on_block(len(part))
    return root
