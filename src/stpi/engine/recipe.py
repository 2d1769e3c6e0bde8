"""An index build as an explicit, serialisable recipe of steps.

The recipe is saved beside its results; rebuilding from it is bit-identical.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from stpi.engine.aggregate import AGGREGATORS, aggregate, check_policy
from stpi.engine.methods import pick
from stpi.engine.normalise import NORMALISERS, normalise
from stpi.engine.rank import rank_regions
from stpi.engine.tree import FloatArray, Tree

__all__ = ["Normalise", "Aggregate", "Recipe", "Built", "build"]


@dataclass(frozen=True)
class Normalise:
    """Normalisation step: a method name and its parameters."""

    method: str = "ratio"
    params: dict[str, float] = field(default_factory=dict)

    def check(self) -> None:
        """Fail on an unknown method name."""
        pick(NORMALISERS, self.method, "标准化 normalise")


@dataclass(frozen=True)
class Aggregate:
    """Aggregation step: a method name and the missing-value policy."""

    method: str = "arithmetic"
    missing: str = "propagate"

    def check(self) -> None:
        """Fail on an unknown method or policy name."""
        pick(AGGREGATORS, self.method, "加权 aggregate")
        check_policy(self.missing)


@dataclass(frozen=True)
class Recipe:
    """The steps that turn raw values into an index. The default is the official method."""

    normalise: Normalise = field(default_factory=Normalise)
    aggregate: Aggregate = field(default_factory=Aggregate)

    @property
    def is_official(self) -> bool:
        """True when the steps are the official method (ratio to standard, weighted sum)."""
        return (
            self.normalise.method == "ratio"
            and not self.normalise.params
            and self.aggregate.method == "arithmetic"
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Recipe:
        """Inverse of :meth:`to_dict`."""
        return cls(
            normalise=Normalise(**data.get("normalise", {})),
            aggregate=Aggregate(**data.get("aggregate", {})),
        )


@dataclass(frozen=True)
class Built:
    """The arrays an index build produces.

    ``leaf_scores`` has shape (R, T, K); ``scores`` and ``ranks`` (R, T, N).
    """

    recipe: Recipe
    leaf_scores: FloatArray
    scores: FloatArray
    ranks: FloatArray


def build(recipe: Recipe, tree: Tree, values: FloatArray) -> Built:
    """Run the recipe on raw values.

    Parameters
    ----------
    recipe : Recipe
    tree : Tree
    values : float array, shape (R, T, K)
        Raw indicator values, regions × years × leaves; NaN where missing.

    Returns
    -------
    Built
    """
    recipe.normalise.check()
    recipe.aggregate.check()
    values = np.asarray(values, dtype=float)
    leaf_scores = normalise(
        values,
        method=recipe.normalise.method,
        standard=tree.standard,
        direction=tree.direction,
        **recipe.normalise.params,
    )
    scores = aggregate(
        tree, leaf_scores, method=recipe.aggregate.method, missing=recipe.aggregate.missing
    )
    return Built(recipe, leaf_scores, scores, rank_regions(scores, axis=0))
