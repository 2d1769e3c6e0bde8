"""Demo figures (演示数据): deterministic, every traffic light, counties adding up, peers ranked."""

from __future__ import annotations

from collections import Counter
from importlib import resources

import numpy as np
import pandas as pd
import pytest

from stpi.analysis.counties import county_index, sum_check
from stpi.analysis.demo_data import COLUMNS, DEMO_YEARS, PROFILES, demo_figures, demo_ranks
from stpi.analysis.derived import derive_indicators
from stpi.analysis.track import LIGHTS, track
from stpi.framework import default_plan, embedded_framework
from stpi.framework.embedded import embedded_variables
from stpi.tables import load_yaml

PLAN, FW = default_plan(), embedded_framework()
VARIABLES, FORMULAS = embedded_variables()
_REGIONS = load_yaml((resources.files("stpi") / "data" / "gansu-regions.yaml").read_text(encoding="utf-8"))["regions"]
COUNTIES = [r["name"] for r in _REGIONS if r["level"] == "county"]
PEERS = [r["name"] for r in _REGIONS if r["level"] == "city" and r["name"] != PLAN.region]
LEAVES = [n.code for n in FW.leaves]


def figures(seed: int = 7, years: tuple[int, ...] = DEMO_YEARS) -> pd.DataFrame:
    return demo_figures(PLAN, FW, counties=COUNTIES, peers=PEERS, variables=VARIABLES, formulas=FORMULAS, years=years, seed=seed)


def indicators(frame: pd.DataFrame) -> pd.DataFrame:
    """Indicator values as the store computes them: reported, or derived from the raw statistics."""
    return derive_indicators(frame.rename(columns={"code": "indicator"})[["region", "year", "indicator", "value"]], FORMULAS)


def test_deterministic_and_seeded() -> None:
    a, b = figures(seed=7), figures(seed=7)
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns) == COLUMNS and not a.duplicated(["region", "year", "code"]).any()
    assert np.isfinite(a["value"]).all() and (a["value"] >= 0).all()
    other = figures(seed=8)
    assert not np.allclose(a["value"].to_numpy(), other["value"].to_numpy())
    assert set(a["region"]) == {PLAN.region, *COUNTIES, *PEERS} and set(a["year"]) == set(DEMO_YEARS)
    # the peers do not depend on the counties: each part has its own random stream
    alone = demo_figures(PLAN, FW, counties=[], peers=PEERS, variables=VARIABLES, formulas=FORMULAS, seed=7)
    pd.testing.assert_frame_equal(alone[alone["region"].isin(PEERS)].reset_index(drop=True), a[a["region"].isin(PEERS)].reset_index(drop=True))


@pytest.mark.parametrize("seed", [1, 2024, 20240103])
def test_city_shows_every_light(seed: int) -> None:
    tracked = track(PLAN, FW, indicators(figures(seed)))
    last = tracked[(tracked["year"] == DEMO_YEARS[-1]) & tracked["code"].isin(LEAVES)]
    statuses = Counter(last["status"])
    assert set(LIGHTS.values()) - {"grey"} <= set(last["light"])  # green, yellow and red all appear
    # I28 has no baseline: measured from its first demo year, it has a light of its own, not the grey of 无数据
    i28 = last[last["code"] == "I28"].iloc[0]
    assert i28["status"] != "no_data" and i28["start_year"] == DEMO_YEARS[0]
    profiled = Counter(last.loc[last["code"] != "I28", "status"])  # the profiles pace the indicators with a baseline
    assert profiled["reached"] >= 1 and 1 <= profiled["deterioration"] <= 2 and profiled["moderate"] >= 3
    with_baseline = sum(1 for i in PLAN.indicators if i.baseline is not None)
    assert sum(statuses.values()) == 32 and sum(n for _, n, _, _ in PROFILES) == with_baseline
    root = tracked[tracked["depth"] == 0].set_index("year")["value"]
    assert root[2022] < root[2023] < root[2024] < root[2025] < PLAN.goal.index  # rising toward the goal, not there yet


def test_city_indicators_come_from_raw_statistics_where_a_formula_exists() -> None:
    frame = figures()
    city = frame[frame["region"] == PLAN.region]
    reported = set(city.loc[city["kind"] == "indicator", "code"])
    assert reported == {c for c in LEAVES if c not in FORMULAS} | {"I17"}  # I17: about one award a year, no whole-unit path
    assert set(city.loc[city["kind"] == "raw", "code"]) <= set(VARIABLES)
    derived = indicators(frame)
    mine = derived[(derived["region"] == PLAN.region) & (derived["year"] == 2025)]
    assert set(mine["indicator"]) == set(LEAVES)
    i01 = mine.set_index("indicator").loc["I01", "value"]
    raw = city[city["year"] == 2025].set_index("code")["value"]
    assert i01 == pytest.approx(raw["professional_technical_personnel"] / raw["resident_population"])


def test_counties_add_up_to_the_city() -> None:
    frame = figures()
    raw = frame.rename(columns={"code": "indicator"})
    sums = sum_check(raw, VARIABLES, city=PLAN.region, counties=COUNTIES)
    assert len(sums) >= 20 * len(DEMO_YEARS) and set(sums["status"]) == {"ok"}
    assert (sums["counties_reported"] == len(COUNTIES)).all()
    assert sums["relative"].abs().max() < 1e-6  # apportioned in whole reporting units: exact
    counts = frame[(frame["code"] == "invention_patents") & frame["region"].isin(COUNTIES)]["value"]
    assert (counts == counts.round()).all()  # persons, enterprises and patents are whole numbers
    idx = county_index(FW, indicators(frame), COUNTIES)
    assert len(idx) == len(COUNTIES) * len(DEMO_YEARS) and (idx["indicators"] == 32).all()
    assert idx["index"].std() > 1.0  # the counties differ


def test_peers_give_a_ranking_every_year() -> None:
    ranks = demo_ranks(FW, indicators(figures()), [PLAN.region, *PEERS])
    assert len(ranks) == 14 * len(DEMO_YEARS)
    for _, year in ranks.groupby("year"):
        assert sorted(year["rank"]) == list(range(1, 15))
    mine = ranks[ranks["region"] == PLAN.region]
    assert (mine["rank"] > PLAN.goal.rank).all()  # behind the plan's goal rank: there is something to do
    assert ranks["index"].between(20, 80).all()


def test_without_formulas_every_figure_is_an_indicator() -> None:
    frame = demo_figures(PLAN, FW, counties=COUNTIES[:2], peers=PEERS[:2], years=(2024,), seed=3)
    assert set(frame["kind"]) == {"indicator"} and set(frame["code"]) == set(LEAVES)
    assert len(frame) == 5 * 32
