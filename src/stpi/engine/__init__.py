"""Pure numbers on arrays: normalise, aggregate, rank, contributions.

No files, database, logging or printing: arrays in, arrays out.
"""

from stpi.engine.aggregate import AGGREGATORS, MISSING_POLICIES, aggregate
from stpi.engine.contrib import contributions, decompose, effective_weights, headroom, roll_up
from stpi.engine.normalise import NORMALISERS, normalise
from stpi.engine.rank import rank_regions
from stpi.engine.recipe import Aggregate, Built, Normalise, Recipe, build
from stpi.engine.tree import Tree

__all__ = [
    "AGGREGATORS",
    "MISSING_POLICIES",
    "NORMALISERS",
    "Aggregate",
    "Built",
    "Normalise",
    "Recipe",
    "Tree",
    "aggregate",
    "build",
    "contributions",
    "decompose",
    "effective_weights",
    "headroom",
    "normalise",
    "rank_regions",
    "roll_up",
]
