"""Where the city may stand among its peers: published results, the rank forecast and calibration inputs."""

from __future__ import annotations

from collections.abc import Callable

from stpi import service
from stpi.analysis import read_values, values_from_frame
from stpi.analysis.demo_peers import demo_peer_results
from stpi.analysis.derived import derive_indicators
from stpi.analysis.rankforecast import DEFAULT_SEED, RankForecast, rank_forecast
from stpi.analysis.values import Values
from stpi.errors import NotFoundError, StpiError
from stpi.framework import Framework
from stpi.framework.embedded import embedded_variables
from stpi.i18n import add_messages, tr
from stpi.store import Store, notes
from stpi.store.records import Region
from stpi.store import observations as ob

__all__ = ["calibration_targets", "calibration_values", "peer_regions", "published_indices", "rank_forecast_store"]

add_messages({
    "rf.no_published": ("数据库中没有同级地区的公布结果:请用 stpi published add 录入,或用 --demo 使用演示数据", "No published peer results in the store: record them with stpi published add, or use --demo for demo data"),
    "cal.no_published": ("数据库中没有公布结果:请先用 stpi published add 录入", "No published results in the store: record them with stpi published add"),
})


def published_indices(store: Store) -> dict[str, list[tuple[int, float]]]:
    """Published index values of the plan's region and its peers (same level and parent), by region name.

    Every peer is a key, those without a published value with an empty list.
    """
    names = {r.code: r.name for r in peer_regions(store)}
    out: dict[str, list[tuple[int, float]]] = {n: [] for n in names.values()}
    for r in notes.published_results(store):
        if r.region in names and r.index_value is not None:
            out[names[r.region]].append((r.year, r.index_value))
    return out


def peer_regions(store: Store) -> list[Region]:
    """The plan's region and every region of the same level under the same parent (the province's cities)."""
    me = store.region(store.plan().region)
    return [r for r in store.regions(me.level) if r.parent == me.parent]


def rank_forecast_store(
    database: str | None,
    *,
    year: int | None = None,
    city_index: float | None = None,
    city_sd: float = 0.0,
    city_trend: bool = False,
    goal_rank: int | None = None,
    missing: str = "known",
    draws: int = 10_000,
    seed: int = DEFAULT_SEED,
    demo: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> RankForecast:
    """The rank forecast of the plan's region among the published peers (synthetic peers with ``demo``).

    The city's projected index is ``city_index``, else its own published trend with ``city_trend``,
    else the plan's goal; ``year`` and ``goal_rank`` default to the plan's.
    """
    store = service.open_store(database)
    try:
        plan = store.plan()
        published = published_indices(store)
    finally:
        service.release(store)
    history = published.pop(plan.region, [])
    peers = demo_peer_results(sorted(published)) if demo else published
    if not demo and not any(peers.values()):
        raise StpiError(tr("rf.no_published"))
    index = None if city_trend else (plan.goal.index if city_index is None else city_index)
    return rank_forecast(
        peers, city=plan.region, target_year=year or plan.target_year, goal_rank=goal_rank or plan.goal.rank,
        regions=[plan.region, *published], city_index=index, city_sd=city_sd, city_history=history,
        missing=missing, draws=draws, seed=seed, demo=demo, progress=progress,
    )


def calibration_values(store: Store, fw: Framework, data: str | None, basis: str) -> Values:
    """Raw indicator values: from a long file, or the store's approved figures (indicators derived where needed)."""
    if data is not None:
        return read_values(data, fw)
    _, formulas = embedded_variables()
    figures = derive_indicators(ob.frame(store, basis=basis), formulas)
    figures = figures[figures["indicator"].isin([n.code for n in fw.leaves])]
    if figures.empty:
        raise NotFoundError("数据库中还没有审核通过的数据 no approved figures in the store yet")
    return values_from_frame(figures, fw)


def calibration_targets(store: Store, values: Values) -> dict[tuple[str, int], float]:
    """Published index values keyed by (region as the values name it, year)."""
    regions = {r.code: r for r in store.regions()}
    out = {}
    for p in notes.published_results(store):
        if p.index_value is None:
            continue
        region = regions[p.region]
        key = region.code if region.code in values.regions else region.name
        out[(key, p.year)] = p.index_value
    if not out:
        raise NotFoundError(tr("cal.no_published"))
    return out

