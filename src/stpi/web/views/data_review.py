"""The approval queue (审核, admin): approve or return submitted figures with a comment; lock a year.

The reviewer acts on the figure vintages the page showed: one changed meanwhile makes the action a
409 conflict, and nothing moves. Same store functions and rules as ``stpi approve/return/lock``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.datastructures import FormData

from stpi.errors import ConflictError, InputError, Problem
from stpi.i18n import add_messages
from stpi.queries.data_page import YEAR_MAX, YEAR_MIN
from stpi.queries.review_page import lock, return_each, review_action, review_page
from stpi.web.auth import check_csrf, require
from stpi.web.render import cached, page, snap_of, store_of, t

__all__ = ["IdsIn", "LockIn", "ReturnIn", "review_context", "router"]

add_messages({
    "web.review.title": ("数据审核", "Review"),
    "web.review.intro": ("各单位报送的数据按单位、地区、年度分组;核对原值与新值后审核通过,或填写意见退回修改。", "Submitted figures grouped by reporter, region and year: compare old and new values, then approve, or return them with a comment."),
    "web.review.all_years": ("全部年度", "All years"),
    "web.review.pending": ("待审核 {n} 条", "{n} figure(s) waiting"),
    "web.review.shown": ("(本页显示前 {n} 条)", "(the first {n} shown)"),
    "web.review.empty": ("没有待审核的数据。", "Nothing waits for review."),
    "web.review.group": ("{who} · {region} · {year}年({n} 条)", "{who} · {region} · {year} ({n})"),
    "web.review.pick_approve": ("通过", "Approve"),
    "web.review.pick_return": ("退回", "Return"),
    "web.review.row_comment": ("本条退回意见", "Comment for this figure"),
    "web.review.row_comment_of": ("退回意见：{name}", "Return comment: {name}"),
    "web.review.all_but_returned": ("“全部审核通过”不会通过已勾选退回的数据；每条退回的数据带本条意见（未填则用下方的退回意见）。",
                                    "“Approve all” never approves a figure ticked for return; each returned figure carries its own comment (or the comment below when it has none)."),
    "web.review.kept_back": ("{n} 条已勾选退回的数据未通过，请填写意见后点击“退回”。", "{n} figure(s) ticked for return were not approved; add a comment and press Return."),
    "web.review.pick_approve_of": ("选择通过:{name}", "Select to approve: {name}"),
    "web.review.pick_return_of": ("选择退回:{name}", "Select to return: {name}"),
    "web.review.old": ("原值(已通过)", "Old (approved)"),
    "web.review.new": ("新值", "New"),
    "web.review.last_year": ("上年值", "Last year"),
    "web.review.change": ("较上年", "vs last year"),
    "web.review.jump": ("变化较大，请核对", "a large change: check it"),
    "web.review.raw": ("原始数据", "raw statistic"),
    "web.review.by": ("报送人", "By"),
    "web.review.approve_selected": ("审核通过所选", "Approve selected"),
    "web.review.approve_all": ("全部审核通过(本页 {n} 条)", "Approve all ({n} on this page)"),
    "web.review.return_title": ("退回所选数据", "Return the selected figures"),
    "web.review.comment": ("退回意见（各条未单独填写意见时使用，填报单位可见）", "Comment (used for each returned figure without its own; the reporter sees it)"),
    "web.review.return": ("退回所选", "Return selected"),
    "web.review.need_comment": ("退回须填写意见", "A return needs a comment"),
    "web.review.need_ids": ("请先在表中勾选数据", "Tick the figures in the table first"),
    "web.review.approved": ("已审核通过 {n} 条数据。", "{n} figure(s) approved."),
    "web.review.returned": ("已退回 {n} 条数据。", "{n} figure(s) returned."),
    "web.review.lock_title": ("锁定年度评价", "Lock a year's evaluation"),
    "web.review.lock_hint": ("锁定后该年数据冻结为“评价口径”,此后只能作为修订修改并保留原值。须该年全部数据已审核通过。", "Locking freezes the year's figures as evaluated; later changes are revisions that keep the original. Every figure of the year must be approved."),
    "web.review.locked_years": ("已锁定年度", "Locked years"),
    "web.review.none_locked": ("尚无", "none yet"),
    "web.review.lock_year": ("要锁定的年度", "Year to lock"),
    "web.review.lock_row": ("{year}年:已通过 {n} 条", "{year}: {n} approved"),
    "web.review.blocking": (",尚有 {text}", "; still {text}"),
    "web.review.lock": ("锁定…", "Lock…"),
    "web.review.confirm": ("确认锁定 {year} 年评价?将冻结已通过的 {n} 条数据,此操作不能撤销。", "Lock the {year} evaluation? {n} approved figures will be frozen; this cannot be undone."),
    "web.review.confirm_blocked": ("{year} 年尚有未审核通过的数据({text}),锁定会被拒绝。", "{year} still has figures not approved ({text}); locking will be refused."),
    "web.review.confirm_yes": ("确认锁定", "Yes, lock"),
    "web.review.confirm_tasks": ("{year} 年尚有 {n} 项填报任务未通过：{text}。", "{year} still has {n} task(s) not approved: {text}."),
    "web.review.force": ("仍然锁定（须说明原因，原因将显示在该年度的页面与文件中）", "Lock anyway (give the reason; it is shown wherever the year is)"),
    "web.review.force_reason": ("强制锁定的原因", "Reason for locking anyway"),
    "web.review.cancel": ("取消", "Cancel"),
    "web.review.locked": ("{year} 年评价已锁定({n} 条数据)。", "{year} locked ({n} figures)."),
    "web.review.nothing_lockable": ("没有可锁定的年度。", "No year to lock."),
})

router = APIRouter()
YearQuery = Query(None, ge=YEAR_MIN, le=YEAR_MAX, description="年度(默认全部) year (default: all)")
MAX_IDS = 5000


class IdsIn(BaseModel):
    """Figures to approve, by the id (one vintage) the review page showed."""

    ids: list[Annotated[int, Field(ge=1, le=2**62)]] = Field(min_length=1, max_length=MAX_IDS, description="数据版本 id figure vintage ids")


class ReturnIn(IdsIn):
    """Figures to return, with the comment the reporter will see."""

    comment: str = Field(min_length=1, max_length=1000, description="退回意见 comment")


class LockIn(BaseModel):
    """Lock a year; ``confirm`` must be true."""

    year: int = Field(ge=YEAR_MIN, le=YEAR_MAX, description="年度 year")
    confirm: bool = Field(False, description="确认锁定 confirm")
    force: bool = Field(False, description="尚有任务未通过也锁定(须 reason) lock although tasks are open (needs reason)")
    reason: str = Field("", max_length=200, description="强制锁定的原因 why (shown wherever the year is shown)")


def review_context(request: Request, year: int | None) -> dict[str, Any]:
    """The approval queue's context (admin)."""
    require(request, "review")
    return cached(request, ("review", year), lambda: review_page(snap_of(request), year=year))


