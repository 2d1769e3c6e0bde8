"""Pure numbers on arrays: normalise, aggregate, rank, contributions.

No files, database, logging or printing: arrays in, arrays out.
"""

from stpi.engine.aggregate import AGGREGATORS, MISSING_POLICIES, NonPositiveScores, aggregate
from stpi.engine.contrib import Decomposition, contributions, decompose, effective_weights, headroom, roll_up
from stpi.engine.normalise import NORMALISERS, normalise
from stpi.engine.rank import rank_regions
from stpi.engine.recipe import Aggregate, Built, Impute, Normalise, Recipe, Treat, build
from stpi.engine.treat import impute, treat
from stpi.engine.tree import Tree

__all__ = [
    "AGGREGATORS",
    "MISSING_POLICIES",
    "NORMALISERS",
    "Aggregate",
    "Built",
    "Decomposition",
    "Impute",
    "NonPositiveScores",
    "Normalise",
    "Recipe",
    "Treat",
    "Tree",
    "aggregate",
    "build",
    "contributions",
    "decompose",
    "effective_weights",
    "headroom",
    "impute",
    "normalise",
    "rank_regions",
    "roll_up",
    "treat",
]
