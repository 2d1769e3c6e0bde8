"""Indicators (指标): all 32 by area and group, and one indicator's page with everything known of it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse

from stpi.i18n import add_messages
from stpi.queries.indicator import indicator_list, indicator_page
from stpi.web.auth import require
from stpi.web.render import cached, page, snap_of, store_of

__all__ = ["router", "indicator_context", "indicators_context"]

add_messages({
    "web.ind.title": ("指标一览", "Indicators"),
    "web.ind.summary": ("{year}年 {n} 项指标:绿灯 {green} · 黄灯 {yellow} · 红灯 {red} · 无进度数据 {grey}", "{year}: {n} indicators — green {green} · yellow {yellow} · red {red} · no progress data {grey}"),
    "web.ind.area_score": ("得分", "Score"),
    "web.ind.latest": ("最新值", "Latest"),
    "web.ind.target": ("{year}年目标", "Target {year}"),
    "web.ind.status": ("进度状态", "Status"),
    "web.ind.unknown": ("没有该指标", "No such indicator"),
    "web.ind.back": ("全部指标", "All indicators"),
    "web.ind.latest_kpi": ("最新值({year}年)", "Latest ({year})"),
    "web.ind.milestone_kpi": ("{year}年里程碑", "Milestone {year}"),
    "web.ind.target_kpi": ("{year}年目标", "Target {year}"),
    "web.ind.baseline_kpi": ("{year}年基期值", "Baseline {year}"),
    "web.ind.trend": ("历年数值与到目标的里程碑路径", "Values by year and the milestone path to the target"),
    "web.ind.definition": ("定义与统计口径", "Definition and statistical caliber"),
    "web.ind.no_definition": ("指标框架未写明统计口径;以下为按指标名称推定的计算方法,须经统计部门确认。", "The framework states no definition; the calculation below is inferred from the name and must be confirmed with the statistics bureau."),
    "web.ind.no_definition_plain": ("指标框架未写明统计口径,也没有由原始数据计算的公式。", "The framework states no definition, and no formula derives it from raw statistics."),
    "web.ind.formula": ("计算公式", "Formula"),
    "web.ind.per": ("(按每 {per:g} 人/户/家计)", "(per {per:g})"),
    "web.ind.variables": ("所需原始数据", "Raw statistics needed"),
    "web.ind.variable_source": ("报送单位", "Reported by"),
    "web.ind.plan_source": ("实施方案出处", "Source in the plan"),
    "web.ind.framework_note": ("框架备注", "Framework note"),
    "web.ind.parameters": ("权重与标准值", "Weight and standard"),
    "web.ind.weight": ("组内权重", "Weight in its group"),
    "web.ind.effective_weight": ("在总指数中的有效权重", "Effective weight in the index"),
    "web.ind.standard": ("标准值(得满分的数值)", "Standard (value for a full score)"),
    "web.ind.direction": ("方向", "Direction"),
    "web.ind.direction_up": ("越大越好", "higher is better"),
    "web.ind.direction_down": ("越小越好", "lower is better"),
    "web.ind.provenance": ("来源", "Provenance"),
    "web.ind.prov.official": ("官方", "official"),
    "web.ind.prov.assumed": ("示意/推定", "illustrative / assumed"),
    "web.ind.owners": ("责任分工", "Owners"),
    "web.ind.rank_goal": ("排名目标", "Rank goal"),
    "web.ind.measures": ("实施方案的工作措施", "Measures in the plan"),
    "web.ind.sub_targets": ("分目标", "Sub-targets"),
    "web.ind.contribution": ("对总指数的贡献与提升空间", "Contribution to the index and headroom"),
    "web.ind.contrib_year": ("{year}年(指数 {index})", "{year} (index {index})"),
    "web.ind.score": ("指标得分(0–100)", "Score (0–100)"),
    "web.ind.contrib_pts": ("贡献(指数点)", "Contribution (index points)"),
    "web.ind.headroom_pts": ("距满分的提升空间(指数点)", "Headroom to the cap (index points)"),
    "web.ind.rank_of": ("第 {rank} / {of} 位", "{rank} of {of}"),
    "web.ind.no_contribution": ("尚无该指标的数值,无法计算贡献。", "No value yet: no contribution can be computed."),
    "web.ind.history": ("数据历史(含各版本)", "Data history (all vintages)"),
    "web.ind.no_history": ("库中尚无该指标{region}的填报数据;基期值取自实施方案。", "No figures for {region} in the store yet; the baseline comes from the plan."),
    "web.ind.period": ("期间", "Period"),
    "web.ind.vintage": ("版本", "Vintage"),
    "web.ind.current": ("当前", "Current"),
    "web.ind.evaluated": ("评价口径", "As evaluated"),
    "web.ind.source": ("来源", "Source"),
    "web.ind.note": ("备注/退回意见", "Note / return comment"),
    "web.ind.who_when": ("填报人 · 时间", "By · at"),
    "web.ind.yes": ("是", "yes"),
    "web.ind.progress": ("各部门工作进展", "Departments' progress notes"),
    "web.ind.no_progress": ("尚无工作进展记录。", "No progress notes yet."),
    "web.ind.quality": ("数据质量说明", "Data-quality note"),
    "web.ind.raw": ("原始数据", "raw statistic"),
})

router = APIRouter()
YearQuery = Query(None, ge=1900, le=2100, description="年份(默认最新) year (default: latest)")
CodeParam = Path(..., min_length=1, max_length=20, description="指标代码或序号 indicator code (I13) or number (13)")


def indicators_context(request: Request, year: int | None) -> dict[str, Any]:
    """All indicators grouped by area and group."""
    require(request, "read")
    return cached(request, ("indicators", year), lambda: indicator_list(snap_of(request), year=year))


def indicator_context(request: Request, code: str) -> dict[str, Any]:
    """One indicator's page (404 for an unknown code)."""
    require(request, "read")
    return cached(request, ("indicator", code), lambda: indicator_page(snap_of(request), code))


@router.get("/api/indicators", tags=["pages"], summary="指标一览 Indicators")
def indicators_json(request: Request, year: int | None = YearQuery) -> dict[str, Any]:
    """The 32 indicators by area and group: latest value, target, status, lead."""
    return indicators_context(request, year)


@router.get("/api/indicators/{code}", tags=["pages"], summary="指标详情 Indicator")
def indicator_json(request: Request, code: str = CodeParam) -> dict[str, Any]:
    """One indicator: definition, parameters, formula, trend, owners, measures, history, contribution."""
    return indicator_context(request, code)


@router.get("/indicators", response_class=HTMLResponse, include_in_schema=False)
def indicators_page(request: Request, year: int | None = YearQuery) -> HTMLResponse:
    """The indicators page."""
    return page(request, "indicators.html", indicators_context(request, year))


@router.get("/indicators/{code}", response_class=HTMLResponse, include_in_schema=False)
def indicator_html(request: Request, code: str = CodeParam) -> HTMLResponse:
    """The indicator page."""
    return page(request, "indicator.html", indicator_context(request, code))