def _render(request: Request, year: int | None, *, status: int = 200, **state: Any) -> HTMLResponse:
    ctx = review_context(request, year)
    view = {**ctx, "errors": {}, "alert": "", "comment": "", "confirm_lock": None, "flash": request.session.pop("flash", ""), **state}
    return page(request, "review.html", view, status=status)


def _ids(values: list[str]) -> list[int]:
    if len(values) > MAX_IDS or not all(v.isascii() and v.isdigit() and len(v) < 19 for v in values):
        raise InputError([Problem("<review>", None, "ids", "数据编号无效 invalid figure ids")])
    return [int(v) for v in values]


def _year_field(form: FormData) -> int | None:
    text = str(form.get("year", ""))
    return int(text) if text.isascii() and text.isdigit() and YEAR_MIN <= int(text) <= YEAR_MAX else None


def _back(year: int | None) -> str:
    return f"/data/review?year={year}" if year else "/data/review"


@router.get("/api/data/review", tags=["data"], summary="审核队列 Approval queue")
def review_json(request: Request, year: int | None = YearQuery) -> dict[str, Any]:
    """Submitted figures grouped by reporter, region and year, with old and new values; years that can be locked."""
    return review_context(request, year)


@router.get("/data/review", response_class=HTMLResponse, include_in_schema=False)
def review_view(request: Request, year: int | None = YearQuery) -> HTMLResponse:
    """The approval queue page."""
    return _render(request, year)


