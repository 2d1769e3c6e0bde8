"""What-if (情景模拟): change any indicator's value and see the index, the groups and the rank move."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool
from pydantic import BaseModel, Field, StrictFloat, StringConstraints

from stpi.errors import InputError, Problem
from stpi.i18n import add_messages
from stpi.queries.whatif import Scenario, scenario, whatif
from stpi.web.auth import check_csrf, require
from stpi.web.render import cached, page, snap_of, store_of

__all__ = ["WhatIfRequest", "router", "whatif_context"]

add_messages({
    "web.wi.title": ("情景模拟", "What-if"),
    "web.wi.intro": ("修改任一指标的数值,即时查看综合指数、各级指标得分和全省排名的变化。起始值为各指标截至 {year} 年的最新值(缺数时用基期值),不会写入数据库。",
                     "Change any indicator's value and see the index, the areas, groups and the rank move at once. Start values are each indicator's latest figure up to {year} (the baseline where none); nothing is saved."),
    "web.wi.year": ("起始年份", "Start year"),
    "web.wi.index": ("情景综合指数", "What-if index"),
    "web.wi.change": ("较起始", "vs start"),
    "web.wi.start": ("起始指数", "Start index"),
    "web.wi.goal": ("{year}年目标", "Target {year}"),
    "web.wi.rank": ("全省排名(情景)", "Rank in the province (what-if)"),
    "web.wi.rank_short": ("排名", "rank"),
    "web.wi.rank_of": ("共 {n} 个有数据的地区;起始排名 {start}", "of {n} regions with figures; {start} at the start"),
    "web.wi.rank_goal": ("排名目标 {rank}", "rank goal {rank}"),
    "web.wi.peers_published": ("同级地区取省里公布的最新指数({years})", "Peers: their latest published index ({years})"),
    "web.wi.groups_chart": ("二级指标得分:起始与情景", "Groups: start and what-if"),
    "web.wi.areas_chart": ("一级指标得分:起始与情景", "Areas: start and what-if"),
    "web.wi.nodes": ("一级、二级指标得分", "Areas and groups"),
    "web.wi.node": ("指标", "Area / group"),
    "web.wi.start_score": ("起始得分", "Start"),
    "web.wi.now_score": ("情景得分", "What-if"),
    "web.wi.delta": ("变化", "Change"),
    "web.wi.indicators": ("32项指标(输入情景值)", "Indicators (type what-if values)"),
    "web.wi.start_value": ("起始值", "Start"),
    "web.wi.target": ("目标值", "Target"),
    "web.wi.value": ("情景值", "What-if value"),
    "web.wi.score": ("得分", "Score"),
    "web.wi.contribution": ("贡献(点)", "Contribution (pts)"),
    "web.wi.contribution_change": ("贡献变化", "Change"),
    "web.wi.to_target": ("设为目标", "Set to target"),
    "web.wi.to_target_of": ("将“{name}”设为目标值", "Set '{name}' to its target"),
    "web.wi.all_target": ("全部设为目标值", "All to target"),
    "web.wi.reset": ("恢复起始值", "Reset"),
    "web.wi.compute": ("计算", "Compute"),
    "web.wi.policy": ("缺失值按“{policy}”处理;清空输入框表示该指标无数据。", "Missing values: '{policy}'; an empty box means no figure."),
    "web.wi.changed": ("已修改 {n} 项指标", "{n} indicators changed"),
    "web.wi.fix": ("请更正标出的数值;结果按其余数值计算", "Fix the values marked; the results use the other values"),
})

router = APIRouter()
YearQuery = Query(None, ge=1900, le=2100, description="起始年份(默认最新) start year (default: latest with figures)")
Code = Annotated[str, StringConstraints(max_length=16)]


class WhatIfRequest(BaseModel):
    """Values to try: indicator code → number (null: no figure); codes left out keep their start value."""

    year: int | None = Field(None, ge=1900, le=2100, description="起始年份 start year")
    values: dict[Code, StrictFloat | None] = Field(default_factory=dict, max_length=100, description="指标代码 → 情景值 code → value")


def _scenario(request: Request, year: int | None) -> Scenario:
    return cached(request, ("whatif", year), lambda: scenario(snap_of(request), year=year))


def whatif_context(request: Request, year: int | None, values: dict[str, Any] | None = None) -> dict[str, Any]:
    """The what-if context at ``values`` (the start values where absent)."""
    require(request, "read")
    return whatif(_scenario(request, year), values)


@router.get("/api/whatif", tags=["pages"], summary="情景模拟(起始值) What-if at the start values")
def whatif_json(request: Request, year: int | None = YearQuery) -> dict[str, Any]:
    """The what-if page's data at the start values."""
    return whatif_context(request, year)


@router.post("/api/whatif", tags=["pages"], summary="情景模拟 What-if")
def whatif_api(request: Request, body: WhatIfRequest) -> dict[str, Any]:
    """The index, areas, groups, contributions and rank at the given values (needs X-CSRF-Token)."""
    check_csrf(request, None)
    return whatif_context(request, body.year, dict(body.values))


@router.get("/whatif", response_class=HTMLResponse, include_in_schema=False)
def whatif_page(request: Request, year: int | None = YearQuery) -> HTMLResponse:
    """The what-if page."""
    return page(request, "whatif.html", {**whatif_context(request, year), "typed": {}, "errors": {}})


def _form_year(text: str) -> int | None:
    try:
        return int(text) if text.strip() else None
    except ValueError:
        raise InputError([Problem("<whatif>", None, "year", "年份应为整数 the year must be a whole number", text[:16])]) from None


@router.post("/whatif", response_class=HTMLResponse, include_in_schema=False)
async def whatif_submit(request: Request) -> HTMLResponse:
    """The what-if form posted without JavaScript: the page again, with the results or the bad values marked."""
    form = await request.form()
    fields = {key: str(value)[:64] for key, value in form.items()}
    return await run_in_threadpool(_submitted, request, fields)  # the store is read synchronously, off the event loop


def _submitted(request: Request, form: dict[str, str]) -> HTMLResponse:
    check_csrf(request, form.get("csrf_token", ""))
    require(request, "read")
    sc = _scenario(request, _form_year(form.get("year", "")))
    typed = {code: form[code] for code in sc.codes if code in form}
    targets = {i.code: repr(i.target) for i in sc.plan.indicators}
    if form.get("action") == "all_target":
        typed = dict(targets)
    elif form.get("to_target", "") in targets:
        typed[form["to_target"]] = targets[form["to_target"]]
    try:
        return page(request, "whatif.html", {**whatif(sc, typed), "typed": typed, "errors": {}})
    except InputError as exc:
        errors = {p.field: p.reason for p in exc.problems if p.field}
        good = {code: text for code, text in typed.items() if code not in errors}  # the others are still worth seeing
        return page(request, "whatif.html", {**whatif(sc, good), "typed": typed, "errors": errors}, status=422)
