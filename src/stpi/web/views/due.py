"""What is due (待报任务): a reporter's tasks with deadlines and days left; the admin's view of the round, and opening one."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from stpi.errors import ConflictError, InputError, NotFoundError
from stpi.i18n import add_messages
from stpi.queries.due import due_list, round_view
from stpi.store.records import User
from stpi.web.auth import check_csrf, require
from stpi.web.render import cached, page, snap_of, store_of, t

__all__ = ["due_context", "router"]

add_messages({
    "web.nav.due": ("待报任务", "Due"),
    "web.due.title": ("待报任务", "What is due"),
    "web.due.intro": ("本单位在各填报轮次中应报的数据：截止日期、剩余天数、状态；点“填报”录入，或下载模板填好后上传。",
                      "What you owe in each reporting round: deadline, days left, status; press “Enter” to report a figure, or download the template and upload it."),
    "web.due.intro_admin": ("各填报轮次的完成情况：按部门、县区和指标统计，列出逾期单位。", "Each round's completeness by department, county and indicator, and who is overdue."),
    "web.due.none": ("目前没有分派给本单位的填报任务。", "No tasks for you at the moment."),
    "web.due.no_round": ("尚未开启填报轮次。", "No round has been opened yet."),
    "web.due.reporter": ("填报单位", "Reporter"),
    "web.due.code": ("代码", "Code"),
    "web.due.name": ("指标", "Indicator"),
    "web.due.status": ("状态", "Status"),
    "web.due.deadline": ("截止日期", "Deadline"),
    "web.due.days_left": ("剩余天数", "Days left"),
    "web.due.gives": ("填报内容", "What to give"),
    "web.due.comment": ("退回意见", "Return comment"),
    "web.due.enter": ("填报", "Enter"),
    "web.due.template": ("下载{year}年填报模板", "Download the {year} template"),
    "web.due.summary": ("共{n}项：未报{due}、逾期{overdue}、已报送{submitted}、已退回{returned}、已通过{approved}",
                        "{n} tasks: {due} due, {overdue} overdue, {submitted} submitted, {returned} returned, {approved} approved"),
    "web.due.round": ("{year}年轮次完成情况：{approved}/{tasks}项已通过", "{year} round: {approved} of {tasks} tasks approved"),
    "web.due.departments": ("各部门", "Departments"),
    "web.due.counties": ("各县区", "Counties"),
    "web.due.indicators": ("各指标", "Indicators"),
    "web.due.approved": ("已通过", "Approved"),
    "web.due.tasks": ("任务数", "Tasks"),
    "web.due.overdue": ("逾期", "Overdue"),
    "web.due.overdue_title": ("逾期单位", "Overdue reporters"),
    "web.due.no_overdue": ("没有逾期的单位。", "Nobody is overdue."),
    "web.due.open_title": ("开启填报轮次", "Open a round"),
    "web.due.open_year": ("年度", "Year"),
    "web.due.open_period": ("调度期间（可空，如 2025Q3）", "Dispatch period (optional, e.g. 2025Q3)"),
    "web.due.open_deadline": ("截止日期（可空，默认按设置）", "Deadline (optional; default from the settings)"),
    "web.due.open": ("开启", "Open"),
    "web.due.open_own": ("个别单位的截止日期（可空，每行一个：单位=日期，如 市财政局=2026-04-15）", "Some reporters' own deadlines (optional, one per line: reporter=date, e.g. 市财政局=2026-04-15)"),
    "web.due.opened": ("已开启{period}轮次：{n}项填报任务，截止日期{deadline}。", "Round {period} opened: {n} tasks, deadline {deadline}."),
    "web.due.bad_date": ("日期应为 YYYY-MM-DD", "Dates look like YYYY-MM-DD"),
    "web.due.remind": ("催报", "Remind"),
    "web.due.remind_of": ("催报：{name}", "Remind {name}"),
    "web.due.remind_all": ("催报全部逾期单位", "Remind every overdue reporter"),
    "web.due.reminded": ("已向{n}个填报单位发出催报。", "Reminders sent to {n} reporter(s)."),
})

router = APIRouter()
YearQuery = Query(None, ge=1900, le=2100, description="年度（默认全部） year (default: all)")


def _reporter(user: User) -> str | None:
    """The reporter a department or county account reports for (None: the admin or a viewer sees everyone)."""
    if user.role == "department":
        return user.department
    if user.role == "county":
        return user.region
    return None


def due_context(request: Request, year: int | None, reporter: str | None = None) -> dict[str, Any]:
    """The tasks the account owes (a reporter) or may see (the admin and viewers: everyone's, and the round's completeness)."""
    user = require(request, "read")
    own = _reporter(user)
    who = own if own is not None or user.role in ("department", "county") else reporter
    today = date.today()
    tasks = cached(request, ("due", year, who, today.isoformat()), lambda: due_list(snap_of(request), year=year, reporter=who, today=today)) if who or user.role not in ("department", "county") else []
    counts = {s: sum(x["status"] == s for x in tasks) for s in ("due", "overdue", "submitted", "returned", "approved")}
    years = sorted({x["year"] for x in tasks})
    view = None if own is not None else cached(request, ("round", year, today.isoformat()), lambda: round_view(snap_of(request), year=year, today=today))
    return {"year": year, "years": years, "reporter": who, "is_reporter": user.role in ("department", "county"), "tasks": tasks, "counts": counts,
            "template_year": years[-1] if years else None, "round": view, "flash": ""}


@router.get("/api/due", tags=["data"], summary="待报任务 What is due")
def due_json(request: Request, year: int | None = YearQuery, reporter: str | None = Query(None, max_length=64, description="填报单位（管理员、只读） reporter (admin, viewer)")) -> dict[str, Any]:
    """A reporter's tasks (each: reporter, code, name, status, deadline, days_left, comment …); for the admin also the round's completeness."""
    return due_context(request, year, reporter)


@router.get("/due", response_class=HTMLResponse, include_in_schema=False)
def due_html(request: Request, year: int | None = YearQuery, reporter: str | None = Query(None, max_length=64)) -> HTMLResponse:
    """The due list: a reporter's home page."""
    ctx = due_context(request, year, reporter)
    ctx["flash"] = request.session.pop("flash", "")
    return page(request, "due.html", ctx)


