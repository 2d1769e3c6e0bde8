"""Maps: the units under a region (a province's cities, a city's counties) coloured by a node's score in a year.

The answer is a GeoJSON FeatureCollection: each feature's properties carry the unit's GB/T 2260 code,
its name, the value shown, its rank among the units of the map, and whether all its indicators had
figures (``complete``); the collection's properties say what is shown and on which basis.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from stpi.readmodel import Snapshot
from stpi import service
from stpi.analysis.index import compute_index
from stpi.analysis.values import values_from_frame
from stpi.engine import Aggregate, Recipe
from stpi.errors import NotFoundError
from stpi.framework.boundaries import boundaries
from stpi.i18n import get_lang, tr
from stpi.store.settings import get_setting, is_demo

__all__ = ["MAP_POLICY", "map_collection", "map_summary", "plan_map_parents"]

MAP_POLICY = "reweight"  # a unit missing an indicator is shown on the present ones, and marked incomplete


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def map_collection(snap: Snapshot, parent: str, *, year: int | None = None, node: str | None = None) -> dict[str, Any]:
    """The units under region ``parent`` with the score of ``node`` (default: the composite index) in ``year`` (default: the latest with figures)."""
    region = snap.region(parent)
    units = [r for r in snap.regions() if r.parent == region.code]
    if not units:
        raise NotFoundError(f"{region.name}({region.code})没有下属地区 {region.code} has no units under it")
    doc = boundaries(region.code)
    scope = "county" if units[0].level == "county" else "city"
    figures = snap.figures()
    figures = figures[figures["region"].isin([u.name for u in units])]
    years = sorted({int(y) for y in figures["year"]})
    if year is None:
        year = years[-1] if years else None
    fw = snap.framework(year, scope=scope) if year is not None else snap.framework(scope=scope)
    code = node or fw.root.code
    target = fw.node(code)  # NotFoundError for an unknown code
    scores: dict[str, tuple[float | None, int | None, bool]] = {}
    if year is not None and year in years:
        part = figures[(figures["year"] == year) & figures["indicator"].isin([n.code for n in fw.leaves])]
        if len(part):
            result = compute_index(fw, values_from_frame(part, fw), Recipe(aggregate=Aggregate(missing=MAP_POLICY)))
            j = [n.code for n in fw.nodes].index(code)
            full = np.asarray(~np.isnan(result.values.data[:, 0, :]).any(axis=-1), dtype=bool)
            for i, name in enumerate(result.values.regions):
                value = _finite(result.built.scores[i, 0, j])
                rank = result.built.ranks[i, 0, j]
                scores[name] = (value, None if not math.isfinite(rank) else int(rank), bool(full[i]))
    by_code = {u.code: u for u in units}
    lang = get_lang()
    for feature in doc["features"]:
        props = feature["properties"]
        unit = by_code.get(props["code"])
        name = unit.name if unit else props.get("name", "")
        value, rank, complete = scores.get(name, (None, None, False))
        props.update({"name": (unit.name_en or name) if unit and lang == "en" else name, "value": value, "rank": rank, "complete": complete})
    doc["properties"] = {
        **doc.get("properties", {}),
        "region": region.code, "region_name": region.name_en if lang == "en" and region.name_en else region.name,
        "year": year, "node": code, "node_name": target.label(lang), "unit": "%" if target.parent is None else "",
        "policy": MAP_POLICY, "policy_text": tr(f"policy.{MAP_POLICY}"), "ranked_among": len(scores),
        "illustrative": fw.is_illustrative, "demo": snap.demo,
        "maps": bool(snap.setting("maps")), "review_number": str(snap.setting("map_review_number")),
    }
    return doc


def map_summary(collection: dict[str, Any]) -> dict[str, Any]:
    """What a page (and its JSON twin) says beside a map: the units by rank and the map's basis, without the geometry.

    ``url`` is the map's own JSON twin (the GeoJSON).
    """
    props = collection["properties"]
    units = sorted((f["properties"] for f in collection["features"]), key=lambda u: (u["rank"] is None, u["rank"] or 0, u["code"]))
    query = "&".join(f"{k}={v}" for k, v in (("year", props["year"]), ("node", props["node"])) if v is not None)
    keys = ("region", "region_name", "year", "node", "node_name", "unit", "policy", "policy_text", "ranked_among", "illustrative", "demo", "maps", "review_number", "source")
    return {**{k: props.get(k) for k in keys}, "url": f"/api/map/{props['region']}?{query}", "units": units}


def plan_map_parents(snap: Snapshot) -> tuple[str | None, str]:
    """The regions whose units the plan's pages map: the plan region's parent (its peers) and the plan region (its counties)."""
    region = snap.region(snap.plan().region)
    return region.parent, region.code
