"""Rank history: published results first, the store's own computation (ranked among the same level and parent) where none."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from stpi import service
from stpi.queries.demo import load_demo
from stpi.queries.maps import map_collection
from stpi.queries.rank_history import rank_history
from stpi.store import Store
from stpi.store.notes import add_published_result, published_results
from tests.readkit import read


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('ranks')) / 'demo.db'}"
    store = Store(url)
    load_demo(Store(url), years=(2024, 2025))
    # 2024 as if the province had published nothing: each city's result blanked
    for r in store.regions(level="city"):
        add_published_result(store, region=r.code, year=2024, index_value=None, rank=None, source="test", actor="admin")
    yield url
    store.close()


def test_published_ranks_where_recorded(demo: str) -> None:
    rh = rank_history(read(demo))
    assert rh["years"] == [2024, 2025] and rh["peers"] == 14 and rh["goal_rank"] == 9
    me = rh["series"][0]
    assert me["self"] and me["code"] == "621200" and len(rh["series"]) == 14
    store = Store(demo)
    published = {p.region: p for p in published_results(store, year=2025)}
    for s in rh["series"]:
        point = s["points"][1]
        assert point["source"] == "published"
        assert (point["index"], point["rank"]) == (published[s["code"]].index_value, published[s["code"]].rank)
    assert rh["ranks"][1] == published["621200"].rank


def test_own_computation_where_nothing_is_published(demo: str) -> None:
    rh = rank_history(read(demo))
    doc = map_collection(read(demo), "620000", year=2024)  # computed independently among the province's cities
    by_code = {f["properties"]["code"]: f["properties"] for f in doc["features"]}
    for s in rh["series"]:
        point = s["points"][0]
        assert point["source"] == "own" and point["complete"] is True
        assert point["rank"] == by_code[s["code"]]["rank"]
        assert point["index"] == pytest.approx(by_code[s["code"]]["value"], abs=1e-9)
    assert sorted(s["points"][0]["rank"] for s in rh["series"]) == list(range(1, 15))
    assert rh["sources"] == ["own", "published"] and rh["demo"] is True and rh["illustrative"] is True


def test_counties_are_not_peers(demo: str) -> None:
    names = {s["name"] for s in rank_history(read(demo))["series"]}
    assert "武都区" not in names and "陇南市" in names


def test_an_empty_store_has_no_years(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    store = Store(url)
    try:
        rh = rank_history(read(url))
    finally:
        store.close()
    assert rh["years"] == [] and rh["ranks"] == [] and rh["series"][0]["self"]