async def _review_form(request: Request, action: str) -> Response:
    """Approve or return from the page: the ticked ids (or every id shown, for 'approve all')."""
    form = await request.form(max_fields=4 * MAX_IDS + 10)
    check_csrf(request, str(form.get("csrf_token", "")))
    user = require(request, "review")
    year = _year_field(form)
    ticked_return = [str(v) for v in form.getlist("return_ids")]
    if action == "return":
        chosen = ticked_return or [str(v) for v in form.getlist("ids")]  # older clients post the returned ids as ids
    else:  # never approve a row ticked for return, not even by "approve all"
        chosen = [str(v) for v in form.getlist("shown" if form.get("all") else "ids") if str(v) not in set(ticked_return)]
    comment = str(form.get("comment", "")).strip()
    comments = {v: str(form.get(f"comment_{v}", "")).strip() or comment for v in chosen} if action == "return" else {}
    errors = {}
    if not chosen:
        errors["ids"] = t("web.review.need_ids")
    if action == "return" and not all(comments.values()):
        errors["comment"] = t("web.review.need_comment")
    if any(len(c) > 1000 for c in [comment, *comments.values()]):
        errors["comment"] = "意见不能超过 1000 字 at most 1000 characters"
    if errors:
        return _render(request, year, errors=errors, comment=comment, status=422)
    try:
        if action == "return":
            n = return_each(store_of(request), username=user.username, comments=dict(zip(_ids(list(comments)), comments.values())))
        else:
            n = review_action(store_of(request), username=user.username, action=action, ids=_ids(chosen), comment=comment)
    except ConflictError as exc:
        return _render(request, year, alert=str(exc), comment=comment, status=409)
    kept = len(ticked_return) if action == "approve" else 0
    request.session["flash"] = t("web.review.approved" if action == "approve" else "web.review.returned", n=n) + (" " + t("web.review.kept_back", n=kept) if kept else "")
    return RedirectResponse(_back(year), status_code=303)


@router.post("/data/review/approve", include_in_schema=False)
async def approve_form(request: Request) -> Response:
    """Approve the ticked figures, or all shown."""
    return await _review_form(request, "approve")


@router.post("/data/review/return", include_in_schema=False)
async def return_form(request: Request) -> Response:
    """Return the ticked figures with a comment."""
    return await _review_form(request, "return")


@router.post("/data/review/lock", include_in_schema=False)
async def lock_form(request: Request) -> Response:
    """Lock a year: first a confirmation step, then the lock."""
    form = await request.form(max_fields=10)
    check_csrf(request, str(form.get("csrf_token", "")))
    user = require(request, "lock")
    year = _year_field(form)
    if year is None:
        return _render(request, None, errors={"lock": t("web.review.nothing_lockable")}, status=422)
    if form.get("confirm") != "1":
        ctx = review_context(request, None)
        row = next((r for r in ctx["lockable"] if r["year"] == year), {"year": year, "approved": 0, "blocking": {}, "blocking_text": ""})
        return _render(request, None, confirm_lock=row)
    try:
        n = lock(store_of(request), username=user.username, year=year, force=form.get("force") == "1", reason=str(form.get("reason", ""))[:200])
    except ConflictError as exc:
        return _render(request, None, alert=str(exc), status=409)
    request.session["flash"] = t("web.review.locked", year=year, n=n)
    return RedirectResponse("/data/review", status_code=303)


@router.post("/api/data/approve", tags=["data"], summary="审核通过 Approve figures")
def approve_json(request: Request, body: IdsIn) -> dict[str, Any]:
    """Approve exactly these figure vintages; 409 if any changed since read. Admin; needs X-CSRF-Token."""
    check_csrf(request, None)
    user = require(request, "review")
    return {"approved": review_action(store_of(request), username=user.username, action="approve", ids=body.ids)}


@router.post("/api/data/return", tags=["data"], summary="退回并附意见 Return figures with a comment")
def return_json(request: Request, body: ReturnIn) -> dict[str, Any]:
    """Return exactly these figure vintages with a comment; 409 if any changed since read. Admin; needs X-CSRF-Token."""
    check_csrf(request, None)
    user = require(request, "review")
    return {"returned": review_action(store_of(request), username=user.username, action="return", ids=body.ids, comment=body.comment)}


@router.post("/api/data/lock", tags=["data"], summary="锁定年度评价 Lock a year")
def lock_json(request: Request, body: LockIn) -> dict[str, Any]:
    """Freeze a year's evaluation (confirm must be true); 409 while figures wait for approval. Admin; needs X-CSRF-Token."""
    check_csrf(request, None)
    user = require(request, "lock")
    if not body.confirm:
        raise InputError([Problem("<lock>", None, "confirm", "锁定须确认(confirm: true) locking needs confirm: true")])
    return {"year": body.year, "locked": lock(store_of(request), username=user.username, year=body.year, force=body.force, reason=body.reason)}
