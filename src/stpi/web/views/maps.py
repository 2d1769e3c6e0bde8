"""Maps (GeoJSON): the units under a region coloured by a node's score, for the overview's and the counties page's choropleths."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from stpi.errors import NotFoundError
from stpi.i18n import get_lang
from stpi.queries.maps import map_collection, map_summary, plan_map_parents
from stpi.reports.maps import svg_map
from stpi.web.auth import NotLoggedIn, current_user, public_overview
from stpi.web.render import cached, snap_of, store_of

__all__ = ["router", "map_context", "page_map"]

router = APIRouter()


def map_context(request: Request, code: str, year: int | None, node: str | None) -> dict[str, Any]:
    """The map's FeatureCollection; readable without an account exactly when the overview is."""
    if current_user(request) is None and not public_overview(request):
        raise NotLoggedIn("请先登录 please log in")
    return cached(request, ("map", code, year, node), lambda: map_collection(snap_of(request), code, year=year, node=node))


@router.get("/api/map/{code}", tags=["pages"], summary="地图:下属地区的指数 GeoJSON Map: the units under a region (GeoJSON)",
            response_class=JSONResponse)
def map_json(
    request: Request,
    code: str = Path(min_length=2, max_length=64, description="地区代码(GB/T 2260),如 620000 甘肃省、621200 陇南市 region code, e.g. 620000 Gansu, 621200 Longnan"),
    year: int | None = Query(None, ge=1900, le=2100, description="年份(默认有数据的最新年份) year (default: the latest with figures)"),
    node: str | None = Query(None, max_length=64, description="指标或分组代码(默认综合指数) node code (default: the composite index)"),
) -> JSONResponse:
    """A GeoJSON FeatureCollection: each feature's properties carry code, name, value, rank and complete."""
    return JSONResponse(map_context(request, code, year, node), media_type="application/geo+json")


def page_map(request: Request, which: str, year: int | None) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """A page's map: (summary for the context and its JSON twin, SVG shapes for the HTML), or (None, None) without boundaries.

    ``which``: "peers" (the plan region among its province's cities, for the overview) or "counties" (the plan region's counties).
    """
    peers, own = cached(request, ("map_parents",), lambda: plan_map_parents(snap_of(request)))
    parent = peers if which == "peers" else own
    if parent is None:
        return None, None
    try:
        collection = cached(request, ("map", parent, year, None), lambda: map_collection(snap_of(request), parent, year=year))
    except NotFoundError:  # no boundaries for this region (and no stpi[maps] extra): the page goes on without a map
        return None, None
    if sum(f["properties"]["value"] is not None for f in collection["features"]) < 2:  # one coloured unit compares nothing
        return None, None
    missing = "No figure" if get_lang() == "en" else "无数据"
    return map_summary(collection), cached(request, ("map_svg", parent, year), lambda: svg_map(collection, missing_text=missing))
