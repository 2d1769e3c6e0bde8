"""Map values: each unit's score computed among the units of the map only, the same as an independent computation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from stpi import service
from stpi.analysis.index import compute_index
from stpi.analysis.values import values_from_frame
from stpi.engine import Aggregate, Recipe
from stpi.errors import NotFoundError
from stpi.queries.demo import load_demo
from stpi.queries.maps import map_collection, map_summary
from stpi.reports.maps import map_png, svg_map
from stpi.store import Store
from stpi.store.settings import set_setting
from tests.readkit import read


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('maps')) / 'demo.db'}"
    store = Store(url)
    load_demo(Store(url), years=(2024, 2025))
    yield url
    store.close()


def test_cities_are_ranked_among_the_province_cities_only(demo: str) -> None:
    doc = map_collection(read(demo), "620000", year=2025)
    store = Store(demo)
    cities = {r.name for r in store.regions(level="city")}
    figures = read(demo).figures()
    part = figures[(figures["year"] == 2025) & figures["region"].isin(cities)]
    fw = store.framework(2025)
    expected = compute_index(fw, values_from_frame(part, fw), Recipe(aggregate=Aggregate(missing="reweight")))
    by_name = dict(zip(expected.values.regions, expected.root[:, 0]))
    ranks = sorted(f["properties"]["rank"] for f in doc["features"])
    assert ranks == list(range(1, 15)) and doc["properties"]["ranked_among"] == 14
    for f in doc["features"]:
        assert f["properties"]["value"] == pytest.approx(by_name[f["properties"]["name"]], abs=1e-12)
        assert f["properties"]["complete"] is True
    longnan = next(f for f in doc["features"] if f["properties"]["code"] == "621200")
    assert longnan["properties"]["rank"] == 1 + sum(v > by_name["陇南市"] for v in by_name.values())


def test_counties_map_matches_the_counties_page(demo: str) -> None:
    from stpi.queries.county_page import counties_page

    page = counties_page(read(demo), year=2025)
    doc = map_collection(read(demo), "621200", year=2025)
    shown = {f["properties"]["name"]: (f["properties"]["value"], f["properties"]["rank"]) for f in doc["features"]}
    assert len(shown) == 9
    for r in page["ranking"]:
        assert shown[r["region"]][0] == pytest.approx(r["index"], abs=1e-9) and shown[r["region"]][1] == r["rank"]


def test_a_node_and_its_basis(demo: str) -> None:
    doc = map_collection(read(demo), "620000", year=2025, node="A1")
    props = doc["properties"]
    assert props["node"] == "A1" and props["illustrative"] is True and props["demo"] is True and props["policy"] == "reweight"
    assert all(0 <= f["properties"]["value"] <= 100 for f in doc["features"])
    with pytest.raises(NotFoundError):
        map_collection(read(demo), "620000", node="NOPE")
    with pytest.raises(NotFoundError):
        map_collection(read(demo), "621202")  # a county has no units under it


def test_summary_settings_and_drawings(demo: str) -> None:
    store = Store(demo)
    set_setting(store, "map_review_number", "甘S(2026)001号", actor="admin")
    set_setting(store, "maps", "false", actor="admin")
    try:
        summary = map_summary(map_collection(read(demo), "620000", year=2025))
    finally:
        set_setting(store, "maps", "true", actor="admin")
        set_setting(store, "map_review_number", "", actor="admin")
    assert summary["maps"] is False and summary["review_number"] == "甘S(2026)001号"
    assert [u["rank"] for u in summary["units"]] == list(range(1, 15)) and summary["url"] == "/api/map/620000?year=2025&node=INDEX"
    doc = map_collection(read(demo), "620000", year=2025)
    svg = svg_map(doc)
    assert len(svg["shapes"]) == 14 and svg["low"] == min(u["value"] for u in summary["units"])
    darkest = max(svg["shapes"], key=lambda s: s["value"])
    assert darkest["fill"] == svg["high_fill"] and darkest["rank"] == 1
    assert all(0 <= s["x"] <= svg["width"] and 0 <= s["y"] <= svg["height"] for s in svg["shapes"])
    png = map_png(doc, title="2025年甘肃省各市州综合指数", caption="示意边界")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000


def test_a_year_without_figures_shows_no_values(demo: str) -> None:
    doc = map_collection(read(demo), "620000", year=2023)
    assert all(f["properties"]["value"] is None and f["properties"]["rank"] is None for f in doc["features"])
    assert svg_map(doc)["low"] is None and np.all([s["label"] == "无数据" for s in svg_map(doc)["shapes"]])


def test_the_bulletin_draws_both_maps_and_says_their_basis(demo: str, tmp_path: Path) -> None:
    import docx

    from stpi.queries.bulletin import gather_bulletin, map_caption, render_charts
    from stpi.reports.bulletin import write_docx

    b = gather_bulletin(read(demo), year=2025)
    assert [which for which, _ in b.maps] == ["peers", "counties"]
    charts = render_charts(b)
    assert charts["map_peers"][:4] == b"\x89PNG" and charts["map_counties"][:4] == b"\x89PNG"
    caption = map_caption(dict(b.maps)["peers"])
    assert "在14个地区中排名" in caption and "未经审图" in caption and "演示数据" in caption
    path = write_docx(b, tmp_path / "b.docx", charts)
    assert len(docx.Document(str(path)).inline_shapes) == len(charts)
    store = Store(demo)
    set_setting(store, "maps", "false", actor="admin")
    try:
        assert gather_bulletin(read(demo), year=2025).maps == ()
    finally:
        set_setting(store, "maps", "true", actor="admin")
