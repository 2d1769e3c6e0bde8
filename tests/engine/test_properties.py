"""Invariants of the official method, on random trees and data (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stpi.engine import Aggregate, Recipe, build, contributions, decompose, effective_weights, rank_regions
from stpi.engine.tree import Tree
from stpi.errors import MethodError


@st.composite
def trees(draw: st.DrawFn) -> Tree:
    """A random tree of depth ≤ 4 with weights summing to 1 within every parent."""
    n = draw(st.integers(2, 14))
    parent = [-1] + [draw(st.integers(0, i - 1)) for i in range(1, n)]
    raw = [draw(st.floats(0.05, 5.0)) for _ in range(n)]
    weight = np.ones(n)
    for p in set(parent[1:]):
        kids = [i for i in range(n) if parent[i] == p]
        total = sum(raw[i] for i in kids)
        for i in kids:
            weight[i] = raw[i] / total
    leaves = [i for i in range(n) if i not in parent]
    return Tree(
        codes=tuple(f"n{i}" for i in range(n)),
        parent=np.array(parent, dtype=np.intp),
        weight=weight,
        leaves=np.array(leaves, dtype=np.intp),
        standard=np.array([draw(st.floats(0.1, 1000.0)) for _ in leaves]),
        direction=np.array([draw(st.sampled_from([1.0, -1.0])) for _ in leaves]),
    )


def _values(draw: st.DrawFn, k: int, regions: int = 3, years: int = 2) -> np.ndarray:
    flat = draw(st.lists(st.floats(0.0, 5000.0), min_size=regions * years * k, max_size=regions * years * k))
    return np.array(flat).reshape(regions, years, k)


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_root_stays_within_0_and_100(data: st.DataObject) -> None:
    tree = data.draw(trees())
    x = _values(data.draw, len(tree.leaves))
    root = build(Recipe(), tree, x).scores[..., 0]
    assert np.all(root >= -1e-9) and np.all(root <= 100 + 1e-9)


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_root_never_falls_when_a_leaf_improves(data: st.DataObject) -> None:
    tree = data.draw(trees())
    x = _values(data.draw, len(tree.leaves), regions=1, years=1)
    k = data.draw(st.integers(0, len(tree.leaves) - 1))
    step = data.draw(st.floats(0.0, 1000.0))
    better = x.copy()
    # improving means rising where higher is better and falling (toward 0) where lower is better
    better[0, 0, k] = x[0, 0, k] + step if tree.direction[k] > 0 else x[0, 0, k] / (1.0 + step)
    before = build(Recipe(), tree, x).scores[0, 0, 0]
    after = build(Recipe(), tree, better).scores[0, 0, 0]
    assert after >= before - 1e-9


@settings(max_examples=150, deadline=None)
@given(data=st.data(), policy=st.sampled_from(["propagate", "zero", "reweight"]))
def test_change_decomposition_sums_to_change(data: st.DataObject, policy: str) -> None:
    tree = data.draw(trees())
    x = _values(data.draw, len(tree.leaves), regions=2, years=2)
    if policy != "propagate":  # knock out some inputs; the parts must still add up
        mask = np.array(data.draw(st.lists(st.booleans(), min_size=x.size, max_size=x.size))).reshape(x.shape)
        x = np.where(mask & (np.arange(x.shape[-1]) > 0), np.nan, x)
    built = build(Recipe(aggregate=Aggregate(missing=policy)), tree, x)
    leaf = built.scores[..., tree.leaves]
    eff = effective_weights(tree, leaf, missing=policy)
    contrib = contributions(eff, leaf)
    parts = decompose(eff[:, 0], leaf[:, 0], eff[:, 1], leaf[:, 1])
    change = built.scores[:, 1, 0] - built.scores[:, 0, 0]
    ok = ~np.isnan(change)
    total = np.nansum(parts.score + parts.reweight, axis=-1)
    np.testing.assert_allclose(total[ok], change[ok], rtol=0, atol=1e-9)
    np.testing.assert_allclose(np.nansum(contrib, axis=-1)[:, 0][ok], built.scores[:, 0, 0][ok], rtol=0, atol=1e-9)
    # an indicator's own part has the sign of its score change: one that improved is never negative
    delta = leaf[:, 1] - leaf[:, 0]
    known = ~np.isnan(delta)
    assert np.all(parts.score[known & (delta >= 0)] >= 0) and np.all(parts.score[known & (delta <= 0)] <= 0)
    assert np.all(parts.score[~known & ~np.isnan(parts.score)] == 0)  # present in one year only: re-weighting
    if policy != "reweight":  # weights never move: nothing to re-weight for an indicator present in both years
        assert np.all(parts.reweight[known] == 0)


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(
        st.one_of(st.sampled_from([0.0, 1.0, 2.5, 50.0, np.nan]), st.floats(-100, 100)), min_size=1, max_size=40
    ),
    columns=st.integers(1, 3),
)
def test_rank_matches_scipy_min_method(values: list[float], columns: int) -> None:
    from scipy.stats import rankdata

    x = np.array(values * columns).reshape(columns, -1).T  # regions along axis 0
    expected = rankdata(-x, method="min", axis=0, nan_policy="omit")
    np.testing.assert_array_equal(rank_regions(x), expected)


@settings(max_examples=50, deadline=None)
@given(
    values=st.lists(st.one_of(st.sampled_from([0.0, 1.0, 50.0, np.nan]), st.floats(-100, 100)), min_size=1, max_size=30),
    columns=st.integers(1, 12),
)
def test_rank_in_parallel_blocks_equals_one_block(values: list[float], columns: int) -> None:
    """Large arrays are ranked in row blocks on several threads; the blocks must not change a rank."""
    from stpi.engine import rank

    x = np.array(values * columns).reshape(columns, -1).T
    whole = rank_regions(x)
    saved = rank.PARALLEL_FROM
    rank.PARALLEL_FROM = 1
    try:
        np.testing.assert_array_equal(rank_regions(x), whole)
    finally:
        rank.PARALLEL_FROM = saved


@settings(max_examples=200, deadline=None)
@given(
    cells=st.lists(
        st.tuples(st.one_of(st.sampled_from([0.0, 1.0, 50.0, np.nan]), st.floats(-100, 100)), st.sampled_from(["city/62", "county/6212", "county/6211"])),
        min_size=1,
        max_size=30,
    ),
    columns=st.integers(1, 3),
)
def test_ranks_stay_within_peer_groups(cells: list[tuple[float, str]], columns: int) -> None:
    """With groups, a rank is the rank among the region's own group: 1 ≤ rank ≤ the group's ranked regions."""
    from scipy.stats import rankdata

    values, groups = [v for v, _ in cells], [g for _, g in cells]
    x = np.array(values * columns).reshape(columns, -1).T
    got = rank_regions(x, groups=groups)
    labels = np.array(groups)
    for g in set(groups):
        mine = labels == g
        np.testing.assert_array_equal(got[mine], rankdata(-x[mine], method="min", axis=0, nan_policy="omit"))
        ranked = (~np.isnan(x[mine])).sum(axis=0)
        assert np.all((got[mine] >= 1) & (got[mine] <= ranked) | np.isnan(got[mine]))
    np.testing.assert_array_equal(rank_regions(x, groups=["all"] * len(groups)), rank_regions(x))
    from stpi.engine import rank

    saved = rank.PARALLEL_FROM
    rank.PARALLEL_FROM = 1  # row blocks on several threads: the same ranks
    try:
        np.testing.assert_array_equal(rank_regions(x, groups=groups), got)
    finally:
        rank.PARALLEL_FROM = saved


def test_ranks_need_one_group_label_per_region() -> None:
    with pytest.raises(MethodError, match="3 group labels for 2 regions"):
        rank_regions(np.ones((2, 1)), groups=["a", "b", "c"])


def test_an_appearing_indicator_is_re_weighting_not_a_loss_for_the_others() -> None:
    """Hand-computed: X3 appears under reweight; X1 and X2 improve and keep positive parts."""
    tree = Tree(
        codes=("INDEX", "X1", "X2", "X3"), parent=np.array([-1, 0, 0, 0], dtype=np.intp), weight=np.array([1.0, 1 / 3, 1 / 3, 1 / 3]),
        leaves=np.array([1, 2, 3], dtype=np.intp), standard=np.array([100.0, 100.0, 100.0]), direction=np.ones(3),
    )
    x = np.array([[[40.0, 50.0, np.nan], [44.0, 55.0, 20.0]]])
    built = build(Recipe(aggregate=Aggregate(missing="reweight")), tree, x)
    leaf = built.scores[..., tree.leaves]
    eff = effective_weights(tree, leaf, missing="reweight")
    parts = decompose(eff[0, 0], leaf[0, 0], eff[0, 1], leaf[0, 1])
    mean_weight = (1 / 2 + 1 / 3) / 2
    np.testing.assert_allclose(parts.score, [mean_weight * 4, mean_weight * 5, 0.0], rtol=0, atol=1e-12)
    # the old split gave X1 44/3 − 20 = −5.33 although it improved; now the fall is re-weighting
    change = built.scores[0, 1, 0] - built.scores[0, 0, 0]
    assert change == pytest.approx(119 / 3 - 45)
    assert parts.reweight.sum() == pytest.approx(change - mean_weight * 9, abs=1e-12)
    assert parts.reweight[2] == pytest.approx(20 / 3)  # X3's whole contribution
