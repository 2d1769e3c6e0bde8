"""Goal-seek (最优路径): the least-effort way to a target index, from the latest known values."""

from __future__ import annotations

import math
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from stpi.engine.aggregate import MISSING_POLICIES
from stpi.i18n import add_messages
from stpi.queries.goalseek import BOUND_MODES
from stpi.queries.whatif import goalseek_options, goalseek_view
from stpi.web.auth import require
from stpi.web.render import cached, page, snap_of, store_of, t

__all__ = ["goalseek_context", "parse_form", "router"]

add_messages({
    "web.gs.title": ("最优路径", "Goal-seek"),
    "web.gs.intro": ("求出使综合指数达到目标、总努力最小的指标提升方案(线性规划精确求解)。起点为各指标截至起始年份的最新值(缺数时用基期值)。",
                     "The least-effort indicator improvements that lift the index to a target (solved exactly as a linear program), starting from each indicator's latest figure up to the start year (the baseline where none)."),
    "web.gs.target": ("目标指数(%)", "Target index (%)"),
    "web.gs.from_year": ("起始年份", "Start year"),
    "web.gs.bound": ("各指标可达上限", "Best attainable values"),
    "web.gs.missing": ("缺失值处理", "Missing values"),
    "web.gs.solve": ("求解", "Solve"),
    "web.gs.bad_target": ("目标指数应为大于 0、不超过 100 的数", "The target must be a number above 0 and at most 100"),
    "web.gs.bad_year": ("该年份没有数据;可选:{years}", "No figures in that year; choose from {years}"),
    "web.gs.bad_choice": ("请从列表中选择", "Choose one from the list"),
    "web.gs.reachable": ("目标可达:下表为总努力最小的提升方案", "The target is reachable: the least-effort improvements follow"),
    "web.gs.unreachable": ("在上限内无法达到目标 {target}:最高可达 {best}(下表为达到该最高值的最小努力方案)",
                           "The target {target} cannot be reached within the bounds: at best {best} (the table reaches that at least effort)"),
    "web.gs.verdict": ("能否达到", "Reachable"),
    "web.gs.yes": ("可达", "Yes"),
    "web.gs.no": ("不可达", "No"),
    "web.gs.start_index": ("{year}年起点指数", "Start index {year}"),
    "web.gs.achieved": ("方案可达指数", "Index reached"),
    "web.gs.max": ("上限内最高可达 {x}", "best within the bounds {x}"),
    "web.gs.effort": ("总努力", "Total effort"),
    "web.gs.effort_note": ("各指标相对提升之和", "sum of relative improvements"),
    "web.gs.moves": ("需提升的指标", "Indicators to move"),
    "web.gs.none": ("起点已达到目标,无需提升任何指标。", "The start already reaches the target; nothing needs to move."),
    "web.gs.from": ("现值", "From"),
    "web.gs.to": ("建议值", "To"),
    "web.gs.change": ("提升(%)", "Change (%)"),
    "web.gs.gain": ("指数增量(点)", "Index gain (pts)"),
    "web.gs.bound_source": ("上限来源", "Bound from"),
    "web.gs.gains_chart": ("各指标对指数的增量(点)", "Index gain of each indicator (pts)"),
    "web.gs.departments": ("牵头单位按努力份额排序", "Lead departments by their share of the effort"),
    "web.gs.dep_note": ("共同牵头的指标全额计入每个牵头单位,份额之和可超过 100%。", "Jointly led indicators count fully for each lead, so shares may add up to more than 100%."),
    "web.gs.department": ("牵头单位", "Lead department"),
    "web.gs.indicators": ("负责指标", "Indicators"),
    "web.gs.cost": ("努力", "Effort"),
    "web.gs.share": ("努力份额", "Share of effort"),
    "web.gs.marginal": ("各指标每提升 1% 的指数增量", "Index points per 1% improvement of each indicator"),
    "web.gs.marginal_note": ("从起点提升 1%(超过标准值的部分不计分);起点无数据的指标按目标值的 1% 计。", "From the start value (nothing past the standard counts); an indicator without a start value steps by 1% of its target."),
    "web.gs.per_pct": ("每 1%(点)", "Pts per 1%"),
    "web.gs.value": ("起点值", "Start value"),
    "web.gs.missing_start": ("起点无数据的指标(按 0 分起算):{codes}", "Indicators without a start value (start at score 0): {codes}"),
})

router = APIRouter()
Bound = Literal["target", "history", "max"]
Missing = Literal["propagate", "zero", "reweight"]


def goalseek_context(request: Request, *, target: float | None, from_year: int | None, bound: str, missing: str) -> dict[str, Any]:
    """The goal-seek context (memoised per parameters and store revision)."""
    require(request, "read")
    return cached(request, ("goalseek", target, from_year, bound, missing), lambda: goalseek_view(snap_of(request), target=target, from_year=from_year, bound=bound, missing=missing))


@router.get("/api/goalseek", tags=["pages"], summary="最优路径 Goal-seek")
def goalseek_json(
    request: Request,
    target: float | None = Query(None, gt=0, le=100, description="目标指数(默认规划目标) target index (default: the plan's goal)"),
    from_year: int | None = Query(None, ge=1900, le=2100, description="起始年份(默认最新) start year (default: latest with figures)"),
    bound: Bound = Query("max", description="上限 bound: target / history / max"),
    missing: Missing = Query("reweight", description="缺失值处理 missing-value policy"),
) -> dict[str, Any]:
    """The least-effort plan to reach the target, the marginal gains and the departments' shares."""
    return goalseek_context(request, target=target, from_year=from_year, bound=bound, missing=missing)


def parse_form(years: list[int], target: str, from_year: str, bound: str, missing: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The form's text as parameters, and a message per bad field."""
    params: dict[str, Any] = {"target": None, "from_year": None, "bound": bound or "max", "missing": missing or "reweight"}
    errors: dict[str, str] = {}
    if target.strip():
        try:
            value = float(target)
        except ValueError:
            value = math.nan
        if math.isfinite(value) and 0 < value <= 100:
            params["target"] = value
        else:
            errors["target"] = t("web.gs.bad_target")
    if from_year.strip():
        year = int(from_year) if from_year.strip().isdigit() else None
        if year in years:
            params["from_year"] = year
        else:
            errors["from_year"] = t("web.gs.bad_year", years="、".join(map(str, years)))
    for name, valid in (("bound", BOUND_MODES), ("missing", MISSING_POLICIES)):
        if params[name] not in valid:
            errors[name] = t("web.gs.bad_choice")
    return params, errors


@router.get("/goalseek", response_class=HTMLResponse, include_in_schema=False)
def goalseek_page(
    request: Request,
    target: str = Query("", max_length=32),
    from_year: str = Query("", max_length=8),
    bound: str = Query("", max_length=16),
    missing: str = Query("", max_length=16),
) -> HTMLResponse:
    """The goal-seek page: the form (GET, so a result is a link) and, when the form is valid, the result."""
    require(request, "read")
    options = cached(request, ("goalseek-options",), lambda: goalseek_options(snap_of(request)))
    params, errors = parse_form(options["years"], target, from_year, bound, missing)
    form = {"target": target or f"{options['goal_index']:g}", "from_year": from_year, "bound": params["bound"], "missing": params["missing"]}
    if errors:
        return page(request, "goalseek.html", {**options, "form": form, "errors": errors, "has_result": False}, status=422)
    ctx = goalseek_context(request, **params)
    form["from_year"] = str(ctx["params"]["from_year"])
    return page(request, "goalseek.html", {**ctx, "form": form, "errors": {}, "has_result": True})
