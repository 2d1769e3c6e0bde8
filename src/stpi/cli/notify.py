"""Notices: stpi notify send|status|retry|email|smtp-password|webhook (the outbox, e-mail and group robots)."""

from __future__ import annotations

import json
from typing import Annotated, Optional

import typer

from stpi import console
from stpi.cli.root import DatabaseOpt, UserOpt, admin_store, app, open_store
from stpi.i18n import add_messages, tr

__all__ = ["notify_app"]

notify_app = typer.Typer(help="通知：发送待投递的邮件和群机器人消息、投递状态、邮箱、群机器人 Notices: the outbox, e-mail, group robots.", no_args_is_help=True)
webhook_app = typer.Typer(help="群机器人（企业微信、钉钉） Group robots (WeCom, DingTalk).", no_args_is_help=True)
app.add_typer(notify_app, name="notify")
notify_app.add_typer(webhook_app, name="webhook")

add_messages({
    "notify.pass": ("新消息 {told} 条；已投递 {sent}，待重试 {retried}，投递失败 {failed}", "{told} new messages; {sent} delivered, {retried} to retry, {failed} failed"),
    "notify.status": ("投递状态", "Deliveries"),
    "notify.columns": ("编号|渠道|接收方|标题|状态|次数|错误", "No.|Channel|To|Subject|Status|Attempts|Error"),
    "notify.counts": ("待投递 {pending} · 投递中 {sending} · 已投递 {sent} · 失败 {failed}", "pending {pending} · sending {sending} · sent {sent} · failed {failed}"),
    "notify.retried": ("已重新排队 {n} 条投递", "{n} deliveries queued again"),
    "notify.email_set": ("已设置 {user} 的通知邮箱：{email}", "Notice e-mail of {user}: {email}"),
    "notify.password_set": ("已设置发信密码（不显示，不写入备份）", "SMTP password set (not shown, never in a backup)"),
    "notify.webhook_added": ("已添加群机器人 {name}", "Robot {name} added"),
    "notify.webhook_removed": ("已停用群机器人 {name}", "Robot {name} disabled"),
    "notify.webhooks": ("群机器人", "Group robots"),
    "notify.reminded": ("已提醒 {n} 个填报单位", "{n} reporters reminded"),
    "notify.webhook_columns": ("名称|类型|接收单位|启用", "Name|Kind|Party|Active"),
})


@notify_app.command("send")
def notify_send(
    database: DatabaseOpt = None,
    lease_seconds: Annotated[int, typer.Option("--lease-seconds", min=1, help="一次投递的占用时长（秒）；进程中断后过期即重发 how long a claim holds (s); a dead sender's claims lapse after it")] = 120,
    as_json: Annotated[bool, typer.Option("--json", help="JSON 输出 JSON output")] = False,
) -> None:
    """生成待提醒的消息并投递到期的邮件和群机器人消息（一次，供 cron 使用） Tell new events and send what is due, once (for cron)."""
    from stpi.notify.worker import run_once
    from stpi.store import Store

    store = open_store(database)
    try:
        done = run_once(store, lease_seconds=lease_seconds)
    finally:
        store.close()
    if as_json:
        console.out.print_json(json.dumps(vars(done)))
    else:
        console.out.print(tr("notify.pass", **vars(done)), style="green" if not done.failed else "yellow")


