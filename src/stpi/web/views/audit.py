"""Audit log (审计日志): who changed what, when, the old and new value and why; filtered, paged, exported as CSV."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from stpi.errors import InputError, Problem
from stpi.i18n import add_messages
from stpi.queries.documents import Document, audit_log
from stpi.localtime import DEFAULT_ZONE, zone, zone_name
from stpi.store.core import Store, now
from stpi.store.records import AuditEntry, User
from stpi.store.settings import get_setting
from stpi.web.auth import allowed, require
from stpi.web.render import page, store_of, t

__all__ = ["AuditFilters", "audit_context", "audit_export", "audit_filters", "router"]

add_messages({
    "web.audit.title": ("审计日志", "Audit log"),
    "web.audit.intro": ("所有数据、账号、设置的变更与登录、下载均记录在此,按时间倒序,每页 {n} 条;时间为 UTC。", "Every change to figures, accounts and settings, every login and download, newest first, {n} per page; times in UTC."),
    "web.audit.filters": ("筛选", "Filters"),
    "web.audit.from": ("起始日期", "From"),
    "web.audit.to": ("截止日期", "To"),
    "web.audit.date_hint": ("含当天({zone}日期)", "inclusive ({zone} date)"),
    "web.audit.bad_date": ("日期格式应为 YYYY-MM-DD", "the date must be YYYY-MM-DD"),
    "web.audit.bad_range": ("截止日期早于起始日期", "the end date is before the start date"),
    "web.audit.apply": ("筛选", "Apply"),
    "web.audit.clear": ("清除筛选", "Clear"),
    "web.audit.export": ("导出 CSV(按当前筛选)", "Export CSV (these filters)"),
    "web.audit.none": ("没有符合条件的记录", "No entries match"),
    "web.audit.change": ("原值 → 新值", "Old → new"),
    "web.audit.page": ("第 {n} 页", "Page {n}"),
    "web.audit.prev": ("上一页", "Newer"),
    "web.audit.next": ("下一页", "Older"),
    "web.audit.shown": ("本页 {n} 条", "{n} entries on this page"),
    "web.audit.pages": ("翻页", "Pages"),
})

router = APIRouter()
PER_PAGE = 100
EXPORT_LIMIT = 100_000  # an export is bounded like every other request
ACTIONS = ("login", "login_failed", "create", "update", "write", "upload", "submit", "approve", "return", "revise", "lock", "import",
           "setting", "password", "enable", "disable", "download", "restore", "seed")
ENTITIES = ("observation", "batch", "upload", "year", "framework", "user", "account", "setting", "document", "region", "progress_note", "published_result", "store")


@dataclass(frozen=True)
class AuditFilters:
    """The filters as typed in (dates as text, checked by :func:`parse_dates`) and the page."""

    actor: str = ""
    action: str = ""
    entity: str = ""
    key: str = ""
    date_from: str = ""
    date_to: str = ""
    page: int = 1

    def query(self, **changes: Any) -> str:
        """The query string of these filters (empty ones left out), with ``changes`` applied."""
        items = {"actor": self.actor, "action": self.action, "entity": self.entity, "key": self.key, "from": self.date_from, "to": self.date_to, "page": self.page}
        items.update(changes)
        return urlencode({k: v for k, v in items.items() if v and not (k == "page" and v == 1)})


def audit_filters(
    actor: str = Query("", max_length=64, description="账号 account"),
    action: str = Query("", max_length=32, description="操作 action (login, approve, download …)"),
    entity: str = Query("", max_length=32, description="对象 entity (observation, user, document …)"),
    key: str = Query("", max_length=256, description="键包含 key contains"),
    date_from: str = Query("", alias="from", max_length=10, description="起始日期 from YYYY-MM-DD (display time zone, inclusive)"),
    date_to: str = Query("", alias="to", max_length=10, description="截止日期 to YYYY-MM-DD (display time zone, inclusive)"),
    page_no: int = Query(1, alias="page", ge=1, le=100_000, description="页码 page (newest first)"),
) -> AuditFilters:
    """The audit filters of a request (a FastAPI dependency shared by the page, its JSON twin and the export)."""
    return AuditFilters(actor.strip(), action.strip(), entity.strip(), key.strip(), date_from.strip(), date_to.strip(), page_no)


def _utc(day: date, zone_id: str) -> datetime:
    """Midnight at the start of ``day`` in the display zone, as the store's naive UTC."""
    return datetime.combine(day, datetime.min.time(), tzinfo=zone(zone_id)).astimezone(timezone.utc).replace(tzinfo=None)


