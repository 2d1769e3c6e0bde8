"""Computing an index for many regions and years, with contributions and change decomposition."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from stpi.analysis.values import Values
from stpi.engine import (
    Built,
    NonPositiveScores,
    Recipe,
    build,
    contributions,
    decompose,
    effective_weights,
    headroom,
    roll_up,
)
from stpi.engine.tree import FloatArray
from stpi.errors import MethodError, NotFoundError
from stpi.framework.model import Framework

__all__ = ["IndexResult", "compute_index"]


@dataclass(frozen=True, eq=False)
class IndexResult:
    """The index of every node for every region-year, and how it was built."""

    framework: Framework
    values: Values
    built: Built

    @property
    def recipe(self) -> Recipe:
        """The recipe the result was built with."""
        return self.built.recipe

    @property
    def root(self) -> FloatArray:
        """The composite index, shape (R, T)."""
        return self.built.scores[..., 0]

    def long(self) -> pd.DataFrame:
        """One row per region, year and node: region, year, code, value, rank."""
        r, t, n = self.built.scores.shape
        codes = self.framework.tree.codes
        rank = self.built.ranks.reshape(-1)
        return pd.DataFrame(
            {
                "region": np.repeat(np.array(self.values.regions, dtype=object), t * n),
                "year": np.tile(np.repeat(np.array(self.values.years), n), r),
                "code": np.tile(np.array(codes, dtype=object), r * t),
                "value": self.built.scores.reshape(-1),
                "rank": pd.Series(rank).astype("Int64"),
            }
        )

    def _at(self, region: str, year: int) -> tuple[int, int]:
        try:
            return self.values.regions.index(region), self.values.years.index(year)
        except ValueError:
            raise NotFoundError(f"没有 {region} {year} 年的结果 no result for {region} in {year}") from None

    @cached_property
    def _leaf_scores(self) -> FloatArray:
        return self.built.scores[..., self.framework.tree.leaves]

    @cached_property
    def effective(self) -> FloatArray:
        """Effective weight of each leaf, shape (R, T, K)."""
        if self.recipe.aggregate.method != "arithmetic":
            raise MethodError("贡献分解仅适用于加权算术平均 contributions need the arithmetic aggregation")
        return effective_weights(self.framework.tree, self._leaf_scores, missing=self.recipe.aggregate.missing)

    @cached_property
    def contribution(self) -> FloatArray:
        """Index points each leaf adds to the root, shape (R, T, K)."""
        return contributions(self.effective, self._leaf_scores)

    @cached_property
    def headroom(self) -> FloatArray:
        """Index points still available below the cap, shape (R, T, K)."""
        return headroom(self.effective, self._leaf_scores)

    def contributions(self, region: str, year: int) -> pd.DataFrame:
        """Per leaf: value, score, effective weight, contribution and headroom in index points."""
        i, t = self._at(region, year)
        leaves = self.framework.leaves
        return pd.DataFrame(
            {
                "code": [n.code for n in leaves],
                "name": [n.name for n in leaves],
                "value": self.values.data[i, t],
                "score": self._leaf_scores[i, t],
                "effective_weight": self.effective[i, t],
                "contribution": self.contribution[i, t],
                "headroom": self.headroom[i, t],
            }
        )

    def groups(self, region: str, year: int) -> pd.DataFrame:
        """Per node: score, rank, contribution and headroom summed over its leaves."""
        i, t = self._at(region, year)
        tree = self.framework.tree
        return pd.DataFrame(
            {
                "code": list(tree.codes),
                "name": [n.name for n in self.framework.nodes],
                "depth": tree.depth,
                "score": self.built.scores[i, t],
                "rank": self.built.ranks[i, t],
                "contribution": roll_up(tree, self.contribution[i, t]),
                "headroom": roll_up(tree, self.headroom[i, t], skip_missing=True),
            }
        )

    def decompose(self, region: str, year_from: int, year_to: int) -> pd.DataFrame:
        """The change of every node between two years split into leaf parts that sum to it.

        Columns: code, name, depth, start, end, change, part (the node's own score
        effect on the root: its leaves' mean effective weight × score change, summed),
        reweight (its share of the re-weighting term: effective weights moved by
        indicators appearing or disappearing under ``reweight``, and the whole
        contribution of an indicator present in one year only). An indicator whose
        score rose never has a negative part. Over the leaves, part + reweight sums
        to the root's change; the root's part and reweight are those sums.
        """
        i, a = self._at(region, year_from)
        _, b = self._at(region, year_to)
        tree = self.framework.tree
        split = decompose(self.effective[i, a], self._leaf_scores[i, a], self.effective[i, b], self._leaf_scores[i, b])
        frm, to = self.built.scores[i, a], self.built.scores[i, b]
        return pd.DataFrame(
            {
                "code": list(tree.codes),
                "name": [n.name for n in self.framework.nodes],
                "depth": tree.depth,
                "start": frm,
                "end": to,
                "change": to - frm,
                "part": roll_up(tree, split.score),
                "reweight": roll_up(tree, split.reweight),
            }
        )


def compute_index(framework: Framework, values: Values, recipe: Recipe | None = None) -> IndexResult:
    """Build the index of every node for every region and year (vectorised); ranks among ``values.peers``."""
    recipe = recipe or Recipe()
    try:
        built = build(recipe, framework.tree, values.data, peer_groups=values.peers)
    except NonPositiveScores as exc:  # name the regions and years the engine knows by position
        raise exc.named(lambda idx: f"{values.regions[idx[0]]} {values.years[idx[1]]}") from None
    return IndexResult(framework, values, built)
