"""Overview (总览): the index now, at the milestone and the target; rank; areas and groups; the traffic lights."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from stpi.queries.overview import overview
from stpi.web.auth import NotLoggedIn, current_user, public_overview
from stpi.web.render import cached, page, store_of
from stpi.web.views.maps import page_map

__all__ = ["router", "overview_context"]

router = APIRouter()
YearQuery = Query(None, ge=1900, le=2100, description="年份(默认最新) year (default: latest)")


def overview_context(request: Request, year: int | None) -> dict[str, Any]:
    """The overview's context; readable without an account only when the store's setting allows."""
    if current_user(request) is None and not public_overview(request):
        raise NotLoggedIn("请先登录 please log in")
    url = store_of(request).url
    ctx = cached(request, ("overview", year), lambda: overview(url, year=year))
    summary, _ = page_map(request, "peers", ctx["year"])
    return {**ctx, "map": summary}


@router.get("/api/overview", tags=["pages"], summary="总览 Overview")
def overview_json(request: Request, year: int | None = YearQuery) -> dict[str, Any]:
    """The overview page's data."""
    return overview_context(request, year)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def overview_page(request: Request, year: int | None = YearQuery) -> HTMLResponse:
    """The overview page."""
    ctx = overview_context(request, year)
    return page(request, "overview.html", ctx, drawing={"map": page_map(request, "peers", ctx["year"])[1]})
