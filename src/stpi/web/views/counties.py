"""Counties (县区): county indices and ranking for a year, county targets, and the check that county figures add up."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from stpi.i18n import add_messages
from stpi.queries.county_page import TOLERANCE, counties_page
from stpi.web.auth import require
from stpi.web.render import cached, page, snap_of, store_of
from stpi.web.views.maps import page_map

__all__ = ["router", "counties_context"]

add_messages({
    "web.cty.title": ("县区指数与排名", "County indices and ranking"),
    "web.cty.none": ("库中还没有县区的审核通过数据,因此暂无县区指数和排名。县区填报员报送、管理员审核通过后,这里会显示各县区的指数、排名和目标完成情况。", "No approved county figures in the store yet, so there are no county indices or ranking. They appear here once county reporters submit figures and the admin approves them."),
    "web.cty.chart": ("{year}年各县区综合指数(虚线:全市指数)", "County index {year} (dashed: the city's index)"),
    "web.cty.ranking": ("{year}年县区排名", "County ranking {year}"),
    "web.cty.rank": ("名次", "Rank"),
    "web.cty.county": ("县区", "County"),
    "web.cty.index": ("综合指数", "Index"),
    "web.cty.indicators": ("有数据指标", "Indicators with figures"),
    "web.cty.met": ("达到县区目标", "County targets met"),
    "web.cty.not_met": ("未达到", "Not met"),
    "web.cty.no_value": ("无数据", "No figure"),
    "web.cty.city_index": ("全市指数 {value}(同一框架与缺失值处理:{policy})", "City index {value} (same framework, missing values: {policy})"),
    "web.cty.missing": ("{year}年无数据的县区:{names}", "Counties without figures in {year}: {names}"),
    "web.cty.download": ("下载{year}年县区报表(Excel)", "Download the {year} county report (Excel)"),
    "web.cty.sub_targets": ("实施方案中的县区分目标", "County sub-targets in the plan"),
    "web.cty.sub_hint": ("有分目标的指标,县区按“县区”分目标考核;其余指标县区沿用全市目标。", "Where the plan sets a sub-target, counties are held to the 县区 one; elsewhere the city's target applies."),
    "web.cty.city_target": ("全市目标", "City target"),
    "web.cty.targets": ("{year}年各县区对照县区目标", "Counties against their targets, {year}"),
    "web.cty.county_target": ("县区目标", "County target"),
    "web.cty.scope_counties": ("县区分目标", "county sub-target"),
    "web.cty.scope_city": ("同全市", "as the city"),
    "web.cty.sums": ("县区合计核对", "Do the counties add up?"),
    "web.cty.sums_hint": ("可加总的原始数据(人数、个数、金额)各县区之和应等于全市数,相对误差容许 {tol}。", "Additive raw statistics (people, counts, amounts) of the counties should add up to the city's, within {tol}."),
    "web.cty.sums_none": ("{year}年没有可核对的县区原始数据(需要全市和至少一个县区的同一项数据)。", "Nothing to check for {year} (needs the city's and at least one county's figure of the same statistic)."),
    "web.cty.sums_ok": ("{n} 项全部相符。", "All {n} add up."),
    "web.cty.sums_bad": ("{bad} / {n} 项不相符:", "{bad} of {n} do not add up:"),
    "web.cty.variable": ("原始数据", "Statistic"),
    "web.cty.city_value": ("全市", "City"),
    "web.cty.county_sum": ("县区合计", "Sum of counties"),
    "web.cty.difference": ("差额", "Difference"),
    "web.cty.relative": ("相对差", "Relative"),
    "web.cty.reported": ("已报县区", "Counties reporting"),
    "web.cty.counties_missing": ("未报县区", "Counties missing"),
    "web.cty.status_ok": ("相符", "adds up"),
    "web.cty.status_mismatch": ("不相符", "mismatch"),
    "web.cty.met_yes": ("达标", "met"),
    "web.cty.met_no": ("未达标", "not met"),
    "web.cty.year_incomplete": ("{year}年县区数据尚不完整：共{n}项未报（未报齐的县区：{names}），这些县区的指数为预估，不作进度判断。",
                                "{year} is incomplete for the counties: {n} figures not reported (counties short: {names}); their indices are estimates, with no progress status."),
})

router = APIRouter()
YearQuery = Query(None, ge=1900, le=2100, description="年份(默认县区数据的最新年份) year (default: the counties' latest)")
ToleranceQuery = Query(TOLERANCE, ge=0, le=1, description="合计核对的相对容差 relative tolerance of the sum check")


def counties_context(request: Request, year: int | None, tolerance: float = TOLERANCE) -> dict[str, Any]:
    """The counties' index, ranking, targets and sum check for a year."""
    require(request, "read")
    ctx = cached(request, ("counties", year, tolerance), lambda: counties_page(snap_of(request), year=year, tolerance=tolerance))
    summary, _ = page_map(request, "counties", ctx["year"]) if ctx.get("has_figures") else (None, None)
    return {**ctx, "map": summary}


@router.get("/api/counties", tags=["pages"], summary="县区 Counties")
def counties_json(request: Request, year: int | None = YearQuery, tolerance: float = ToleranceQuery) -> dict[str, Any]:
    """County indices and ranking, county targets, and the county-sum check (has_figures false before any county figure)."""
    return counties_context(request, year, tolerance)


@router.get("/counties", response_class=HTMLResponse, include_in_schema=False)
def counties_html(request: Request, year: int | None = YearQuery, tolerance: float = ToleranceQuery) -> HTMLResponse:
    """The counties page."""
    ctx = counties_context(request, year, tolerance)
    shapes = page_map(request, "counties", ctx["year"])[1] if ctx["map"] else None
    return page(request, "counties.html", ctx, drawing={"map": shapes})
