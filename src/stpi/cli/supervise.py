"""Supervision notices (督办单): stpi supervision issue|list|reply|return|close|ledger|notice."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer

from stpi import console
from stpi.cli.root import DatabaseOpt, OutputOpt, UserOpt, admin_store, app, emit, open_store
from stpi.i18n import add_messages, tr

__all__ = ["supervision_app"]

supervision_app = typer.Typer(help="督办：下发督办单、部门反馈、退回、办结、督办台账、督办通知 Supervision notices.", no_args_is_help=True)
app.add_typer(supervision_app, name="supervision")

add_messages({
    "sv.issued": ("已下发{number}：{department} {subject}（截止{deadline}）", "Issued {number} to {department}: {subject} (due {deadline})"),
    "sv.moved": ("{number}现为：{status}", "{number} is now: {status}"),
    "sv.title": ("督办单（{n}件）", "Supervision notices ({n})"),
    "sv.columns": ("编号|督办单位|事项|截止日期|状态|逾期", "No.|Department|Subject|Deadline|Status|Overdue"),
    "sv.action": ("督办", "supervision"),
    "sv.reporter_only": ("只有部门填报员可以反馈督办单", "Only a department's reporter may reply to a notice"),
})


def _date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise typer.BadParameter(f"日期应为 YYYY-MM-DD expected a date YYYY-MM-DD, got {text!r}", param_hint=option) from None


def _status(status: str) -> str:
    from stpi.i18n import get_lang
    from stpi.reports.supervision_docs import STATUS_WORDS

    return STATUS_WORDS[status][1 if get_lang() == "en" else 0]


@supervision_app.command("issue")
def sv_issue(
    department: Annotated[str, typer.Option("--department", help="部门代码或名称 department code or name")],
    subject: Annotated[str, typer.Option("--subject", help="督办事项 subject")],
    deadline: Annotated[str, typer.Option("--deadline", help="反馈截止日期 reply by (YYYY-MM-DD)")],
    request: Annotated[str, typer.Option("--request", help="督办要求 what is asked")] = "说明原因并提出整改措施",
    origin: Annotated[str, typer.Option("--origin", help="来源 warning / indicator / task / free")] = "free",
    ref: Annotated[str, typer.Option("--ref", help="来源的指标代码或任务 the indicator or task it comes from")] = "",
    database: DatabaseOpt = None, user: UserOpt = "admin",
) -> None:
    """下发督办单（管理员） Issue a supervision notice (the admin)."""
    from stpi.store import supervision as sv

    store = admin_store(database, user, tr("sv.action"))
    x = sv.issue(store, department_code=department, subject=subject, request=request, deadline=_date(deadline, "--deadline"), actor=user, origin=origin, origin_ref=ref)
    console.out.print(tr("sv.issued", number=x.number, department=x.department_name, subject=x.subject, deadline=x.deadline.isoformat()), style="green")


@supervision_app.command("list")
def sv_list(
    department: Annotated[Optional[str], typer.Option("--department", help="部门代码或名称 department")] = None,
    status: Annotated[Optional[str], typer.Option("--status", help="open / replied / returned / closed / overdue")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON 输出 JSON output")] = False,
    database: DatabaseOpt = None,
) -> None:
    """列出督办单 List supervision notices."""
    from stpi.store import Store
    from stpi.store import supervision as sv

    items = sv.supervisions(open_store(database), department_code=department, status=status)
    if as_json:
        out = [{"id": x.id, "number": x.number, "department": x.department, "subject": x.subject, "request": x.request, "deadline": x.deadline.isoformat(),
                "status": x.status, "overdue": x.overdue, "replied_on_time": x.replied_on_time, "version": x.version} for x in items]
        console.out.print_json(json.dumps(out, ensure_ascii=False))
        return
    rows = [[x.number, x.department_name, x.subject, x.deadline.isoformat(), _status(x.status), "⚠" if x.overdue else ""] for x in items]
    console.out.print(console.table(tr("sv.title", n=len(items)), tr("sv.columns").split("|"), rows))


def _current(store: object, sid: int) -> int:
    from stpi.store import supervision as sv

    return sv.supervision(store, sid).version  # type: ignore[arg-type]


@supervision_app.command("reply")
def sv_reply(
    sid: Annotated[int, typer.Argument(help="督办单编号（id） notice id")],
    measures: Annotated[str, typer.Option("--measures", help="已采取的措施 measures taken")],
    effect: Annotated[str, typer.Option("--effect", help="预期效果 expected effect")],
    attach: Annotated[Optional[list[Path]], typer.Option("--attach", exists=True, dir_okay=False, help="附件（可多次） files (repeatable)")] = None,
    database: DatabaseOpt = None, user: UserOpt = "admin",
) -> None:
    """部门反馈督办单 A department replies to a notice."""
    from stpi.errors import ForbiddenError
    from stpi.store import Store
    from stpi.store import supervision as sv
    from stpi.store.rules import acting_user

    store = open_store(database)
    account = acting_user(store, user)
    if account.role != "department":
        raise ForbiddenError(tr("sv.reporter_only"))
    files = [(p.name, p.read_bytes()) for p in attach or []]
    x = sv.reply(store, sid, version=_current(store, sid), actor=user, as_department=account.department, measures=measures, effect=effect, files=files)
    console.out.print(tr("sv.moved", number=x.number, status=_status(x.status)), style="green")


@supervision_app.command("return")
def sv_return(
    sid: Annotated[int, typer.Argument(help="督办单编号（id） notice id")],
    comment: Annotated[str, typer.Option("--comment", help="退回意见 why it goes back")],
    deadline: Annotated[Optional[str], typer.Option("--deadline", help="新的截止日期 a new deadline (YYYY-MM-DD)")] = None,
    database: DatabaseOpt = None, user: UserOpt = "admin",
) -> None:
    """退回部门反馈（管理员） Send a reply back (the admin)."""
    from stpi.store import supervision as sv

    store = admin_store(database, user, tr("sv.action"))
    x = sv.send_back(store, sid, version=_current(store, sid), actor=user, comment=comment, deadline=_date(deadline, "--deadline") if deadline else None)
    console.out.print(tr("sv.moved", number=x.number, status=_status(x.status)), style="green")


@supervision_app.command("close")
def sv_close(sid: Annotated[int, typer.Argument(help="督办单编号（id） notice id")], comment: Annotated[str, typer.Option("--comment", help="办结意见 closing remark")] = "",
             database: DatabaseOpt = None, user: UserOpt = "admin") -> None:
    """办结督办单（管理员） Close a notice (the admin)."""
    from stpi.store import supervision as sv

    store = admin_store(database, user, tr("sv.action"))
    x = sv.close(store, sid, version=_current(store, sid), actor=user, comment=comment)
    console.out.print(tr("sv.moved", number=x.number, status=_status(x.status)), style="green")


@supervision_app.command("ledger")
def sv_ledger(output: OutputOpt = None, year: Annotated[Optional[int], typer.Option("--year", help="下发年度 year of issue")] = None, database: DatabaseOpt = None) -> None:
    """督办台账（Excel，A4 横向打印） The ledger of notices (XLSX, prints on A4)."""
    from stpi.queries.supervision import ledger_bytes

    emit(ledger_bytes(open_store(database), year=year), output)


@supervision_app.command("notice")
def sv_notice(sid: Annotated[int, typer.Argument(help="督办单编号（id） notice id")], output: OutputOpt = None, database: DatabaseOpt = None) -> None:
    """督办通知（Word，公文格式） One notice as a Word document in the official layout."""
    from stpi.queries.supervision import notice_bytes

    emit(notice_bytes(open_store(database), sid), output)
