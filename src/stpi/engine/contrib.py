"""Contributions of leaves to the root, headroom, and exact change decomposition.

Valid for the arithmetic aggregation (the official one), where the root is
linear in the leaf scores: root = Σ_k e_k · score_k with e_k the effective
weight of leaf k.
"""

from __future__ import annotations

import numpy as np

from stpi.engine.aggregate import check_policy
from stpi.engine.tree import FloatArray, Tree

__all__ = ["effective_weights", "contributions", "headroom", "decompose", "roll_up"]


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


def decompose(contrib_from: FloatArray, contrib_to: FloatArray) -> FloatArray:
    """Change of the root split into leaf parts that sum to it exactly.

    Parameters
    ----------
    contrib_from, contrib_to : float array, shape (..., K)
        Leaf contributions in the two years.

    Returns
    -------
    float array, shape (..., K)
        ``contrib_to − contrib_from``; their sum is root(to) − root(from).
    """
    return np.asarray(np.asarray(contrib_to, dtype=float) - np.asarray(contrib_from, dtype=float))
