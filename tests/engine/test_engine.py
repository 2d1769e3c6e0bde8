"""The official method on small hand-worked trees."""

from __future__ import annotations

import ast
import pathlib

import numpy as np
import pytest

from stpi.engine import (
    Aggregate,
    Normalise,
    Recipe,
    aggregate,
    build,
    contributions,
    effective_weights,
    headroom,
    normalise,
    rank_regions,
    roll_up,
)
from stpi.engine.tree import Tree
from stpi.errors import MethodError
from tests.conftest import make_tree

NAN = np.nan


def test_ratio_scores_are_capped_and_reverse() -> None:
    x = np.array([5.0, 20.0, 20.0, 5.0, 0.0, -2.0])
    s = np.full(6, 10.0)
    d = np.array([1, 1, -1, -1, -1, 1], dtype=float)
    got = normalise(x, standard=s, direction=d)
    # 5/10; capped at 100; 10/20; capped (10/5 > 1); lower-is-better at 0 earns the cap; never floored
    np.testing.assert_array_equal(got, [50.0, 100.0, 50.0, 100.0, 100.0, -20.0])


def test_missing_value_stays_missing_in_normalise() -> None:
    got = normalise(np.array([NAN, 4.0]), standard=np.array([8.0, 8.0]), direction=np.array([1.0, 1.0]))
    assert np.isnan(got[0]) and got[1] == 50.0


def test_hand_computed_unbalanced_tree(unbalanced: Tree) -> None:
    # a1 = 5/10 → 50; a2 lower is better, 20 → 10/20 → 50; b = 30/10 capped → 100
    built = build(Recipe(), unbalanced, np.array([[[30.0, 5.0, 20.0]]]))
    # A = 0.5·50 + 0.5·50 = 50; R = 0.6·50 + 0.4·100 = 70
    np.testing.assert_allclose(built.scores[0, 0], [70.0, 50.0, 100.0, 50.0, 50.0], rtol=0, atol=1e-12)


def test_leaf_order_follows_tree_leaves(unbalanced: Tree) -> None:
    assert unbalanced.leaf_codes == ("b", "a1", "a2")


def test_missing_policies(unbalanced: Tree) -> None:
    x = np.array([[[3.0, 5.0, NAN]]])  # a2 missing
    prop = build(Recipe(aggregate=Aggregate(missing="propagate")), unbalanced, x).scores[0, 0]
    assert np.isnan(prop[0]) and np.isnan(prop[1]) and prop[2] == 30.0
    zero = build(Recipe(aggregate=Aggregate(missing="zero")), unbalanced, x).scores[0, 0]
    # A = 0.5·50 + 0.5·0 = 25; R = 0.6·25 + 0.4·30 = 27
    np.testing.assert_allclose(zero[:2], [27.0, 25.0])
    rew = build(Recipe(aggregate=Aggregate(missing="reweight")), unbalanced, x).scores[0, 0]
    # A takes a1 alone: 50; R = 0.6·50 + 0.4·30 = 42
    np.testing.assert_allclose(rew[:2], [42.0, 50.0])


def test_reweight_all_children_missing_leaves_parent_missing(unbalanced: Tree) -> None:
    rew = build(Recipe(aggregate=Aggregate(missing="reweight")), unbalanced, np.array([[[3.0, NAN, NAN]]]))
    scores = rew.scores[0, 0]
    assert np.isnan(scores[1])  # A has no present child
    assert scores[0] == pytest.approx(30.0)  # root re-normalised onto b alone


def test_reweight_equals_official_when_complete(unbalanced: Tree) -> None:
    x = np.random.default_rng(1).uniform(1, 20, size=(7, 3, 3))
    a = build(Recipe(), unbalanced, x).scores
    b = build(Recipe(aggregate=Aggregate(missing="reweight")), unbalanced, x).scores
    np.testing.assert_array_equal(a, b)


def test_weights_not_normalised_in_official_sum() -> None:
    # The official method is a weighted sum: weights 0.3 + 0.3 (a framework that failed to sum
    # to 1 would be rejected on load; the engine itself must not rescale).
    tree = make_tree([("R", None, 1, None, None), ("x", "R", 0.3, 1.0, 1), ("y", "R", 0.3, 1.0, 1)])
    assert build(Recipe(), tree, np.ones((1, 1, 2))).scores[0, 0, 0] == pytest.approx(60.0)


