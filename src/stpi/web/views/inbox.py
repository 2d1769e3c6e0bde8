"""The inbox (消息): every notice for the logged-in account; and the outbox's delivery status for the admin."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field

from stpi.i18n import add_messages
from stpi.store import outbox
from stpi.store.notices import inbox, mark_read, unread_count
from stpi.web.auth import check_csrf, require
from stpi.web.render import page, store_of

__all__ = ["router"]

add_messages({
    "web.inbox.title": ("消息", "Inbox"),
    "web.inbox.intro": ("需要您处理的事项：数据被退回、督办单、截止提醒、逾期、督办反馈。", "What needs you: returned figures, supervision notices, deadline reminders, overdue tasks, replies."),
    "web.inbox.none": ("暂无消息。", "No messages."),
    "web.inbox.unread": ("未读 {n} 条", "{n} unread"),
    "web.inbox.read_all": ("全部标为已读", "Mark all read"),
    "web.inbox.read": ("标为已读", "Mark read"),
    "web.inbox.open": ("查看", "Open"),
    "web.inbox.new": ("未读", "unread"),
    "web.inbox.kind.returned": ("数据退回", "Returned"),
    "web.inbox.kind.supervision": ("督办", "Supervision"),
    "web.inbox.kind.reply": ("督办反馈", "Reply"),
    "web.inbox.kind.sent_back": ("督办退回", "Sent back"),
    "web.inbox.kind.closed": ("督办办结", "Closed"),
    "web.inbox.kind.deadline": ("截止提醒", "Deadline"),
    "web.inbox.kind.overdue": ("逾期", "Overdue"),
    "web.inbox.kind.reminder": ("催报", "Reminder"),
    "web.outbox.title": ("通知投递状态", "Notice deliveries"),
    "web.outbox.intro": ("邮件与群机器人消息由后台投递（至少一次，失败自动重试）；失败的可在此重新投递。", "E-mails and robot posts are delivered in the background (at least once, retried on failure); failed ones can be sent again here."),
    "web.outbox.counts": ("待投递 {pending} · 投递中 {sending} · 已投递 {sent} · 失败 {failed}", "pending {pending} · sending {sending} · sent {sent} · failed {failed}"),
    "web.outbox.retry": ("重新投递全部失败的", "Send every failed one again"),
    "web.outbox.none": ("暂无投递记录。", "No deliveries."),
    "web.outbox.cols": ("编号|渠道|接收方|标题|状态|次数|下次尝试|错误|投递时间", "No.|Channel|To|Subject|Status|Attempts|Next try|Error|Sent at"),
    "web.outbox.retried": ("已重新排队 {n} 条。", "{n} queued again."),
    "web.outbox.hint": ("发信服务器为下列 smtp_ 各项（密码不在网页显示）；群机器人与账号邮箱在此设置：",
                        "Mail goes by the smtp_ settings below (the password is never shown); robots and addresses are set here:"),
})

router = APIRouter()


class ReadIn(BaseModel):
    """Mark these messages read (none given: all)."""

    ids: list[int] | None = Field(None, max_length=1000)


class RetryIn(BaseModel):
    """Send these failed deliveries again (none given: all failed)."""

    ids: list[int] | None = Field(None, max_length=1000)


def inbox_context(request: Request) -> dict[str, Any]:
    """The account's messages, newest first, and how many are unread."""
    user = require(request, "read")
    store = store_of(request)
    items = [{"id": x.id, "kind": x.kind, "subject": x.subject, "body": x.body, "link": x.link, "at": x.created_at.isoformat(timespec="seconds"), "read": x.read}
             for x in inbox(store, user.username)]
    return {"messages": items, "unread": unread_count(store, user.username)}


@router.get("/api/inbox", tags=["inbox"], summary="消息 Inbox")
def inbox_json(request: Request) -> dict[str, Any]:
    """The logged-in account's messages and unread count."""
    return inbox_context(request)


@router.post("/api/inbox/read", tags=["inbox"], summary="标为已读 Mark read")
def inbox_read_json(request: Request, body: ReadIn) -> dict[str, Any]:
    """Mark messages read (X-CSRF-Token); another account's ids change nothing."""
    check_csrf(request, None)
    user = require(request, "read")
    return {"marked": mark_read(store_of(request), user.username, body.ids), "unread": unread_count(store_of(request), user.username)}


@router.get("/inbox", response_class=HTMLResponse, include_in_schema=False)
def inbox_page(request: Request) -> HTMLResponse:
    """The inbox page."""
    return page(request, "inbox.html", inbox_context(request))


@router.post("/inbox/read", response_class=HTMLResponse, include_in_schema=False)
def inbox_read_form(request: Request, csrf_token: str = Form(""), id: int | None = Form(None)) -> Any:
    """Mark one message (or all) read, then back to the inbox, or on to the message's page."""
    check_csrf(request, csrf_token)
    user = require(request, "read")
    mark_read(store_of(request), user.username, None if id is None else [id])
    return RedirectResponse("/inbox", status_code=303)


def outbox_context(request: Request, status: str | None = None) -> dict[str, Any]:
    """Every delivery with its status, attempts and error (the admin); a robot's URL is not shown."""
    require(request, "manage")
    store = store_of(request)
    rows = [{"id": d.id, "channel": d.channel, "to": d.label, "subject": d.subject, "status": d.status, "attempts": d.attempts,
             "next_at": d.next_at.isoformat(timespec="seconds"), "last_error": d.last_error, "created_at": d.created_at.isoformat(timespec="seconds"),
             "sent_at": d.sent_at.isoformat(timespec="seconds") if d.sent_at else None} for d in outbox.deliveries(store, status=status)]
    from stpi.web.views.notify_settings import notify_settings_context

    notify = notify_settings_context(request) | {"errors": {}, "form": {}, "saved": request.query_params.get("saved", "")}
    return {"deliveries": rows, "counts": outbox.status_counts(store), "retried": request.query_params.get("retried", ""), "notify": notify}


@router.get("/api/admin/outbox", tags=["admin"], summary="通知投递状态 Notice deliveries")
def outbox_json(request: Request, status: str | None = Query(None, max_length=16)) -> dict[str, Any]:
    """The outbox: each e-mail and robot post with its delivery status (the admin)."""
    return outbox_context(request, status)


@router.post("/api/admin/outbox/retry", tags=["admin"], summary="重新投递 Retry failed deliveries")
def outbox_retry_json(request: Request, body: RetryIn) -> dict[str, Any]:
    """Queue failed deliveries again (the admin; X-CSRF-Token)."""
    check_csrf(request, None)
    user = require(request, "manage")
    return {"retried": outbox.retry(store_of(request), body.ids, actor=user.username)}


@router.get("/admin/outbox", response_class=HTMLResponse, include_in_schema=False)
def outbox_page(request: Request, status: str | None = Query(None, max_length=16)) -> HTMLResponse:
    """The delivery status page."""
    return page(request, "outbox.html", outbox_context(request, status))


@router.post("/admin/outbox/retry", response_class=HTMLResponse, include_in_schema=False)
def outbox_retry_form(request: Request, csrf_token: str = Form("")) -> Any:
    """Queue every failed delivery again."""
    check_csrf(request, csrf_token)
    user = require(request, "manage")
    n = outbox.retry(store_of(request), None, actor=user.username)
    return RedirectResponse(f"/admin/outbox?retried={n}", status_code=303)
