"""Linear trends of published index values, and what a region with few points borrows.

Trend model, by the number of published points ``n`` of a region:

- ``n >= 3``: ordinary least squares; residual sd ``s = sqrt(RSS / (n - 2))``.
- ``n == 2``: the line through both points; ``s`` borrowed from the pool.
- ``n == 1``: the point, and a drift borrowed from the pool (mean and sd of the
  slopes of the peers with two or more points).
- ``n == 0``: no trend (None).

Floor on the residual sd: three points leave one degree of freedom, and a line
through them can fit almost exactly by chance. So no region's ``s`` is below
:attr:`TrendPrior.noise_floor` (1 index point, an assumption), and a region
with fewer than :data:`FEW_POINTS` points (under three degrees of freedom) has
at least the pooled residual sd of all peers. The trend keeps its own estimate
(``sd_own``) beside the one used.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from stpi.engine.tree import FloatArray
from stpi.errors import InputError, Problem

__all__ = ["FEW_POINTS", "INDEX_RANGE", "Points", "Trend", "TrendPrior", "fit_trend", "pooled_prior"]

FEW_POINTS = 5  # fewer published points than this (under 3 degrees of freedom): the residual sd is at least the pooled one
INDEX_RANGE = (0.0, 100.0)  # scores are capped at 100, so is the index
Points = Sequence[tuple[int, float]]


@dataclass(frozen=True)
class TrendPrior:
    """What a region with too few points borrows: drift (points a year), its sd, and the noise sd.

    The defaults are assumptions, used only when no peer has enough points to pool:
    no drift, a drift sd of 2 points a year, and a year-to-year noise sd of 1.5 points.
    ``noise_floor`` (an assumption, kept when pooling): no region's residual sd is below
    it, 1 index point a year, so that a line through few points never claims certainty.
    """

    drift: float = 0.0
    drift_sd: float = 2.0
    noise_sd: float = 1.5
    source: str = "assumed: 默认值(无可汇总的同级地区) default (no peers to pool)"
    noise_floor: float = 1.0


@dataclass(frozen=True)
class Trend:
    """A region's projected index in the target year and the sds of its parts."""

    region: str
    years: tuple[int, ...]
    values: tuple[float, ...]
    method: str  # "ols", "two_point", "one_point" or "given"
    slope: float
    mean: float
    horizon: float
    sd_level: float
    sd_slope: float
    sd_noise: float
    sd_own: float | None = None  # the region's own residual sd (OLS) before the floor; None when borrowed

    @property
    def floored(self) -> bool:
        """Whether the residual sd used is above the region's own estimate (the floor applied)."""
        return self.sd_own is not None and self.sd_noise > self.sd_own

    @property
    def projected(self) -> float:
        """The projection within the index's range 0–100 (the draws are clipped the same way)."""
        return min(max(self.mean, INDEX_RANGE[0]), INDEX_RANGE[1])

    @property
    def sd(self) -> float:
        """The total sd of the projection."""
        return math.sqrt(self.sd_level**2 + (self.sd_slope * self.horizon) ** 2 + self.sd_noise**2)


def _clean(points: Points) -> tuple[FloatArray, FloatArray]:
    pts = sorted((int(y), float(v)) for y, v in points if v is not None and math.isfinite(float(v)))
    years = [y for y, _ in pts]
    if len(set(years)) != len(years):
        raise InputError([Problem("<published>", None, "year", "同一地区同一年有多个公布值 two published values for one region and year")])
    return np.array(years, dtype=float), np.array([v for _, v in pts], dtype=float)


def _ols(t: FloatArray, y: FloatArray) -> tuple[float, float, float, float]:
    """(mean year, mean value, slope, Sxx)."""
    tbar, ybar = float(t.mean()), float(y.mean())
    sxx = float(((t - tbar) ** 2).sum())
    return tbar, ybar, float(((t - tbar) * (y - ybar)).sum() / sxx), sxx


def fit_trend(region: str, points: Points, *, target_year: int, prior: TrendPrior) -> Trend | None:
    """Fit a region's trend to its published points and project it to ``target_year``.

    Parameters
    ----------
    region : str
    points : sequence of (year, index)
        The published values; any number, in any order.
    target_year : int
    prior : TrendPrior
        Borrowed drift and noise for regions with one or two points.

    Returns
    -------
    Trend or None
        None when the region has no published value.
    """
    t, y = _clean(points)
    n = len(t)
    if n == 0:
        return None
    floor = max(prior.noise_floor, 0.0)
    if n == 1:
        h = target_year - float(t[0])
        s = max(prior.noise_sd, floor)
        return Trend(region, _ints(t), _floats(y), "one_point", prior.drift, float(y[0]) + prior.drift * h, h, s, prior.drift_sd, s)
    tbar, ybar, slope, sxx = _ols(t, y)
    own = None
    if n == 2:
        s, method = max(prior.noise_sd, floor), "two_point"
    else:
        rss = float(((y - ybar - slope * (t - tbar)) ** 2).sum())
        own, method = math.sqrt(rss / (n - 2)), "ols"
        s = max(own, floor, prior.noise_sd if n < FEW_POINTS else 0.0)  # few points: at least the pooled spread
    h = target_year - tbar
    return Trend(region, _ints(t), _floats(y), method, slope, ybar + slope * h, h, s / math.sqrt(n), s / math.sqrt(sxx), s, own)


def _ints(a: FloatArray) -> tuple[int, ...]:
    return tuple(int(v) for v in a)


def _floats(a: FloatArray) -> tuple[float, ...]:
    return tuple(float(v) for v in a)


def pooled_prior(series: Mapping[str, Points], *, default: TrendPrior | None = None) -> TrendPrior:
    """Drift and noise pooled from the regions with enough points, else the defaults.

    Parameters
    ----------
    series : mapping of region to (year, index) points
    default : TrendPrior, optional
        Used for whatever cannot be pooled: the drift sd needs two regions with
        two or more points, the noise sd one region with three or more.

    Returns
    -------
    TrendPrior
    """
    default = default or TrendPrior()
    slopes, rss, dof = [], 0.0, 0
    for points in series.values():
        t, y = _clean(points)
        if len(t) < 2:
            continue
        tbar, ybar, slope, _ = _ols(t, y)
        slopes.append(slope)
        if len(t) >= 3:
            rss += float(((y - ybar - slope * (t - tbar)) ** 2).sum())
            dof += len(t) - 2
    if not slopes:
        return default
    drift_sd = float(np.std(slopes, ddof=1)) if len(slopes) >= 2 else default.drift_sd
    noise_sd = math.sqrt(rss / dof) if dof else default.noise_sd
    source = f"pooled: {len(slopes)} 个地区的趋势 trends of {len(slopes)} regions" + ("" if dof else f"; 噪声为默认值 noise sd default {default.noise_sd}")
    return TrendPrior(float(np.mean(slopes)), drift_sd, noise_sd, source, default.noise_floor)
