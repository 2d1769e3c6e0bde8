"""Overview (总览): the index now, at the milestone and the target; rank; areas and groups; the traffic lights."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from stpi.i18n import add_messages
from stpi.queries.changes import changes
from stpi.queries.overview import overview
from stpi.queries.rank_history import rank_history
from stpi.web.auth import NotLoggedIn, current_user, public_overview
from stpi.web.render import cached, page, snap_of, store_of
from stpi.web.views.maps import page_map

__all__ = ["router", "overview_context"]

router = APIRouter()
YearQuery = Query(None, ge=1900, le=2100, description="年份(默认最新) year (default: latest)")

add_messages({
    "web.rh.title": ("{region}排名变化", "{region}: rank over the years"),
    "web.rh.chart": ("{region}与全省各市州历年排名（红色虚线为排名目标第{goal}位）", "{region} and its peers, rank by year (dashed red: the rank goal, {goal})"),
    "web.rh.basis": ("在全省{n}个同级地区中排名，第1位最高；有省里公布结果的年份用公布的排名。", "Ranked among the province's {n} regions of the same level, 1 = highest; published ranks where the province's results are recorded. "),
    "web.rh.own": ("未公布的年份为本系统按现行参数计算（空心点，表中标*），参数为示意时仅供参考。", "Other years are computed here on the parameters in force (hollow markers, * in the table); with illustrative parameters, for orientation only. "),
    "web.rh.demo": ("【演示数据】", "[Demo data]"),
    "web.rh.table": ("排名数据表", "The chart's data"),
    "web.rh.cell": ("每格：综合指数（%）（名次）；*：本系统计算，非省里公布。", "Each cell: index (%) (rank); *: computed here, not published by the province."),
    "web.rh.own_mark": ("本系统计算", "computed here"),
    "web.chg.title": ("最新变化", "What changed"),
    "web.chg.since": ("比较起点", "Since"),
    "web.chg.bulletin": ("上次下载进展通报", "the last bulletin"),
    "web.chg.visit": ("我上次登录", "my last visit"),
    "web.chg.details": ("逐项查看（{n}项）", "The items ({n})"),
    "web.chg.light": ("：由“{old}”变为“{new}”", ": {old} → {new}"),
    "web.chg.new": ("：新增，{value}", ": new, {value}"),
    "web.chg.revised": ("：由{old}修订为{value}", ": revised from {old} to {value}"),
    "web.chg.notice": ("督办单{number}", "Supervision notice {number}"),
    "web.chg.more": ("另有{n}项", "and {n} more"),
})
SinceQuery = Query("bulletin", max_length=16, description="比较起点 since: bulletin(上次下载通报)/ visit(上次登录)/ YYYY-MM-DD")


def overview_context(request: Request, year: int | None, since: str = "bulletin") -> dict[str, Any]:
    """The overview's context; readable without an account only when the store's setting allows."""
    if current_user(request) is None and not public_overview(request):
        raise NotLoggedIn("请先登录 please log in")
    ctx = cached(request, ("overview", year), lambda: overview(snap_of(request), year=year))
    summary, _ = page_map(request, "peers", ctx["year"])
    ranks = cached(request, ("rank_history",), lambda: rank_history(snap_of(request)))
    user = current_user(request)
    who = user.username if user is not None and since == "visit" else None
    changed = cached(request, ("changes", since, who), lambda: changes(snap_of(request), since=since, user=who))
    return {**ctx, "map": summary, "ranks": ranks, "changes": changed}


@router.get("/api/overview", tags=["pages"], summary="总览 Overview")
def overview_json(request: Request, year: int | None = YearQuery, since: str = SinceQuery) -> dict[str, Any]:
    """The overview page's data."""
    return overview_context(request, year, since)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def overview_page(request: Request, year: int | None = YearQuery, since: str = SinceQuery) -> HTMLResponse:
    """The overview page."""
    ctx = overview_context(request, year, since)
    return page(request, "overview.html", ctx, drawing={"map": page_map(request, "peers", ctx["year"])[1]})
