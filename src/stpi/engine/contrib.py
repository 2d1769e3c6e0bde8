"""Contributions of leaves to the root, headroom, and exact change decomposition (score effects and re-weighting).

Valid for the arithmetic aggregation (the official one), where the root is
linear in the leaf scores: root = Σ_k e_k · score_k with e_k the effective
weight of leaf k.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stpi.engine.aggregate import check_policy
from stpi.engine.tree import FloatArray, Tree

__all__ = ["Decomposition", "effective_weights", "contributions", "headroom", "decompose", "roll_up"]


def effective_weights(tree: Tree, leaf_scores: FloatArray, *, missing: str = "propagate") -> FloatArray:
    """Effective weight of every leaf in every region-year.

    Parameters
    ----------
    tree : Tree
    leaf_scores : float array, shape (..., K)
        Only used for which leaves are missing.
    missing : {"propagate", "zero", "reweight"}
        Under ``reweight`` the present siblings share the weight of the missing
        ones, so the effective weights depend on the region-year; missing leaves
        get weight 0. Otherwise every leaf keeps the product of its path weights.

    Returns
    -------
    float array, shape (..., K)
    """
    check_policy(missing)
    leaf_scores = np.asarray(leaf_scores, dtype=float)
    static = tree.effective_weight[tree.leaves]
    if missing != "reweight":
        return np.broadcast_to(static, leaf_scores.shape).copy()
    present = np.zeros(leaf_scores.shape[:-1] + (tree.n_nodes,), dtype=bool)
    present[..., tree.leaves] = ~np.isnan(leaf_scores)
    for level in tree.levels:  # bottom-up: a parent is present if any child is
        present[..., level.parents] = (present[..., level.children].astype(float) @ level.member) > 0
    eff = np.zeros(present.shape)
    eff[..., 0] = 1.0
    for level in reversed(tree.levels):  # top-down: share the parent's weight among present children
        w = np.where(present[..., level.children], level.matrix.sum(axis=1), 0.0)
        w_present = w @ level.matrix.astype(bool)
        w_all = level.matrix.sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(w_present > 0, w_all / w_present, 0.0)
        parent_eff = eff[..., level.parents] * scale
        eff[..., level.children] = w * (parent_eff @ level.member.T)
    return eff[..., tree.leaves]


def contributions(eff: FloatArray, leaf_scores: FloatArray) -> FloatArray:
    """Index points each leaf adds to the root: effective weight × score, shape (..., K).

    A missing leaf with weight 0 (dropped under ``reweight``) adds 0; one that
    still carries weight leaves its contribution missing.
    """
    return np.where(eff == 0, 0.0, eff * leaf_scores)


def headroom(eff: FloatArray, leaf_scores: FloatArray, *, cap: float = 100.0) -> FloatArray:
    """Index points still available below the cap: effective weight × (cap − score), shape (..., K)."""
    return np.where(np.isnan(leaf_scores), np.nan, eff * (cap - leaf_scores))


def roll_up(tree: Tree, leaf_values: FloatArray, *, skip_missing: bool = False) -> FloatArray:
    """Sum leaf quantities (contributions, headroom, parts) to every node, shape (..., N).

    A node is NaN when any of its leaves is NaN, unless ``skip_missing``, which
    sums the known ones (NaN only when none is known).
    """
    leaf_values = np.asarray(leaf_values, dtype=float)
    nan = np.isnan(leaf_values).astype(float)
    total = np.where(nan > 0, 0.0, leaf_values) @ tree.ancestry
    n_missing = nan @ tree.ancestry
    if skip_missing:
        return np.where(n_missing < tree.ancestry.sum(axis=0), total, np.nan)
    return np.where(n_missing > 0, np.nan, total)


@dataclass(frozen=True)
class Decomposition:
    """A change of the root split into parts, shape (..., K) each.

    ``score``: each leaf's own score effect, its mean effective weight over the two
    years × its score change (0 for a leaf present in only one year); never negative
    for a leaf whose score rose. ``reweight``: each leaf's share of the re-weighting
    term: the change of its effective weight × its mean score for a leaf present in
    both years (other leaves appearing or disappearing move it), its whole
    contribution for a leaf that appears, minus it for one that disappears.
    ``score + reweight`` is the change of the leaf's contribution; summed over the
    leaves, the change of the root.
    """

    score: FloatArray
    reweight: FloatArray


def decompose(eff_from: FloatArray, score_from: FloatArray, eff_to: FloatArray, score_to: FloatArray) -> Decomposition:
    """Change of the root split into each leaf's score effect and a re-weighting term.

    The root is ``Σ_k e_k · s_k``. Between two years, for a leaf present in both,
    ``e_b s_b − e_a s_a = ē (s_b − s_a) + (e_b − e_a) s̄`` with ē, s̄ the means of the
    two years (the symmetric, Shapley split of a product): the first term is the
    leaf's own score effect, the second what re-weighting (under ``reweight``, other
    leaves appearing or disappearing) does to it. A leaf present in one year only
    has no score change; its contribution is re-weighting.

    Parameters
    ----------
    eff_from, eff_to : float array, shape (..., K)
        Effective weights in the two years (:func:`effective_weights`).
    score_from, score_to : float array, shape (..., K)
        Leaf scores in the two years; NaN where missing.

    Returns
    -------
    Decomposition
        ``score`` and ``reweight``, shape (..., K); NaN where a leaf that carries
        weight has no score (its contribution is unknown). Their sum over the leaves
        is root(to) − root(from).
    """
    ea, eb = np.asarray(eff_from, dtype=float), np.asarray(eff_to, dtype=float)
    sa, sb = np.asarray(score_from, dtype=float), np.asarray(score_to, dtype=float)
    ca, cb = contributions(ea, sa), contributions(eb, sb)
    both = ~np.isnan(sa) & ~np.isnan(sb)
    with np.errstate(invalid="ignore"):
        score = np.where(both, 0.5 * (ea + eb) * (sb - sa), 0.0)
        # so that the two parts add up to the change whatever the rounding; exactly 0 where the weight stayed
        reweight = np.where(both & (ea == eb), 0.0, (cb - ca) - score)
    unknown = np.isnan(ca) | np.isnan(cb)
    return Decomposition(np.where(unknown, np.nan, score), np.where(unknown, np.nan, reweight))
