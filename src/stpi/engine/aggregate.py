"""Aggregation: leaf scores up the tree to every group and the root.

Each method is a generalised mean ``g(Σ w·f(s) / W)``. The official method is
the weighted *sum* ``Σ w·s`` (weights within a parent sum to 1), so the
arithmetic method does not divide by the weight total unless siblings are
missing under the ``reweight`` policy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from stpi.engine.methods import pick
from stpi.engine.tree import FloatArray, Level, Tree
from stpi.errors import MethodError

__all__ = ["AGGREGATORS", "MISSING_POLICIES", "NonPositiveScores", "aggregate", "check_policy", "check_positive", "node_presence"]

BoolArray = NDArray[np.bool_]

MISSING_POLICIES = ("propagate", "zero", "reweight")


@dataclass(frozen=True)
class _Mean:
    forward: Callable[[FloatArray], FloatArray]
    inverse: Callable[[FloatArray], FloatArray]
    divide: bool
    positive: bool = False  # defined for positive scores only (COINr refuses zero or negative inputs)


Labeller = Callable[[tuple[int, ...]], str]


class NonPositiveScores(MethodError):
    """Scores of zero or less where the geometric or harmonic mean needs positive ones.

    ``bad`` is a boolean array (..., K): which leaf scores are zero or negative, the
    leading axes those of the data (regions, years); ``codes`` names the K leaves.
    :meth:`named` gives the message with the callers' region (and year) names.
    """

    SHOWN = 6  # nodes, and places per node, named in the message

    def __init__(self, method: str, codes: Sequence[str], bad: BoolArray, label: Labeller | None = None) -> None:
        self.method, self.codes, self.bad = method, tuple(codes), np.asarray(bad, dtype=bool)
        super().__init__(self._message(label or (lambda idx: "#" + "/".join(str(i + 1) for i in idx))))

    def named(self, label: Labeller) -> NonPositiveScores:
        """The same error, each place named by ``label`` (called with the leading indices of a cell)."""
        return NonPositiveScores(self.method, self.codes, self.bad, label)

    def _message(self, label: Labeller) -> str:
        zh = {"geometric": "几何平均", "harmonic": "调和平均"}.get(self.method, self.method)
        flat = self.bad.reshape(-1, self.bad.shape[-1])
        places = sorted({tuple(int(i) for i in np.unravel_index(int(j), self.bad.shape[:-1])) for j in np.flatnonzero(flat.any(axis=1))})
        parts = []
        for k in np.flatnonzero(flat.any(axis=0))[: self.SHOWN]:
            where = [np.unravel_index(int(j), self.bad.shape[:-1]) for j in np.flatnonzero(flat[:, k])]
            names = ", ".join(label(tuple(int(i) for i in idx)) for idx in where[: self.SHOWN])
            parts.append(f"{self.codes[k]} ({names}{f' …共 {len(where)} 处 {len(where)} in all' if len(where) > self.SHOWN else ''})")
        more = int(flat.any(axis=0).sum()) - self.SHOWN
        nodes = "; ".join(parts) + (f"; …另有 {more} 个节点 {more} more nodes" if more > 0 else "")
        return (
            f"{zh}要求得分为正:{len(places)} 处得分为零或负,无法计算(COINr 同样拒绝);"
            f"请改用算术平均,或选用最低分为正的标准化(如 minmax:1,100) "
            f"the {self.method} mean needs positive scores: zero or negative in {len(places)} place(s) "
            f"(COINr refuses them too); use the arithmetic mean or a normalisation whose lowest score is positive "
            f"(e.g. minmax:1,100). 节点与地区 nodes and regions: {nodes}"
        )


def check_positive(codes: Sequence[str], leaf_scores: FloatArray, method: str) -> None:
    """Raise :class:`NonPositiveScores` when ``method`` needs positive scores and some are 0 or less.

    Parameters
    ----------
    codes : the leaf codes, length K
    leaf_scores : float array, shape (..., K); NaN (missing) is not checked
    method : a name in :data:`AGGREGATORS`
    """
    if not AGGREGATORS[method].positive:
        return
    with np.errstate(invalid="ignore"):
        bad = np.asarray(leaf_scores) <= 0
    if bad.any():
        raise NonPositiveScores(method, codes, bad)


def _identity(a: FloatArray) -> FloatArray:
    return a


def _reciprocal(a: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore"):
        return 1.0 / a


def _log(a: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(a)


AGGREGATORS: dict[str, _Mean] = {
    "arithmetic": _Mean(_identity, _identity, divide=False),
    "geometric": _Mean(_log, np.exp, divide=True, positive=True),
    "harmonic": _Mean(_reciprocal, _reciprocal, divide=True, positive=True),
}


def aggregate(
    tree: Tree,
    leaf_scores: FloatArray,
    *,
    method: str = "arithmetic",
    missing: str = "propagate",
) -> FloatArray:
    """Scores of every node from the leaf scores.

    Parameters
    ----------
    tree : Tree
    leaf_scores : float array, shape (..., K)
        NaN where an indicator is missing.
    method : {"arithmetic", "geometric", "harmonic"}
        The geometric and harmonic means need positive scores, as in COINr: a
        zero or negative leaf score (also a missing one scored 0 under ``zero``)
        raises :class:`NonPositiveScores`, naming the leaves and places.
    missing : {"propagate", "zero", "reweight"}
        ``propagate``: a missing child leaves its parent missing. ``zero``: a
        missing leaf scores 0. ``reweight``: the present siblings' weights are
        re-normalised to the parent's weight total.

    Returns
    -------
    float array, shape (..., N)
        Node scores in tree order; NaN where missing.
    """
    mean = pick(AGGREGATORS, method, "加权 aggregate")
    check_policy(missing)
    leaf_scores = np.asarray(leaf_scores, dtype=float)
    if missing == "zero":
        leaf_scores = np.where(np.isnan(leaf_scores), 0.0, leaf_scores)
    check_positive(tree.leaf_codes, leaf_scores, method)
    scores = np.full(leaf_scores.shape[:-1] + (tree.n_nodes,), np.nan)
    scores[..., tree.leaves] = leaf_scores
    for level in tree.levels:
        scores[..., level.parents] = _combine(scores[..., level.children], level, mean, missing)
    return scores


def check_policy(missing: str) -> None:
    """Fail on an unknown missing-value policy, listing the valid ones."""
    pick(dict.fromkeys(MISSING_POLICIES, True), missing, "缺失值处理 missing-value")


def _combine(child: FloatArray, level: Level, mean: _Mean, missing: str) -> FloatArray:
    """One aggregation step for all regions and years at once.

    The masks are reduced over the tree only where they hold something: complete
    data under the official arithmetic method is one matrix product.
    """
    present = ~np.isnan(child)
    complete = bool(present.all())
    term = mean.forward(child if complete else np.where(present, child, 1.0))
    # log(0) and 1/0 are infinite: a zero child makes a geometric or harmonic mean 0;
    # a NaN term (log of a negative score) makes the parent undefined.
    finite = np.isfinite(term)
    clean = bool(finite.all()) if complete else bool(finite[present].all())
    absorbing = invalid = None
    if not clean:
        absorbing, invalid = present & np.isinf(term), present & np.isnan(term)
        term = np.where(present & finite, term, 0.0)
    elif not complete:
        term = np.where(present, term, 0.0)
    total = term @ level.matrix
    w_all = level.matrix.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        if complete:  # every policy gives the official sum when nothing is missing
            value = total / w_all if mean.divide else total
        else:
            w_present = present.astype(float) @ level.matrix
            any_missing = (~present).astype(float) @ level.member > 0
            if missing == "reweight":
                value = total / w_present if mean.divide else total * (w_all / w_present)
                # all present: exactly the official sum, whatever the summation order
                value = np.where(any_missing, value, total / w_all if mean.divide else total)
                value = np.where(present.astype(float) @ level.member > 0, value, np.nan)
            else:
                value = total / w_all if mean.divide else total
                value = np.where(any_missing, np.nan, value)
        value = mean.inverse(value)
    if absorbing is not None and invalid is not None:
        value = np.where(absorbing.astype(float) @ level.member > 0, 0.0, value)
        value = np.where(invalid.astype(float) @ level.member > 0, np.nan, value)
    return value


def node_presence(tree: Tree, leaf_present: FloatArray) -> FloatArray:
    """Boolean array (..., N): a node is complete when none of its leaves is missing."""
    missing_leaves = (~np.asarray(leaf_present, dtype=bool)).astype(float)
    return np.asarray((missing_leaves @ tree.ancestry) == 0)
