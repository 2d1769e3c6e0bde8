"""County plans in the web app (县区目标): a county reporter enters its county's own targets, the bureau approves or returns them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from stpi.errors import InputError, Problem
from stpi.i18n import add_messages, get_lang
from stpi.store.county_targets import TargetEntry, county_targets, decide_county_targets, set_county_targets
from stpi.store.rules import acting_user
from stpi.web.auth import check_csrf, require
from stpi.web.render import page, store_of, t

__all__ = ["router"]

router = APIRouter()

add_messages({
    "web.ct.title": ("县区目标（县区实施方案）", "County targets (county plans)"),
    "web.ct.intro": ("各县区结合实际设定本县区各项指标的目标：县区填报员填写后提交，市科技局审核通过后用于县区进度、县区报表与进展通报；未设定的指标沿用实施方案的县区目标或全市目标。",
                     "Each county sets its own target per indicator: the county reporter enters and submits them, the bureau approves them, and approved targets are used by the county status, the counties report and the bulletin; indicators without one keep the plan's county target or the city's."),
    "web.ct.county": ("县区", "County"),
    "web.ct.target": ("本县区目标", "County's target"),
    "web.ct.default": ("实施方案目标", "Plan target"),
    "web.ct.status": ("状态", "Status"),
    "web.ct.submit": ("提交审核", "Submit for approval"),
    "web.ct.save_admin": ("保存（直接生效）", "Save (in force at once)"),
    "web.ct.approve": ("通过", "Approve"),
    "web.ct.return": ("退回", "Return"),
    "web.ct.comment": ("退回意见", "Comment for a return"),
    "web.ct.pending": ("待审核的县区目标", "County targets awaiting approval"),
    "web.ct.none": ("暂无待审核的目标", "Nothing awaits approval"),
    "web.ct.saved": ("已保存{n}项县区目标", "Saved {n} county targets"),
    "web.ct.decided": ("已处理{n}项", "{n} handled"),
    "web.ct.not_number": ("目标值不是数字", "The target is not a number"),
    "web.ct.st.submitted": ("待审核", "awaiting approval"), "web.ct.st.approved": ("已生效", "approved"), "web.ct.st.returned": ("已退回", "returned"),
    "web.cty.own_target": ("本县目标 {target}", "own target {target}"),
    "web.cty.own_link": ("各县区自己的目标（县区实施方案）", "The counties' own targets (county plans)"),
})


class TargetIn(BaseModel):
    """One county target as typed."""

    region: str = Field(max_length=16)
    code: str = Field(max_length=64)
    target: float
    baseline: float | None = None
    target_at_least: bool = False
    sub_targets: str = Field("", max_length=500)
    expected_version: int | None = None


class Decision(BaseModel):
    """Approve or return submitted targets: [region, code, version] each."""

    keys: list[tuple[str, str, int]]
    approve: bool
    comment: str = Field("", max_length=2000)


def targets_context(request: Request, **state: Any) -> dict[str, Any]:
    """The counties the user may set targets for, each indicator's plan target and the county's current one; the admin's queue."""
    user = require(request, "read")
    store = store_of(request)
    plan = store.plan()
    city = store.region(plan.region)
    counties = [r for r in store.regions(level="county") if r.parent == city.code and (user.role == "admin" or r.code == user.region)]
    current = {(x.region, x.code): x for x in county_targets(store)}
    default = {i.code: next((s.target for s in i.sub_targets if s.scope == "counties"), i.target) for i in plan.indicators}
    rows = []
    for c in counties:
        for ind in plan.indicators:
            x = current.get((c.code, ind.code))
            rows.append({"region": c.code, "region_name": c.name_en if get_lang() == "en" and c.name_en else c.name, "no": ind.no, "code": ind.code, "name": ind.label(get_lang()),
                         "unit": ind.unit, "default": default[ind.code], "target": None if x is None else x.target, "status": "" if x is None else x.status,
                         "version": None if x is None else x.version, "comment": "" if x is None else x.comment})
    pending = [r for r in rows if r["status"] == "submitted"] if user.role == "admin" else []
    return {"can_edit": user.role in ("admin", "county"), "is_admin": user.role == "admin", "rows": rows, "pending": pending, "saved": "", "error": "", **state}