def parse_dates(f: AuditFilters, zone_id: str = DEFAULT_ZONE) -> tuple[datetime | None, datetime | None, dict[str, str]]:
    """The UTC bounds [from, to + 1 day) of the days typed in, read in the display zone, and by field what is wrong with them."""
    errors: dict[str, str] = {}
    bounds: list[datetime | None] = []
    for name, text in (("from", f.date_from), ("to", f.date_to)):
        try:
            day = date.fromisoformat(text) if text else None
        except ValueError:
            errors[name], day = t("web.audit.bad_date"), None
        bounds.append(None if day is None else _utc(day + timedelta(days=int(name == "to")), zone_id))
    since, until = bounds
    if since and until and until <= since:
        errors["to"] = t("web.audit.bad_range")
    return since, until, errors


LOGINS = ("login", "login_failed")


def shown(entries: list[AuditEntry], user: User | None) -> list[AuditEntry]:
    """The entries as this reader may see them: where a login came from (its address) is the admin's to see, in the page, its JSON and the CSV."""
    if allowed(user, "manage"):
        return entries
    return [replace(e, old="", new="") if e.action in LOGINS else e for e in entries]


def _zone(store: Store) -> str:
    return str(get_setting(store, "display_timezone"))


def _entries(store: Store, user: User | None, f: AuditFilters, since: datetime | None, until: datetime | None, limit: int, offset: int) -> list[dict[str, Any]]:
    found = store.audit(actor=f.actor or None, action=f.action or None, entity=f.entity or None, key=f.key or None, since=since, until=until, limit=limit, offset=offset)
    return [{**asdict(e), "at": e.at.strftime("%Y-%m-%d %H:%M:%S")} for e in shown(found, user)]


def audit_context(request: Request, f: AuditFilters, per_page: int = PER_PAGE) -> dict[str, Any]:
    """One page of the filtered log (newest first) and links to its neighbours and its CSV export; dates are days in the display zone."""
    user = require(request, "audit")
    store = store_of(request)
    zone_id = _zone(store)
    since, until, errors = parse_dates(f, zone_id)
    rows = [] if errors else _entries(store, user, f, since, until, per_page + 1, (f.page - 1) * per_page)
    more = len(rows) > per_page
    return {
        "filters": {"actor": f.actor, "action": f.action, "entity": f.entity, "key": f.key, "from": f.date_from, "to": f.date_to},
        "errors": errors, "entries": rows[:per_page], "page": f.page, "per_page": per_page, "has_next": more, "has_prev": f.page > 1,
        "next_url": f"/audit?{f.query(page=f.page + 1)}" if more else None, "prev_url": f"/audit?{f.query(page=f.page - 1)}" if f.page > 1 else None,
        "export_url": "/downloads/audit.csv" + (f"?{q}" if (q := replace(f, page=1).query()) else ""),
        "actions": list(ACTIONS), "entities": list(ENTITIES), "zone": zone_id, "zone_name": zone_name(zone_id),
    }


@router.get("/api/audit", tags=["pages"], summary="审计日志 Audit log")
def audit_json(request: Request, f: AuditFilters = Depends(audit_filters), limit: int = Query(PER_PAGE, ge=1, le=1000, description="每页条数 entries per page")) -> dict[str, Any]:
    """The audit log filtered by account, action, entity, key and dates; newest first, ``limit`` per page."""
    ctx = audit_context(request, f, per_page=limit)
    if ctx["errors"]:
        raise InputError([Problem("query", None, name, reason, getattr(f, f"date_{name}")) for name, reason in ctx["errors"].items()])
    return ctx


@router.get("/audit", response_class=HTMLResponse, include_in_schema=False)
def audit_page(request: Request, f: AuditFilters = Depends(audit_filters)) -> HTMLResponse:
    """The audit log page; a bad date comes back at its field with status 422."""
    ctx = audit_context(request, f)
    return page(request, "audit.html", ctx, status=422 if ctx["errors"] else 200)


def audit_export(request: Request, f: AuditFilters) -> Document:
    """The filtered log as CSV (newest first, at most EXPORT_LIMIT entries); the export itself is audited."""
    user = require(request, "audit")
    store = store_of(request)
    since, until, errors = parse_dates(f, _zone(store))
    if errors:
        raise InputError([Problem("query", None, name, reason, getattr(f, f"date_{name}")) for name, reason in errors.items()])
    found = shown(store.audit(actor=f.actor or None, action=f.action or None, entity=f.entity or None, key=f.key or None, since=since, until=until, limit=EXPORT_LIMIT), user)
    document = audit_log(found, now().strftime("%Y%m%d"))
    with store.session() as s:
        Store.audit_in(s, user.username, "download", "document", "audit.csv", "", f"{len(found)} entries {replace(f, page=1).query()}".strip())
    return document