@notify_app.command("status")
def notify_status(
    database: DatabaseOpt = None,
    status: Annotated[Optional[str], typer.Option("--status", help="pending / sending / sent / failed")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON 输出 JSON output")] = False,
    user: UserOpt = "admin",
) -> None:
    """投递状态（管理员） Delivery status (the admin)."""
    from stpi.store import outbox

    store = admin_store(database, user, tr("notify.status"))
    rows = outbox.deliveries(store, status=status)
    if as_json:
        out = [{"id": d.id, "channel": d.channel, "to": d.label, "subject": d.subject, "status": d.status, "attempts": d.attempts,
                "last_error": d.last_error, "created_at": d.created_at.isoformat(), "sent_at": d.sent_at.isoformat() if d.sent_at else None} for d in rows]
        console.out.print_json(json.dumps(out, ensure_ascii=False))
        return
    console.out.print(tr("notify.counts", **outbox.status_counts(store)))
    table = [[str(d.id), d.channel, d.label, d.subject, d.status, str(d.attempts), d.last_error[:60]] for d in rows]
    console.out.print(console.table(tr("notify.status"), tr("notify.columns").split("|"), table))


@notify_app.command("retry")
def notify_retry(ids: Annotated[Optional[list[int]], typer.Argument(help="投递编号（默认全部失败的） delivery numbers (default: every failed one)")] = None,
                 database: DatabaseOpt = None, user: UserOpt = "admin") -> None:
    """重新投递失败的通知 Send failed deliveries again."""
    from stpi.store import outbox

    store = admin_store(database, user, tr("notify.status"))
    console.out.print(tr("notify.retried", n=outbox.retry(store, list(ids) if ids else None, actor=user)), style="green")


@notify_app.command("email")
def notify_email(username: Annotated[str, typer.Argument(help="用户名 username")], email: Annotated[str, typer.Argument(help="邮箱（空字符串则删除） address ('' removes it)")],
                 database: DatabaseOpt = None, user: UserOpt = "admin") -> None:
    """设置账号的通知邮箱 Set an account's notice e-mail address."""
    from stpi.store.notices import set_email

    store = admin_store(database, user, tr("notify.status"))
    set_email(store, username, email, actor=user)
    console.out.print(tr("notify.email_set", user=username, email=email or "—"), style="green")


@notify_app.command("smtp-password")
def notify_smtp_password(
    password: Annotated[Optional[str], typer.Option("--password", prompt=True, hide_input=True, help="发信密码或授权码 the SMTP password (asked when not given)")] = None,
    database: DatabaseOpt = None, user: UserOpt = "admin",
) -> None:
    """设置发信账号的密码（不显示、不写入备份） Set the SMTP password (never shown, never in a backup)."""
    from stpi.store.notices import set_smtp_password

    store = admin_store(database, user, tr("notify.status"))
    set_smtp_password(store, password or "", actor=user)
    console.out.print(tr("notify.password_set"), style="green")


@webhook_app.command("add")
def webhook_add(
    name: Annotated[str, typer.Argument(help="名称 name")],
    url: Annotated[str, typer.Option("--url", help="群机器人的 Webhook 地址 the robot's webhook URL")],
    kind: Annotated[str, typer.Option("--kind", help="wecom（企业微信）或 dingtalk（钉钉）")] = "wecom",
    party: Annotated[str, typer.Option("--party", help="部门或县区代码；留空为市科技局 a department's or county's code; empty: the bureau")] = "",
    secret: Annotated[str, typer.Option("--secret", envvar="STPI_WEBHOOK_SECRET", help="钉钉机器人加签密钥（SEC 开头） a DingTalk robot's signing secret")] = "",
    database: DatabaseOpt = None, user: UserOpt = "admin",
) -> None:
    """添加群机器人 Add a group robot."""
    from stpi.store import outbox

    store = admin_store(database, user, tr("notify.webhooks"))
    outbox.webhook_add(store, name=name, kind=kind, url=url, party=party, secret=secret, actor=user)
    console.out.print(tr("notify.webhook_added", name=name), style="green")


@webhook_app.command("remove")
def webhook_remove(name: Annotated[str, typer.Argument(help="名称 name")], database: DatabaseOpt = None, user: UserOpt = "admin") -> None:
    """停用群机器人 Disable a group robot."""
    from stpi.store import outbox

    store = admin_store(database, user, tr("notify.webhooks"))
    outbox.webhook_remove(store, name, actor=user)
    console.out.print(tr("notify.webhook_removed", name=name), style="green")


@webhook_app.command("list")
def webhook_list(database: DatabaseOpt = None) -> None:
    """列出群机器人 List the group robots."""
    from stpi.store import Store
    from stpi.store import outbox

    rows = [[n, k, p or "市科技局 bureau", "✓" if a else "—"] for n, k, p, a in outbox.webhooks(open_store(database))]
    console.out.print(console.table(tr("notify.webhooks"), tr("notify.webhook_columns").split("|"), rows))


@notify_app.command("remind")
def notify_remind(reporter: Annotated[Optional[str], typer.Option("--reporter", help="填报单位代码或名称（默认：所有有逾期任务的） a reporter (default: every one with overdue tasks)")] = None,
                  database: DatabaseOpt = None, user: UserOpt = "admin") -> None:
    """催报：提醒一个填报单位（或所有逾期的）尽快报送 Remind one reporter, or every overdue one, of what it owes."""
    from stpi.store.notices import remind

    store = admin_store(database, user, tr("notify.status"))
    console.out.print(tr("notify.reminded", n=remind(store, actor=user, reporter=reporter)), style="green")
