"""Where the city may stand among its peers: published results, the rank forecast and calibration inputs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from stpi.readmodel import Snapshot
from stpi import service
from stpi.analysis import read_values, values_from_frame
from stpi.analysis.demo_peers import demo_peer_results
from stpi.analysis.derived import derive_indicators
from stpi.analysis.rankforecast import DEFAULT_SEED, RankForecast, rank_forecast
from stpi.analysis.values import Values
from stpi.errors import NotFoundError, StpiError
from stpi.framework import Framework
from stpi.framework.embedded import embedded_variables
from stpi.framework.plan import Note
from stpi.i18n import MESSAGES, add_messages, tr
from stpi.store import Store, notes
from stpi.store.records import Region
from stpi.store import observations as ob

__all__ = ["calibration_targets", "calibration_values", "peer_regions", "published_indices", "rank_forecast_store"]

add_messages({
    "rf.prior_fallback": ("有公布值的同级地区不足 2 个,无法按其分布抽取无公布值的地区:这些地区不参与排名,全省概率给出上下限", "Fewer than two peers have published values: the others cannot be drawn from their spread, so they are left unranked and the province-wide probability is bounded"),
    "rf.no_city_history": ("{city} 没有公布值,无法按自身趋势外推:以下只有“全部指标达标”(指数 {goal:.2f})的情景;可用 --city-index 给出预测指数", "{city} has no published value, so there is no trend of its own to project: only the 'every target met' scenario (index {goal:.2f}) is shown; give --city-index for a projection"),
    "rf.no_published": ("数据库中没有同级地区的公布结果:请用 stpi published add 录入,或用 --demo 使用演示数据", "No published peer results in the store: record them with stpi published add, or use --demo for demo data"),
    "cal.no_published": ("数据库中没有公布结果:请先用 stpi published add 录入", "No published results in the store: record them with stpi published add"),
})


def published_indices(snap: Snapshot) -> dict[str, list[tuple[int, float]]]:
    """Published index values of the plan's region and its peers (same level and parent), by region name.

    Every peer is a key, those without a published value with an empty list.
    """
    names = {r.code: r.name for r in peer_regions(snap)}
    out: dict[str, list[tuple[int, float]]] = {n: [] for n in names.values()}
    for r in snap.published_results():
        if r.region in names and r.index_value is not None:
            out[names[r.region]].append((r.year, r.index_value))
    return out


def peer_regions(snap: Snapshot) -> list[Region]:
    """The plan's region and every region of the same level under the same parent (the province's cities)."""
    me = snap.region(snap.plan().region)
    return [r for r in snap.regions(me.level) if r.parent == me.parent]


def _note(key: str, **kwargs: object) -> Note:
    """A message in both languages, for a result that is shown in either."""
    zh, en = MESSAGES[key]
    return Note(zh.format(**kwargs), en.format(**kwargs))


def rank_forecast_store(
    snap: Snapshot,
    *,
    year: int | None = None,
    city_index: float | None = None,
    city_sd: float = 0.0,
    city_trend: bool = False,
    goal_rank: int | None = None,
    missing: str = "prior",
    draws: int = 10_000,
    seed: int = DEFAULT_SEED,
    demo: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> RankForecast:
    """The rank forecast of the plan's region among all regions of its level under its parent (synthetic peers with ``demo``).

    The headline is the city's own projection: its published trend with its uncertainty, or
    ``city_index`` (± ``city_sd``) when given; "every target met" (the plan's goal) is a second
    scenario beside it, against the same peer draws. Without a published value of the city
    and without ``city_index`` the targets scenario is all there is, and a note says so.
    Peers without a published value are drawn from the known peers' spread (``prior``), so
    the probabilities are over all of the province's regions; with fewer than two known
    peers that cannot be done and they are left unranked (``known``, with bounds), as a note
    says. ``city_trend`` is the default and kept for old scripts; ``year`` and ``goal_rank``
    default to the plan's.
    """
    try:
        plan = snap.plan()
        published = published_indices(snap)
    finally:
        None
    history = published.pop(plan.region, [])
    peers = demo_peer_results(sorted(published)) if demo else published
    if not demo and not any(peers.values()):
        raise StpiError(tr("rf.no_published"))
    notes: list[Note] = []
    if missing == "prior" and sum(1 for p in peers.values() if p) < 2:
        missing = "known"
        notes.append(_note("rf.prior_fallback"))
    goal = plan.goal.index
    index, scenarios = city_index, {"targets_met": goal}
    if index is None and not history:
        index, scenarios = goal, {}
        notes.append(_note("rf.no_city_history", city=plan.region, goal=goal))
    result = rank_forecast(
        peers, city=plan.region, target_year=year or plan.target_year, goal_rank=goal_rank or plan.goal.rank,
        regions=[plan.region, *published], city_index=index, city_sd=city_sd, city_history=history,
        missing=missing, draws=draws, seed=seed, demo=demo, progress=progress, scenarios=scenarios,
    )
    return replace(result, notes=result.notes + tuple(notes))


def calibration_values(snap: Snapshot, fw: Framework, data: str | None, basis: str) -> Values:
    """Raw indicator values: from a long file, or the store's approved figures (indicators derived where needed)."""
    if data is not None:
        return read_values(data, fw)
    _, formulas = embedded_variables()
    figures = derive_indicators(snap.frame(basis=basis), formulas)
    figures = figures[figures["indicator"].isin([n.code for n in fw.leaves])]
    if figures.empty:
        raise NotFoundError("数据库中还没有审核通过的数据 no approved figures in the store yet")
    return values_from_frame(figures, fw)


def calibration_targets(snap: Snapshot, values: Values) -> dict[tuple[str, int], float]:
    """Published index values keyed by (region as the values name it, year)."""
    regions = {r.code: r for r in snap.regions()}
    out = {}
    for p in snap.published_results():
        if p.index_value is None:
            continue
        region = regions[p.region]
        key = region.code if region.code in values.regions else region.name
        out[(key, p.year)] = p.index_value
    if not out:
        raise NotFoundError(tr("cal.no_published"))
    return out

