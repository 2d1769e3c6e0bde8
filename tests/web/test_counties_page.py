"""The counties page: indices and ranking, county targets, the county-sum check; plainly empty before any county figure."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from stpi import service
from stpi.analysis.counties import county_index
from stpi.store import Store
from tests.queries.seeds import COUNTIES, city_2023, counties_2023
from tests.web.conftest import login
from tests.readkit import read


def test_without_county_figures_the_page_says_so(client: TestClient) -> None:
    login(client, "wudu")
    data = client.get("/api/counties").json()
    assert data["has_figures"] is False and data["ranking"] == [] and data["year"] is None and data["download"] is None
    assert len(data["counties"]) == 9 and data["missing_counties"] == data["counties"]
    assert data["sub_targets"][0]["code"] == "I13" and {p["name"]: p["target"] for p in data["sub_targets"][0]["parts"]} == {"市本级": 2.1, "县区": 1.1}
    page = client.get("/counties")
    assert page.status_code == 200 and 'id="no-county-figures"' in page.text and "data-chart=" not in page.text
    assert "1.1%" in page.text and "2.1%" in page.text and 'id="county-ranking"' not in page.text


def test_ranking_targets_and_sum_check_with_county_figures(client: TestClient, store: Store) -> None:
    city_2023(store)
    counties_2023(store)
    login(client, "leader")
    data = client.get("/api/counties").json()
    assert data["has_figures"] is True and data["year"] == 2023 and data["years"] == [2023]
    engine = county_index(store.framework(), read(None).figures(), list(COUNTIES.values()))
    assert [(r["region"], r["rank"]) for r in data["ranking"]] == [(r.region, r.rank) for r in engine.itertuples()]
    assert [r["index"] for r in data["ranking"]] == pytest.approx(list(engine["index"]))
    assert data["ranking"][0]["region"] == "武都区" and set(data["missing_counties"]) == set(data["counties"]) - set(COUNTIES.values())
    assert data["mismatches"] == 1 and data["sums"][0]["variable"] == "rd_personnel" and data["sums"][0]["difference"] == pytest.approx(-50.0)
    i13 = next(t for t in data["targets"] if t["code"] == "I13")
    assert i13["target"] == 1.1 and i13["target_scope"] == "counties"
    assert {v["region"]: v["met"] for v in i13["values"]} == {"武都区": True, "成县": False, "文县": False}
    assert data["met"][0] == {"region": "武都区", "met": 32, "not_met": 0, "no_value": 0}
    assert data["city_index"] == pytest.approx(client.get("/api/overview?year=2023").json()["index"]["value"])
    page = client.get("/counties")
    assert 'data-chart="county_bars"' in page.text and "/static/pages/counties.js" in page.text and "示意参数" in page.text
    assert all(f"{r['index']:.2f}" in page.text for r in data["ranking"])
    assert 'href="/downloads/counties.xlsx?year=2023"' in page.text and "1 / 1 项不相符" in page.text and "R&amp;D人员" in page.text
    loose = client.get("/api/counties?tolerance=0.1").json()  # the 5% gap is inside a 10% tolerance
    assert loose["mismatches"] == 0 and loose["sums"][0]["status"] == "ok"


def test_bad_parameters_and_no_account(client: TestClient) -> None:
    assert client.get("/api/counties").status_code == 401
    login(client, "keji")
    assert client.get("/api/counties?year=abc").status_code == 422
    assert client.get("/api/counties?year=3000").status_code == 422
    assert client.get("/api/counties?tolerance=-1").status_code == 422
    assert client.get("/counties?year=2030").status_code == 200  # a year without county figures shows the latest there is (here: none)