def test_geometric_and_harmonic_means() -> None:
    tree = make_tree([("R", None, 1, None, None), ("x", "R", 0.5, 100.0, 1), ("y", "R", 0.5, 100.0, 1)])
    x = np.array([[[25.0, 100.0]]])
    geo = build(Recipe(aggregate=Aggregate("geometric")), tree, x).scores[0, 0, 0]
    har = build(Recipe(aggregate=Aggregate("harmonic")), tree, x).scores[0, 0, 0]
    assert geo == pytest.approx(50.0)  # exp(0.5 ln 25 + 0.5 ln 100)
    assert har == pytest.approx(40.0)  # 1 / (0.5/25 + 0.5/100)
    for method, word in (("geometric", "几何平均"), ("harmonic", "调和平均")):  # COINr refuses zero or negative inputs
        with pytest.raises(MethodError, match=rf"^{word}要求得分为正.*x \(#1/1\)$"):
            build(Recipe(aggregate=Aggregate(method)), tree, np.array([[[0.0, 100.0]]]))
    with pytest.raises(MethodError, match=r"1 place\(s\).*x \(#1/1\); y \(#1/1\)"):  # a missing score counted 0 is refused too
        build(Recipe(aggregate=Aggregate("geometric", "zero")), tree, np.array([[[-5.0, np.nan]]]))


def test_ranks_ties_share_best_rank_and_nan_stays() -> None:
    values = np.array([[50.0, 1.0], [70.0, NAN], [50.0, 3.0], [10.0, 3.0]])
    np.testing.assert_array_equal(rank_regions(values), [[2, 3], [1, NAN], [2, 1], [4, 1]])


def test_ranks_are_within_each_year(unbalanced: Tree) -> None:
    x = np.array([[[10.0, 10.0, 10.0], [1.0, 1.0, 100.0]], [[1.0, 1.0, 100.0], [10.0, 10.0, 10.0]]])
    ranks = build(Recipe(), unbalanced, x).ranks[..., 0]
    np.testing.assert_array_equal(ranks, [[1, 2], [2, 1]])


def test_contributions_sum_to_root(unbalanced: Tree) -> None:
    x = np.array([[[3.0, 5.0, 40.0]]])
    built = build(Recipe(), unbalanced, x)
    leaf = built.scores[..., unbalanced.leaves]
    eff = effective_weights(unbalanced, leaf)
    np.testing.assert_allclose(eff[0, 0], [0.4, 0.3, 0.3])
    contrib = contributions(eff, leaf)
    np.testing.assert_allclose(contrib[0, 0], [12.0, 15.0, 7.5])
    assert contrib.sum() == pytest.approx(built.scores[0, 0, 0])
    room = headroom(eff, leaf)
    np.testing.assert_allclose(room[0, 0], [28.0, 15.0, 22.5])
    np.testing.assert_allclose(roll_up(unbalanced, room)[0, 0], [65.5, 37.5, 28.0, 15.0, 22.5])


def test_reweight_effective_weights_follow_missing(unbalanced: Tree) -> None:
    leaf = np.array([[[30.0, 50.0, NAN]]])
    eff = effective_weights(unbalanced, leaf, missing="reweight")
    np.testing.assert_allclose(eff[0, 0], [0.4, 0.6, 0.0])
    scores = aggregate(unbalanced, leaf, missing="reweight")
    assert contributions(eff, leaf).sum() == pytest.approx(scores[0, 0, 0])


def test_unknown_method_lists_valid_names(unbalanced: Tree) -> None:
    with pytest.raises(MethodError, match="arithmetic, geometric, harmonic"):
        build(Recipe(aggregate=Aggregate("median")), unbalanced, np.ones((1, 1, 3)))
    with pytest.raises(MethodError, match="propagate"):
        Aggregate(missing="drop").check()
    with pytest.raises(MethodError, match="ratio"):
        Normalise("minmux").check()


def test_recipe_rebuild_is_bit_identical(unbalanced: Tree) -> None:
    x = np.random.default_rng(7).uniform(0, 30, size=(20, 4, 3))
    x[3, 2, 1] = NAN
    recipe = Recipe(Normalise("ratio"), Aggregate("arithmetic", "reweight"))
    first = build(recipe, unbalanced, x)
    again = build(Recipe.from_dict(recipe.to_dict()), unbalanced, x)
    assert again.recipe == recipe
    for a, b in ((first.scores, again.scores), (first.ranks, again.ranks)):
        assert a.tobytes() == b.tobytes()


def test_engine_imports_no_io_libraries() -> None:
    banned = {"sqlalchemy", "openpyxl", "docx", "fastapi", "starlette", "yaml", "typer", "rich", "pandas", "logging"}
    root = pathlib.Path(__file__).resolve().parents[2] / "src" / "stpi" / "engine"
    for path in root.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                assert top not in banned, f"{path.name} imports {name}"
                if top == "stpi":
                    assert name.startswith(("stpi.engine", "stpi.errors")), f"{path.name} imports {name}"
            assert not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "print"), path.name