@router.post("/due/remind", include_in_schema=False)
async def remind_form(request: Request) -> Response:
    """Remind one reporter of what it still owes, or every overdue reporter (the admin); each reminder is a notice."""
    from stpi.store import notices

    form = await request.form(max_fields=10)
    check_csrf(request, str(form.get("csrf_token", "")))
    user = require(request, "manage")
    reporter = str(form.get("reporter", "")).strip()[:64] or None
    try:
        n = notices.remind(store_of(request), actor=user.username, reporter=reporter)
    except (ConflictError, InputError, NotFoundError) as exc:
        request.session["flash"] = str(exc)
        return RedirectResponse("/due", status_code=303)
    request.session["flash"] = t("web.due.reminded", n=n)
    return RedirectResponse("/due", status_code=303)


@router.post("/due/open", include_in_schema=False)
async def open_form(request: Request) -> Response:
    """Open a round from the page (the admin)."""
    from stpi.store import rounds
    from stpi.store.rules import acting_user, check_admin

    form = await request.form(max_fields=10)
    check_csrf(request, str(form.get("csrf_token", "")))
    user = require(request, "manage")
    store = store_of(request)
    check_admin(acting_user(store, user.username), t("action.round"))
    try:
        year = int(str(form.get("year", "")))
        text = str(form.get("deadline", "")).strip()
        deadline = date.fromisoformat(text) if text else None
        own = {who.strip(): date.fromisoformat(when.strip()) for line in str(form.get("deadlines", "")).splitlines() if line.strip()
               for who, _, when in [line.replace("＝", "=").partition("=")]}
    except ValueError:
        request.session["flash"] = t("web.due.bad_date")
        return RedirectResponse("/due", status_code=303)
    try:
        found = rounds.open_round(store, year=year, period=str(form.get("period", "")).strip() or None, deadline=deadline, deadlines=own, actor=user.username)
    except (ConflictError, InputError, NotFoundError) as exc:
        request.session["flash"] = str(exc)
        return RedirectResponse("/due", status_code=303)
    request.session["flash"] = t("web.due.opened", period=found.period, n=found.tasks, deadline=found.deadline.isoformat())
    return RedirectResponse("/due", status_code=303)
