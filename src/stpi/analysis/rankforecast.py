"""Where the city may rank in the target year, from the sparse published results of its peers.

Each peer gets a linear trend fitted to whatever published index values exist;
the projected index of every peer in the target year is drawn many times
(Monte Carlo over the trend's uncertainty, vectorised, seeded), and the city's
projected index is ranked against each draw.

The trend model, with its floor on the residual sd for regions with few points,
is :mod:`stpi.analysis.trends`; a region without any published value cannot be
ranked and is reported as missing.

A draw of the target-year index is ``level + slope·h + noise`` with the level
(sd ``s/√n``), the slope (sd ``s/√Sxx``, or the pooled drift sd) and the noise
(sd ``s``) independent normals, clipped to the index's range 0–100. When no peer has enough points to pool, the
documented defaults of :class:`TrendPrior` are used and labelled ``assumed``.

Missing peers (``missing``): ``"known"`` (default) ranks the city among the
regions with data only, and bounds the probability of reaching the goal rank
among all regions of the province by placing every unknown region behind
(upper bound) or ahead of (lower bound) the city. ``"prior"`` draws each
unknown region from the spread of the known peers' projections (needs two or
more known peers) and ranks among all regions.

Scenarios: beside the city's own projection (the headline), ``scenarios`` gives
other projected indices of the city (e.g. every target met: the plan's goal),
ranked against the same draws of the peers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from stpi.analysis.trends import FEW_POINTS, INDEX_RANGE, Points, Trend, TrendPrior, _clean, _floats, _ints, fit_trend, pooled_prior
from stpi.engine.tree import FloatArray
from stpi.errors import InputError, MethodError, Problem, StpiError
from stpi.framework.plan import Note
from stpi.defaults import RANK_FORECAST_SEED as DEFAULT_SEED

__all__ = ["DEFAULT_SEED", "FEW_POINTS", "MISSING_PEERS", "RankForecast", "Scenario", "Trend", "TrendPrior", "fit_trend", "pooled_prior", "rank_forecast"]

MISSING_PEERS = ("known", "prior")
CHUNK = 50_000  # draws simulated at once: bounds memory for very many draws


@dataclass(frozen=True)
class Scenario:
    """Another projected index of the city (e.g. every target met), ranked against the same peer draws."""

    name: str
    index: float
    rank_probability: tuple[float, ...]
    p_goal: float
    p_goal_bounds: tuple[float, float]
    gap_mean: float | None
    gap_quantiles: tuple[float, float, float] | None


@dataclass(frozen=True)
class RankForecast:
    """The city's rank in the target year as probabilities, and its gap to the goal rank.

    ``rank_probability[i]`` is the probability of rank ``i + 1`` among the ranked
    regions (the city and the peers with data, or all regions under ``prior``).
    ``gap_*`` is the index of the peer at the goal rank minus the city's (points
    short; negative: points ahead); None when fewer peers than the goal rank are known.
    """

    city: str
    target_year: int
    goal_rank: int
    regions_total: int
    missing_policy: str
    draws: int
    seed: int
    demo: bool
    city_trend: Trend
    peers: tuple[Trend, ...]
    unranked: tuple[str, ...]
    prior: TrendPrior
    rank_probability: tuple[float, ...]
    p_goal: float
    p_goal_bounds: tuple[float, float]
    gap_mean: float | None
    gap_quantiles: tuple[float, float, float] | None
    at_goal_rank: tuple[tuple[str, float], ...]
    notes: tuple[Note, ...]
    scenarios: tuple[Scenario, ...] = ()  # beside the headline (the city's own projection)

    @property
    def ranked(self) -> int:
        """How many regions the probabilities rank among."""
        return len(self.rank_probability)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        out = asdict(self)
        out["ranked"] = self.ranked
        for row, trend in zip([out["city_trend"], *out["peers"]], [self.city_trend, *self.peers]):
            row["sd"], row["projected"] = trend.sd, trend.projected
        return out


def rank_forecast(
    peers: Mapping[str, Points],
    *,
    city: str,
    target_year: int,
    goal_rank: int,
    regions: Sequence[str] | None = None,
    city_index: float | None = None,
    city_sd: float = 0.0,
    city_history: Points = (),
    missing: str = "known",
    draws: int = 10_000,
    seed: int = DEFAULT_SEED,
    prior: TrendPrior | None = None,
    demo: bool = False,
    progress: Callable[[int, int], None] | None = None,
    scenarios: Mapping[str, float] | None = None,
) -> RankForecast:
    """Monte Carlo forecast of the city's rank in ``target_year``.

    Parameters
    ----------
    peers : mapping of region to (year, index) points
        Published values of the other regions (the city's own are ignored here).
    city, target_year, goal_rank
        The city, the year forecast, and the plan's rank goal.
    regions : sequence of str, optional
        Every region of the province, the city included (default: the city and ``peers``).
        Regions without points are reported as unranked.
    city_index, city_sd
        The city's projected index and its sd; when ``city_index`` is None the
        city's trend is fitted to ``city_history`` like a peer's.
    missing : {"known", "prior"}
        How regions without data enter (see the module docstring).
    draws, seed
        Monte Carlo draws and the seed: the same seed gives the same result.
    prior : TrendPrior, optional
        Defaults for what cannot be pooled from the peers (see :func:`pooled_prior`).
    demo : bool
        The peers are synthetic demo data (the result carries the label).
    progress : callable(done, total), optional
        Called after each chunk of draws.
    scenarios : mapping of name to the city's index, optional
        Other projections of the city (no sd), ranked against the same peer draws
        as the headline; e.g. ``{"targets_met": 43.26}``.

    Returns
    -------
    RankForecast
    """
    _check(missing, draws, goal_rank, city_sd)
    everyone = list(dict.fromkeys([city, *(regions if regions is not None else peers)]))
    unknown = sorted(set(peers) - set(everyone))
    if unknown:
        raise InputError([Problem("<published>", None, "region", "不在本省地区之列 not a region of the province", r) for r in unknown])
    if goal_rank > len(everyone):
        raise MethodError(f"排名目标 {goal_rank} 超过地区数 {len(everyone)} goal rank exceeds the number of regions")
    others = {r: peers.get(r, ()) for r in everyone if r != city}
    pool = pooled_prior(others, default=prior)
    fitted = {r: fit_trend(r, p, target_year=target_year, prior=pool) for r, p in others.items()}
    known = tuple(t for t in fitted.values() if t is not None)
    unranked = tuple(r for r, t in fitted.items() if t is None)
    if not known:
        raise StpiError("没有任何同级地区的公布值,无法排名 no peer has a published index: nothing to rank against")
    if missing == "prior" and len(known) < 2:
        raise MethodError("prior 方式需要至少 2 个有公布值的同级地区 the prior needs two or more peers with data")
    city_trend = _city_trend(city, city_index, city_sd, city_history, target_year, pool)
    extra = len(unranked) if missing == "prior" else 0
    fixed = {name: min(max(float(v), INDEX_RANGE[0]), INDEX_RANGE[1]) for name, v in (scenarios or {}).items()}
    sim = _simulate(city_trend, known, extra, goal_rank, draws, seed, progress, tuple(fixed.values()))
    result = _summarise(sim, city_trend, known, unranked, pool, missing, goal_rank, len(everyone), draws, seed, demo, target_year)
    alternatives = tuple(_scenario(name, v, sim.others[i], sim.other_gaps[i], goal_rank, len(unranked), missing, draws) for i, (name, v) in enumerate(fixed.items()))
    return replace(result, scenarios=alternatives)


def _check(missing: str, draws: int, goal_rank: int, city_sd: float) -> None:
    if missing not in MISSING_PEERS:
        raise MethodError(f"未知的缺失地区处理方式 unknown missing-peer policy {missing!r}; 可选 valid: {', '.join(MISSING_PEERS)}")
    if draws < 1:
        raise MethodError(f"抽样次数应为正整数 draws must be positive, got {draws}")
    if goal_rank < 1:
        raise MethodError(f"排名目标应不小于 1 goal rank must be 1 or more, got {goal_rank}")
    if city_sd < 0 or not math.isfinite(city_sd):
        raise MethodError(f"标准差不能为负 the city's sd must not be negative, got {city_sd}")


def _city_trend(city: str, index: float | None, sd: float, history: Points, year: int, pool: TrendPrior) -> Trend:
    if index is not None:
        t, y = _clean(history)
        return Trend(city, _ints(t), _floats(y), "given", 0.0, float(index), 0.0, 0.0, 0.0, sd)
    trend = fit_trend(city, history, target_year=year, prior=pool)
    if trend is None:
        raise StpiError(f"{city} 没有公布值,请给出预测指数 the city has no published index: give its projected index")
    return trend if sd == 0 else replace(trend, sd_noise=math.hypot(trend.sd_noise, sd))


@dataclass(frozen=True)
class _Sim:
    rank_counts: np.ndarray[Any, np.dtype[np.int64]]
    gaps: FloatArray | None
    at_goal: np.ndarray[Any, np.dtype[np.int64]]
    others: tuple[np.ndarray[Any, np.dtype[np.int64]], ...] = ()  # rank counts of each fixed scenario
    other_gaps: tuple[FloatArray | None, ...] = ()


def _parts(trends: Sequence[Trend]) -> FloatArray:
    """Per region: mean, sd of level, sd of slope × horizon, sd of noise; shape (4, P)."""
    return np.array([[t.mean, t.sd_level, t.sd_slope * t.horizon, t.sd_noise] for t in trends], dtype=float).T.reshape(4, len(trends))


def _simulate(
    city: Trend, known: Sequence[Trend], extra: int, goal: int, draws: int, seed: int, progress: Callable[[int, int], None] | None, fixed: tuple[float, ...] = ()
) -> _Sim:
    """Draw every region's target-year index; count the city's ranks (and each fixed scenario's), chunk by chunk."""
    rng = np.random.default_rng(seed)
    mean, sd_level, sd_slope, sd_noise = _parts([city, *known])
    prior_mu, prior_sd = _unknown_prior(known)
    n_peers = len(known) + extra
    counts = np.zeros(n_peers + 1, dtype=np.int64)
    at_goal = np.zeros(n_peers, dtype=np.int64)
    gaps = np.empty(draws) if n_peers >= goal else None
    others = [np.zeros(n_peers + 1, dtype=np.int64) for _ in fixed]
    other_gaps = [np.empty(draws) if n_peers >= goal else None for _ in fixed]
    done = 0
    while done < draws:
        n = min(CHUNK, draws - done)
        z = rng.standard_normal((3, n, len(mean)))
        value = np.clip(mean + z[0] * sd_level + z[1] * sd_slope + z[2] * sd_noise, *INDEX_RANGE)
        peers = value[:, 1:]
        if extra:
            peers = np.concatenate([peers, np.clip(prior_mu + prior_sd * rng.standard_normal((n, extra)), *INDEX_RANGE)], axis=1)
        ahead = (peers > value[:, :1]).sum(axis=1)  # ties share the better rank
        counts += np.bincount(ahead, minlength=n_peers + 1)
        for k, v in enumerate(fixed):  # the same peer draws, another index of the city
            others[k] += np.bincount((peers > v).sum(axis=1), minlength=n_peers + 1)
        if gaps is not None:
            order = np.argsort(-peers, axis=1, kind="stable")[:, goal - 1]
            at_goal += np.bincount(order, minlength=n_peers)
            at_rank = peers[np.arange(n), order]
            gaps[done : done + n] = at_rank - value[:, 0]
            for k, v in enumerate(fixed):
                g = other_gaps[k]
                if g is not None:
                    g[done : done + n] = at_rank - v
        done += n
        if progress is not None:
            progress(done, draws)
    return _Sim(counts, gaps, at_goal, tuple(others), tuple(other_gaps))


def _scenario(name: str, index: float, counts: np.ndarray[Any, np.dtype[np.int64]], gaps: FloatArray | None, goal: int, unranked: int, missing: str, draws: int) -> Scenario:
    prob = counts / draws
    p_goal = float(prob[:goal].sum())
    bounds = (float(prob[: max(goal - unranked, 0)].sum()), p_goal) if missing == "known" else (p_goal, p_goal)
    gap_mean = gap_q = None
    if gaps is not None:
        gap_mean = float(gaps.mean())
        q = np.quantile(gaps, [0.05, 0.5, 0.95])
        gap_q = (float(q[0]), float(q[1]), float(q[2]))
    return Scenario(name, index, tuple(float(p) for p in prob), p_goal, bounds, gap_mean, gap_q)


def _unknown_prior(known: Sequence[Trend]) -> tuple[float, float]:
    """Mean and sd of an unknown region: the spread of the known projections and their own sd."""
    means = np.array([t.mean for t in known])
    if len(means) < 2:
        return float(means.mean()), 0.0
    own = float(np.mean([t.sd**2 for t in known]))
    return float(means.mean()), math.sqrt(float(np.var(means, ddof=1)) + own)


def _summarise(
    sim: _Sim, city: Trend, known: tuple[Trend, ...], unranked: tuple[str, ...], pool: TrendPrior,
    missing: str, goal: int, total: int, draws: int, seed: int, demo: bool, year: int,
) -> RankForecast:
    prob = sim.rank_counts / draws
    p_goal = float(prob[:goal].sum())
    if missing == "known":
        worst = float(prob[: max(goal - len(unranked), 0)].sum())
        bounds = (worst, p_goal)
    else:
        bounds = (p_goal, p_goal)
    names = [t.region for t in known] + [f"未知地区{i + 1} unknown {i + 1}" for i in range(len(sim.at_goal) - len(known))]
    at_goal = tuple(sorted(((names[i], float(c / draws)) for i, c in enumerate(sim.at_goal) if c), key=lambda x: -x[1]))
    gap_mean = gap_q = None
    if sim.gaps is not None:
        gap_mean = float(sim.gaps.mean())
        q = np.quantile(sim.gaps, [0.05, 0.5, 0.95])
        gap_q = (float(q[0]), float(q[1]), float(q[2]))
    notes = _notes(city, known, unranked, pool, missing, goal, sim.gaps is None, demo)
    return RankForecast(
        city.region, year, goal, total, missing, draws, seed, demo, city, known, unranked, pool,
        tuple(float(p) for p in prob), p_goal, bounds, gap_mean, gap_q, at_goal, notes,
    )


def _notes(city: Trend, known: tuple[Trend, ...], unranked: tuple[str, ...], pool: TrendPrior, missing: str, goal: int, no_gap: bool, demo: bool) -> tuple[Note, ...]:
    out = []
    if demo:
        out.append(Note("【演示数据】同级地区的公布值为合成演示数据,不是真实统计", "[DEMO DATA] the peers' published values are synthetic, not real statistics"))
    if unranked:
        names = "、".join(unranked)
        if missing == "known":
            out.append(Note(f"{len(unranked)} 个地区没有公布值,无法排名:{names};名次仅在 {len(known) + 1} 个有数据的地区中计算,全省达标概率给出上下限", f"{len(unranked)} regions have no published value and are not ranked: {names}; ranks are among the {len(known) + 1} regions with data, and the province-wide probability is bounded"))
        else:
            out.append(Note(f"{len(unranked)} 个无公布值的地区按已知地区预测值的分布随机抽取:{names}", f"{len(unranked)} regions without data are drawn from the spread of the known peers: {names}"))
    if no_gap:
        out.append(Note(f"有数据的同级地区少于 {goal} 个,无法计算与第 {goal} 名的差距", f"fewer than {goal} peers have data: no gap to rank {goal}"))
    if any(t.method in ("one_point", "two_point") for t in known):
        out.append(Note(f"公布点不足 3 个的地区借用汇总的趋势与波动({pool.source})", f"regions with fewer than 3 points borrow the pooled drift and noise ({pool.source})"))
    floored = [t.region for t in (city, *known) if t.floored]
    if floored:
        out.append(Note(
            f"残差标准差设下限:不低于 {pool.noise_floor:g} 点,公布点少于 {FEW_POINTS} 个的地区不低于汇总值 {pool.noise_sd:.2f} 点(少数几个点的直线可能碰巧拟合得很好);适用于:{'、'.join(floored)}",
            f"floor on the residual sd: at least {pool.noise_floor:g} points, and the pooled {pool.noise_sd:.2f} for regions with fewer than {FEW_POINTS} points (a line through a few points may fit well by chance); applied to: {', '.join(floored)}",
        ))
    if any(t.mean != t.projected for t in known):
        out.append(Note("趋势外推超出 0–100 的按边界计(指数封顶 100)", "trends running beyond 0–100 are clipped (the index is capped at 100)"))
    if city.method == "given":
        out.append(Note(f"{city.region} 的预测指数为给定值 {city.mean:.2f}(标准差 {city.sd_noise:.2f})", f"{city.region}'s projected index is given: {city.mean:.2f} (sd {city.sd_noise:.2f})"))
    return tuple(out)
