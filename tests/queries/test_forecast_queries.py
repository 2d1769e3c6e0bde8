"""rank_forecast_store, the calibration inputs and the uncertainty inputs on a seeded store."""

from __future__ import annotations

import pytest

from stpi.analysis.demo_peers import demo_peer_results
from stpi.errors import NotFoundError, StpiError
from stpi.queries.forecast import calibration_targets, calibration_values, published_indices, rank_forecast_store
from stpi.queries.uncertainty import uncertainty_inputs
from stpi.store import Store
from tests.queries.seeds import CITY, city_2023, published
from tests.readkit import read


def peers(store: Store) -> dict[str, list[tuple[int, float]]]:
    """Three other cities with two published values each."""
    others = [r.code for r in store.regions("city") if r.code != CITY][:3]
    return {code: [(2021, 40.0 + 5 * k), (2022, 41.0 + 5 * k)] for k, code in enumerate(others)}


def test_rank_forecast_store(store: Store) -> None:
    plan = store.plan()
    with pytest.raises(StpiError):
        rank_forecast_store(read(None), draws=200)
    values = peers(store)
    published(store, values)
    names = {r.code: r.name for r in store.regions("city")}
    assert {names[c]: v for c, v in values.items()} == {k: v for k, v in published_indices(read(store)).items() if v}
    r = rank_forecast_store(read(None), draws=400, seed=7)
    assert r.city == plan.region and r.target_year == plan.target_year and r.goal_rank == plan.goal.rank
    # the city has no published value: no trend of its own, so only the targets scenario, and a note says so
    assert r.city_trend.mean == plan.goal.index and r.scenarios == () and any("没有公布值" in n.zh for n in r.notes)
    # the peers without a published value are drawn from the known peers' spread: ranks among all 14 cities
    assert len(r.peers) == len(values) and r.ranked == r.regions_total == 14 and r.missing_policy == "prior"
    assert sum(r.rank_probability) == pytest.approx(1.0)
    assert rank_forecast_store(read(None), draws=400, seed=7) == r  # the seed makes it repeatable
    known = rank_forecast_store(read(None), draws=400, seed=7, missing="known")
    assert known.ranked == len(values) + 1 and known.p_goal_bounds[0] <= known.p_goal_bounds[1]
    demo = rank_forecast_store(read(None), draws=200, demo=True, year=2025, city_index=50.0)
    expected = demo_peer_results(sorted(n for n in published_indices(read(store)) if n != plan.region))
    assert demo.demo and demo.target_year == 2025 and len(demo.peers) == sum(1 for v in expected.values() if v)


def test_calibration_and_uncertainty_inputs(store: Store) -> None:
    fw = store.framework()
    with pytest.raises(NotFoundError):
        calibration_values(read(store), fw, None, "latest")
    city_2023(store)
    values = calibration_values(read(store), fw, None, "latest")
    assert values.years == (2023,) and len(values.regions) == 1
    with pytest.raises(NotFoundError):
        calibration_targets(read(store), values)
    published(store, {CITY: [(2023, 30.0)]})
    assert list(calibration_targets(read(store), values).values()) == [30.0]
    ufw, uvalues = uncertainty_inputs(None, None, read(None), "latest", None)
    assert ufw.tree.codes == fw.tree.codes and uvalues.years == (2023,)
    with pytest.raises(NotFoundError, match="2030"):
        uncertainty_inputs(None, None, read(None), "latest", 2030)


def test_rank_forecast_headline_is_the_citys_own_trend(store: Store) -> None:
    """Published values of the city give its trend (the headline); every target met is a scenario beside it."""
    plan = store.plan()
    published(store, {**peers(store), CITY: [(2020, 30.0), (2021, 31.0), (2022, 32.5)]})
    r = rank_forecast_store(read(None), draws=2000, seed=7)
    assert r.city_trend.method == "ols" and r.city_trend.mean == pytest.approx(93.5 / 3 + 1.25 * 5)  # slope 1.25 a year from 2021
    assert r.city_trend.sd > 1.0  # three points: the floor applies, never a certain rank
    (met,) = r.scenarios
    assert met.name == "targets_met" and met.index == plan.goal.index and met.p_goal >= r.p_goal
    given = rank_forecast_store(read(None), draws=2000, seed=7, city_index=20.0, city_sd=1.0)
    assert given.city_trend.method == "given" and given.scenarios[0].p_goal == met.p_goal  # same peer draws


def test_one_known_peer_cannot_stand_for_the_others(store: Store) -> None:
    """With one published peer the unpublished ones cannot be drawn from a spread: ranked among the known, bounded, said so."""
    one = dict(list(peers(store).items())[:1])
    published(store, one)
    r = rank_forecast_store(read(None), draws=200, seed=7)
    assert r.missing_policy == "known" and r.ranked == 2 and r.regions_total == 14
    assert any("不足 2 个" in n.zh and "bounded" in n.en for n in r.notes)
    assert r.p_goal_bounds[0] <= r.p_goal <= r.p_goal_bounds[1]
