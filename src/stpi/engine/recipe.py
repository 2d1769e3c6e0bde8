"""An index build as an explicit, serialisable recipe of steps.

The recipe is saved beside its results; rebuilding from it is bit-identical.
The optional steps (imputation, outlier treatment) run before normalisation,
in COINr's order: impute, treat, normalise, aggregate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from stpi.engine.aggregate import AGGREGATORS, aggregate, check_policy
from stpi.engine.methods import pick
from stpi.engine.normalise import Param, check_params, normalise
from stpi.engine.rank import rank_regions
from stpi.engine.treat import FALLBACKS, IMPUTERS, Imputed, Treated, impute, treat
from stpi.engine.tree import FloatArray, Tree
from stpi.errors import MethodError

__all__ = ["Normalise", "Aggregate", "Impute", "Treat", "Recipe", "Built", "build"]


@dataclass(frozen=True)
class Impute:
    """Imputation step: ``group_mean`` (COINr ``i_mean_grp``, needs groups) or ``mean`` (``i_mean``)."""

    method: str = "group_mean"

    def check(self) -> None:
        """Fail on an unknown method name."""
        pick(IMPUTERS, self.method, "插补 impute")


@dataclass(frozen=True)
class Treat:
    """Outlier treatment step: COINr's default winsorisation with a log_CT fallback."""

    winmax: int | None = 5
    skew_thresh: float = 2.0
    kurt_thresh: float = 3.5
    fallback: str = "log_CT"

    def check(self) -> None:
        """Fail on an unknown fallback or a negative ``winmax``."""
        pick(FALLBACKS, self.fallback, "异常值处理 treat fallback")
        if self.winmax is not None and self.winmax < 0:
            raise MethodError(f"winmax 不能为负 winmax must not be negative, got {self.winmax}")


@dataclass(frozen=True)
class Normalise:
    """Normalisation step: a method name and its parameters."""

    method: str = "ratio"
    params: dict[str, float] = field(default_factory=dict)

    def check(self) -> None:
        """Fail on an unknown method name or a parameter the method does not take."""
        check_params(self.method, self.params)


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
    impute: Impute | None = None
    treat: Treat | None = None

    @property
    def is_official(self) -> bool:
        """True when the steps are the official method (ratio to standard, weighted sum, nothing else)."""
        return (
            self.normalise.method == "ratio"
            and not self.normalise.params
            and self.aggregate.method == "arithmetic"
            and self.impute is None
            and self.treat is None
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON; optional steps appear only when used, so old recipes read the same."""
        data = asdict(self)
        return {k: v for k, v in data.items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Recipe:
        """Inverse of :meth:`to_dict`."""
        imp, trt = data.get("impute"), data.get("treat")
        return cls(
            normalise=Normalise(**data.get("normalise", {})),
            aggregate=Aggregate(**data.get("aggregate", {})),
            impute=None if imp is None else Impute(**imp),
            treat=None if trt is None else Treat(**trt),
        )

    def check(self) -> None:
        """Check every step."""
        for step in (self.impute, self.treat, self.normalise, self.aggregate):
            if step is not None:
                step.check()


@dataclass(frozen=True)
class Built:
    """The arrays an index build produces.

    ``leaf_scores`` has shape (R, T, K); ``scores`` and ``ranks`` (R, T, N).
    ``imputed`` and ``treated`` record the optional steps when they ran.
    """

    recipe: Recipe
    leaf_scores: FloatArray
    scores: FloatArray
    ranks: FloatArray
    imputed: Imputed | None = None
    treated: Treated | None = None


def _indicator_params(
    method: str, targets: FloatArray | None, goalposts: tuple[FloatArray, FloatArray] | None
) -> dict[str, Param]:
    """Per-indicator inputs of the method that takes them (COINr's iMeta columns)."""
    if method == "dist2targ" and targets is not None:
        return {"target": np.asarray(targets, dtype=float)}
    if method == "goalposts" and goalposts is not None:
        return {"lower": np.asarray(goalposts[0], dtype=float), "upper": np.asarray(goalposts[1], dtype=float)}
    return {}


def _prepare(
    recipe: Recipe, values: FloatArray, groups: Sequence[object] | None
) -> tuple[FloatArray, Imputed | None, Treated | None]:
    """The optional steps before normalisation, in COINr's order: impute, then treat."""
    imputed = treated = None
    if recipe.impute is not None:
        imputed = impute(values, method=recipe.impute.method, groups=groups)
        values = imputed.values
    if recipe.treat is not None:
        t = recipe.treat
        treated = treat(
            values, winmax=t.winmax, skew_thresh=t.skew_thresh, kurt_thresh=t.kurt_thresh, fallback=t.fallback
        )
        values = treated.values
    return values, imputed, treated


def build(
    recipe: Recipe,
    tree: Tree,
    values: FloatArray,
    *,
    groups: Sequence[object] | None = None,
    targets: FloatArray | None = None,
    goalposts: tuple[FloatArray, FloatArray] | None = None,
    peer_groups: Sequence[object] | None = None,
) -> Built:
    """Run the recipe on raw values.

    Parameters
    ----------
    recipe : Recipe
    tree : Tree
    values : float array, shape (R, T, K)
        Raw indicator values, regions × years × leaves; NaN where missing.
    groups : sequence of labels, length R, optional
        Group of each region, for ``Impute("group_mean")``.
    targets : float array, shape (K,), optional
        Targets for ``dist2targ`` (default: the tree's standards).
    goalposts : (lower, upper) float arrays, shape (K,), optional
        Goalposts for ``goalposts``; they override ``lower``/``upper`` in the recipe.
    peer_groups : sequence of labels, length R, optional
        Each region's peer group (level and parent): ranks are within groups.
        Default: every region is a peer of every other.

    Returns
    -------
    Built
    """
    recipe.check()
    values, imputed, treated = _prepare(recipe, np.asarray(values, dtype=float), groups)
    params: dict[str, Param] = {**recipe.normalise.params}
    params.update(_indicator_params(recipe.normalise.method, targets, goalposts))
    leaf_scores = normalise(
        values,
        method=recipe.normalise.method,
        standard=tree.standard,
        direction=tree.direction,
        **params,
    )
    scores = aggregate(
        tree, leaf_scores, method=recipe.aggregate.method, missing=recipe.aggregate.missing
    )
    return Built(recipe, leaf_scores, scores, rank_regions(scores, axis=0, groups=peer_groups), imputed, treated)