@router.get("/api/counties/targets", tags=["pages"], summary="县区目标 County targets")
def targets_json(request: Request) -> dict[str, Any]:
    """The county targets the account may see and set."""
    return targets_context(request)


@router.post("/api/counties/targets", tags=["pages"], summary="填报县区目标 Set county targets")
def targets_set_json(request: Request, body: list[TargetIn]) -> dict[str, Any]:
    """A county reporter's targets are submitted for approval, the admin's are in force at once; all or none. Needs X-CSRF-Token."""
    user = require(request, "report")
    check_csrf(request, None)
    store = store_of(request)
    n = set_county_targets(store, [TargetEntry(**b.model_dump()) for b in body], user=acting_user(store, user.username), source="web")
    return {"saved": n}


@router.post("/api/counties/targets/decide", tags=["pages"], summary="审核县区目标 Approve or return county targets")
def targets_decide_json(request: Request, body: Decision) -> dict[str, Any]:
    """Approve or return submitted targets (admin), each named with the version read; all or none."""
    user = require(request, "review")
    check_csrf(request, None)
    store = store_of(request)
    return {"decided": decide_county_targets(store, body.keys, user=acting_user(store, user.username), approve=body.approve, comment=body.comment)}


@router.get("/counties/targets", response_class=HTMLResponse, include_in_schema=False)
def targets_page(request: Request, saved: str = "") -> HTMLResponse:
    """The county targets page."""
    return page(request, "county_targets.html", targets_context(request, saved=saved))


@router.post("/counties/targets", include_in_schema=False)
async def targets_form(request: Request) -> Response:
    """The form: every filled target cell (``t|REGION|CODE|VERSION``) written at once, or none."""
    user = require(request, "report")
    form = await request.form(max_fields=2000)
    check_csrf(request, str(form.get("csrf_token", "")))
    store = store_of(request)
    entries, problems = [], []
    for key, value in form.multi_items():
        if not key.startswith("t|") or not str(value).strip():
            continue
        _, region, code, version = (key.split("|") + [""])[:4]
        try:
            target = float(str(value).replace(",", ""))
        except ValueError:
            problems.append(Problem("<form>", None, f"{region}/{code}", t("web.ct.not_number"), str(value)))
            continue
        current = next((x for x in county_targets(store, region=region) if x.code == code), None)
        if current is not None and current.target == target and current.status != "returned":
            continue  # unchanged
        entries.append(TargetEntry(region, code, target, expected_version=int(version) if version.isdigit() else None))
    try:
        if problems:
            raise InputError(problems)
        n = set_county_targets(store, entries, user=acting_user(store, user.username), source="web") if entries else 0
    except InputError as exc:
        return page(request, "county_targets.html", targets_context(request, error="; ".join(f"{p.field}: {p.reason} ({p.value})" for p in exc.problems)), status=422)
    return RedirectResponse(f"/counties/targets?saved={t('web.ct.saved', n=n)}", status_code=303)


@router.post("/counties/targets/decide", include_in_schema=False)
async def targets_decide_form(request: Request) -> Response:
    """The admin's approve / return of the ticked targets."""
    user = require(request, "review")
    form = await request.form(max_fields=2000)
    check_csrf(request, str(form.get("csrf_token", "")))
    keys = [(r, c, int(v)) for item in form.getlist("key") for r, c, v in [str(item).split("|")] if v.isdigit()]
    store = store_of(request)
    try:
        n = decide_county_targets(store, keys, user=acting_user(store, user.username), approve=form.get("action") == "approve", comment=str(form.get("comment", "")))
    except InputError as exc:
        return page(request, "county_targets.html", targets_context(request, error=exc.problems[0].reason), status=422)
    return RedirectResponse(f"/counties/targets?saved={t('web.ct.decided', n=n)}", status_code=303)
