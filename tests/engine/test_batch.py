"""Replications on their own axis: equal to the engine's build, by hand, block by block."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest

from stpi.engine import Aggregate, NonPositiveScores, Normalise, Recipe, Tree, build
from stpi.engine.batch import (
    aggregate_root,
    effective_leaf_weights,
    leaf_scores,
    level_matrices,
    perturb_weights,
    replicate,
)
from stpi.engine.recipe import Impute
from stpi.errors import MethodError
from tests.conftest import make_tree

NAN = np.nan


@pytest.fixture
def deep() -> Tree:
    """Three levels, unequal weights, a lower-is-better leaf, a leaf beside groups, a lone child."""
    return make_tree(
        [
            ("R", None, 1.0, None, None),
            ("A", "R", 0.3, None, None),
            ("B", "R", 0.5, None, None),
            ("c", "R", 0.2, 8.0, 1),
            ("A1", "A", 0.7, None, None),
            ("a3", "A", 0.3, 5.0, -1),
            ("a1", "A1", 1 / 3, 10.0, 1),
            ("a2", "A1", 2 / 3, 20.0, 1),
            ("B1", "B", 1.0, None, None),
            ("b1", "B1", 0.1, 3.0, 1),
            ("b2", "B1", 0.2, 7.0, 1),
            ("b3", "B1", 0.3, 11.0, 1),
            ("b4", "B1", 0.4, 13.0, 1),
        ]
    )


def _values(tree: Tree, regions: int = 40, seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.1, 1.6, size=(regions, len(tree.leaves))) * tree.standard
    x[3, 2] = NAN
    x[5, :3] = NAN
    x[8, 4] = 0.0  # a zero score: refused by the geometric and harmonic means
    x[9, :] = x[10, :]  # an exact tie
    return x


def _nominal(tree: Tree, x: np.ndarray, recipe: Recipe, n: int, block: int | None = None) -> np.ndarray:
    return replicate(
        tree,
        x,
        [recipe],
        choice=np.zeros(n, dtype=np.intp),
        weight_factors=np.ones((n, tree.n_nodes)),
        standard_factors=np.ones((n, len(tree.leaves))),
        block=block,
    )


@pytest.mark.parametrize(
    ("norm", "agg", "missing"),
    list(itertools.product(["ratio", "minmax", "dist2targ"], ["arithmetic", "geometric", "harmonic"], ["reweight", "zero", "propagate"])),
)
def test_unperturbed_replications_equal_the_build_bit_for_bit(deep: Tree, norm: str, agg: str, missing: str) -> None:
    x = _values(deep)
    recipe = Recipe(Normalise(norm), Aggregate(agg, missing))
    if agg != "arithmetic":  # the zero score is refused by both, naming the leaf and the region
        for run in (lambda: build(recipe, deep, x[:, None, :]), lambda: _nominal(deep, x, recipe, n=37, block=10)):
            with pytest.raises(NonPositiveScores, match=rf"{deep.leaf_codes[4]} \(#9"):
                run()
        x[8, 4] = 0.5 * deep.standard[4]
        if norm == "minmax":  # the lowest region scores 0: COINr's way out is a positive lower bound
            recipe = Recipe(Normalise(norm, {"low": 1.0, "high": 100.0}), Aggregate(agg, missing))
        if norm == "dist2targ" or missing == "zero":  # the lowest region scores 0, a missing score counts 0: refused too
            for run in (lambda: build(recipe, deep, x[:, None, :]), lambda: _nominal(deep, x, recipe, n=37, block=10)):
                with pytest.raises(NonPositiveScores):
                    run()
            return
    expected = build(recipe, deep, x[:, None, :]).scores[:, 0, 0]
    got = _nominal(deep, x, recipe, n=37, block=10)
    assert got.shape == (40, 37)
    assert np.array_equal(got, np.repeat(expected[:, None], 37, axis=1), equal_nan=True)


def test_perturbed_replications_equal_a_build_per_replication(deep: Tree) -> None:
    # a level of 8 children under 2 parents: where matmul's rounding depends on memory layout
    eight = make_tree(
        [("R", None, 1.0, None, None), ("P", "R", 0.5, None, None), ("Q", "R", 0.5, None, None)]
        + [(f"G{i}", "P" if i < 5 else "Q", 0.2 if i < 5 else 1 / 3, None, None) for i in range(8)]
        + [(f"x{i}", f"G{i % 8}", 1 / 3 if i % 8 < 3 else 1 / 2 if i % 8 < 6 else 1 / 4, 10.0, 1) for i in range(23)]
    )
    rng = np.random.default_rng(5)
    for tree in (deep, eight):
        x = np.asfortranarray(rng.uniform(1, 16, size=(30, len(tree.leaves))))  # as pandas hands it over
        x[4, 1] = NAN
        wf = 1 + 0.25 * rng.uniform(-1, 1, size=(40, tree.n_nodes))
        sf = 1 + 0.1 * rng.uniform(-1, 1, size=(40, len(tree.leaves)))
        for recipe in (Recipe(aggregate=Aggregate(missing="reweight")), Recipe(aggregate=Aggregate("geometric", "reweight"))):
            root = replicate(tree, x, [recipe], choice=np.zeros(40, dtype=np.intp), weight_factors=wf, standard_factors=sf, block=16)
            w = perturb_weights(tree, wf)
            for n in range(40):
                t = replace(tree, weight=w[n], standard=tree.standard * sf[n])
                assert np.array_equal(root[:, n], build(recipe, t, x[:, None, :]).scores[:, 0, 0], equal_nan=True)


def test_unperturbed_weights_and_matrices_are_the_trees(deep: Tree) -> None:
    w = perturb_weights(deep, np.ones((3, deep.n_nodes)))
    assert np.array_equal(w, np.tile(deep.weight, (3, 1)))
    for level, m in zip(deep.levels, level_matrices(deep, w)):
        assert np.array_equal(m, np.broadcast_to(level.matrix, m.shape))
    assert np.array_equal(effective_leaf_weights(deep, w), np.tile(deep.effective_weight[deep.leaves], (3, 1)))


def test_weights_are_renormalised_within_each_parent(unbalanced: Tree) -> None:
    # nodes R, A, b, a1, a2 with weights 1, 0.6, 0.4, 0.5, 0.5
    factors = np.array([[9.0, 1.5, 0.5, 1.2, 0.8]])
    w = perturb_weights(unbalanced, factors)
    # A: 0.9 / (0.9 + 0.2); b: 0.2 / 1.1; a1: 0.6 / (0.6 + 0.4); the root's factor is ignored
    np.testing.assert_allclose(w[0], [1.0, 0.9 / 1.1, 0.2 / 1.1, 0.6, 0.4], rtol=0, atol=1e-15)
    eff = effective_leaf_weights(unbalanced, w)  # leaves b, a1, a2
    np.testing.assert_allclose(eff[0], [0.2 / 1.1, 0.9 / 1.1 * 0.6, 0.9 / 1.1 * 0.4], rtol=0, atol=1e-15)


def test_two_regions_by_hand() -> None:
    tree = make_tree([("R", None, 1.0, None, None), ("x", "R", 0.5, 10.0, 1), ("y", "R", 0.5, 10.0, 1)])
    values = np.array([[5.0, 10.0], [10.0, 0.0]])  # P scores (50, 100), Q (100, 0)
    wf = np.array([[1.0, 1.0, 1.0], [1.0, 1.2, 0.8], [1.0, 0.8, 1.2], [1.0, 1.2, 0.8]])
    sf = np.array([[1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.25, 0.5]])
    root = replicate(tree, values, [Recipe()], choice=np.zeros(4, dtype=np.intp), weight_factors=wf, standard_factors=sf)
    # 1: 0.5·50 + 0.5·100 = 75, 50 | 2: weights 0.6/0.4: 70, 60 | 3: 0.4/0.6: 80, 40
    # 4: standards 12.5 and 5: P scores (40, 100) → 0.6·40 + 0.4·100 = 64; Q (80, 0) → 48
    np.testing.assert_allclose(root, [[75, 70, 80, 64], [50, 60, 40, 48]], rtol=0, atol=1e-12)


def test_geometric_mean_with_perturbed_weights_by_hand() -> None:
    tree = make_tree([("R", None, 1.0, None, None), ("x", "R", 0.5, 100.0, 1), ("y", "R", 0.5, 100.0, 1)])
    scores = leaf_scores(tree, np.array([[25.0, 100.0]]), np.tile(tree.standard, (2, 1)))
    weights = perturb_weights(tree, np.array([[1.0, 1.0, 1.0], [1.0, 1.5, 0.5]]))
    root = aggregate_root(tree, scores, weights, method="geometric")
    # √(25·100) = 50; 25^0.75 · 100^0.25 = 25·√2
    np.testing.assert_allclose(root, [[50.0, 25 * np.sqrt(2)]], rtol=1e-14)


def test_arithmetic_root_is_scores_times_effective_weights(deep: Tree) -> None:
    rng = np.random.default_rng(3)
    x = rng.uniform(0.1, 1.6, size=(12, len(deep.leaves))) * deep.standard
    wf = 1 + 0.4 * rng.uniform(-1, 1, size=(50, deep.n_nodes))
    sf = 1 + 0.2 * rng.uniform(-1, 1, size=(50, len(deep.leaves)))
    root = replicate(deep, x, [Recipe()], choice=np.zeros(50, dtype=np.intp), weight_factors=wf, standard_factors=sf)
    scores = leaf_scores(deep, x, deep.standard * sf)
    eff = effective_leaf_weights(deep, perturb_weights(deep, wf))
    np.testing.assert_allclose(root, np.einsum("rnk,nk->rn", scores, eff), rtol=0, atol=1e-12)
    assert np.allclose(eff.sum(axis=1), 1.0, rtol=0, atol=1e-15)


def test_each_replication_uses_its_chosen_recipe(deep: Tree) -> None:
    x = _values(deep)
    x[8, 4] = 0.5 * deep.standard[4]
    recipes = [Recipe(aggregate=Aggregate(missing="zero")), Recipe(Normalise("minmax", {"low": 1.0, "high": 100.0}), Aggregate("geometric", "reweight"))]
    choice = np.array([0, 1, 1, 0, 1], dtype=np.intp)
    root = replicate(deep, x, recipes, choice=choice, weight_factors=np.ones((5, deep.n_nodes)), standard_factors=np.ones((5, len(deep.leaves))))
    for c, recipe in enumerate(recipes):
        expected = build(recipe, deep, x[:, None, :]).scores[:, 0, 0]
        for n in np.flatnonzero(choice == c):
            assert np.array_equal(root[:, n], expected, equal_nan=True)


def test_blocks_do_not_change_the_result(deep: Tree) -> None:
    rng = np.random.default_rng(11)
    x = _values(deep)
    x[8, 4] = 0.5 * deep.standard[4]  # the geometric mean needs positive scores
    wf = 1 + 0.25 * rng.uniform(-1, 1, size=(64, deep.n_nodes))
    sf = 1 + 0.1 * rng.uniform(-1, 1, size=(64, len(deep.leaves)))
    recipes = [Recipe(aggregate=Aggregate(missing="reweight")), Recipe(aggregate=Aggregate("geometric", "reweight"))]
    choice = rng.integers(0, 2, size=64)
    seen: list[int] = []
    kw = dict(choice=choice, weight_factors=wf, standard_factors=sf)
    one = replicate(deep, x, recipes, block=1, on_block=seen.append, **kw)  # type: ignore[arg-type]
    big = replicate(deep, x, recipes, **kw)  # type: ignore[arg-type]
    assert np.array_equal(one, big, equal_nan=True)
    assert seen == [1] * 64


def test_standards_scale_only_the_methods_that_use_them(deep: Tree) -> None:
    x = _values(deep)
    sf = np.array([np.ones(len(deep.leaves)), np.full(len(deep.leaves), 2.0)])
    ratio = leaf_scores(deep, x, deep.standard * sf)
    minmax = leaf_scores(deep, x, deep.standard * sf, method="minmax")
    assert ratio.shape == minmax.shape == (40, 2, len(deep.leaves))
    assert not np.array_equal(ratio[:, 0], ratio[:, 1], equal_nan=True)
    assert np.array_equal(minmax[:, 0], minmax[:, 1], equal_nan=True)


def test_recipes_with_imputation_or_unknown_methods_fail(deep: Tree) -> None:
    x = _values(deep)
    kw = dict(choice=np.zeros(2, dtype=np.intp), weight_factors=np.ones((2, deep.n_nodes)), standard_factors=np.ones((2, len(deep.leaves))))
    with pytest.raises(MethodError, match="impute"):
        replicate(deep, x, [Recipe(impute=Impute("mean"))], **kw)  # type: ignore[arg-type]
    with pytest.raises(MethodError, match="median"):
        replicate(deep, x, [Recipe(aggregate=Aggregate("median"))], **kw)  # type: ignore[arg-type]
