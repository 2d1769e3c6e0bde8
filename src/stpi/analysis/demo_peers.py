"""Synthetic published peer results (演示数据) for demonstrations and tests.

Not real statistics: every value is generated from a seed, and whatever shows
them must carry :data:`DEMO_LABEL`. The set is deliberately sparse, as a
city's real collection of published results is: some regions have a run of
years, some one or two values, some none.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from stpi.defaults import DEMO_LABEL, DEMO_SEED, DEMO_PEER_YEARS as DEMO_YEARS

__all__ = ["DEMO_LABEL", "DEMO_SEED", "DEMO_YEARS", "demo_peer_results"]


# how many of the years each peer keeps, cycling over the peers: sparse like real collections
_KEEP = (5, 3, 1, 2, 0, 4, 1, 2, 5, 1, 0, 3, 2)


def demo_peer_results(
    regions: Sequence[str], *, seed: int = DEMO_SEED, years: Sequence[int] = DEMO_YEARS
) -> dict[str, list[tuple[int, float]]]:
    """Deterministic synthetic index values of the given regions (演示数据).

    Each region gets a level between 30 and 68, a trend of about one point a
    year (sd 0.8) and year-to-year noise (sd 1.0); then only some of its years
    are kept (the most recent ones), and some regions keep none.

    Parameters
    ----------
    regions : sequence of str
        The peers (not the city itself).
    seed : int
        The same seed and regions always give the same values.
    years : sequence of int
        The years a region may have a value for.

    Returns
    -------
    dict of region to list of (year, index)
        Values rounded to two decimals, as the province publishes them; a region
        without any value maps to an empty list.
    """
    rng = np.random.default_rng(seed)
    n, ys = len(regions), np.asarray(sorted(years), dtype=float)
    level = rng.uniform(30.0, 68.0, n)
    slope = rng.normal(1.0, 0.8, n)
    noise = rng.normal(0.0, 1.0, (n, len(ys)))
    values = level[:, None] + slope[:, None] * (ys - ys[-1]) + noise
    out: dict[str, list[tuple[int, float]]] = {}
    for i, region in enumerate(regions):
        keep = min(_KEEP[i % len(_KEEP)], len(ys))
        kept = range(len(ys) - keep, len(ys))
        out[region] = [(int(ys[j]), round(float(values[i, j]), 2)) for j in kept]
    return out
