"""Reporting rounds and due lists: stpi round open|list|deadline|status, stpi due."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any, Optional

import typer

from stpi import console
from stpi.cli.root import DatabaseOpt, UserOpt, app, open_store, reader
from stpi.i18n import add_messages, tr

round_app = typer.Typer(help="填报轮次：开启、截止日期、完成情况 Reporting rounds.", no_args_is_help=True)
app.add_typer(round_app, name="round")

add_messages({
    "round.opened": ("已开启{period}轮次：{n}项填报任务，截止日期{deadline}", "Round {period} opened: {n} tasks, deadline {deadline}"),
    "round.deadline_set": ("已为{reporter}的{n}项任务设定截止日期{deadline}", "Deadline {deadline} set for {n} tasks of {reporter}"),
    "round.none": ("尚未开启任何填报轮次（stpi round open --year 年份）", "No round opened yet (stpi round open --year YEAR)"),
    "round.list": ("填报轮次", "Reporting rounds"),
    "round.columns": ("期间|截止日期|状态|任务数|开启人", "Period|Deadline|Status|Tasks|Opened by"),
    "round.open": ("进行中", "open"),
    "round.closed": ("已关闭", "closed"),
    "due.title": ("填报任务（{n}项）", "Tasks ({n})"),
    "due.columns": ("填报单位|代码|指标|状态|截止日期|剩余天数|退回意见", "Reporter|Code|Indicator|Status|Deadline|Days left|Return comment"),
    "due.none": ("没有填报任务", "No tasks"),
    "round.status_title": ("{year}年填报完成情况：{approved}/{tasks}项已通过", "{year} round: {approved} of {tasks} tasks approved"),
    "round.status_columns": ("填报单位|已通过|任务数|逾期", "Reporter|Approved|Tasks|Overdue"),
})


def _date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise typer.BadParameter(f"日期应为 YYYY-MM-DD expected a date YYYY-MM-DD, got {text!r}", param_hint=option) from None


@round_app.command("open")
def round_open(
    year: Annotated[int, typer.Option("--year", help="年度 year")],
    period: Annotated[Optional[str], typer.Option("--period", help="调度期间 dispatch period, e.g. 2025Q3 / 2025M07 （默认：全年） default: the year")] = None,
    deadline: Annotated[Optional[str], typer.Option("--deadline", help="截止日期 deadline YYYY-MM-DD （默认按设置 yearly_deadline、period_deadline_days） default from the settings")] = None,
    reporter_deadline: Annotated[Optional[list[str]], typer.Option("--reporter-deadline", help="某填报单位自己的截止日期（可多次） a reporter's own deadline CODE=YYYY-MM-DD (repeatable)")] = None,
    no_counties: Annotated[bool, typer.Option("--no-counties", help="不给县区派任务 departments only")] = False,
    database: DatabaseOpt = None,
    user: UserOpt = "admin",
) -> None:
    """开启填报轮次：按牵头分工与模板内容为每个填报单位生成任务 Open a round: one task per (reporter, item)."""
    from stpi.cli.data import _admin
    from stpi.store import rounds
    own = {}
    for item in reporter_deadline or []:
        who, _, when = item.partition("=")
        own[who.strip()] = _date(when, "--reporter-deadline")
    store = _admin(database, user, tr("action.round"))
    found = rounds.open_round(store, year=year, period=period, deadline=_date(deadline, "--deadline") if deadline else None, deadlines=own,
                              counties=not no_counties, actor=user)
    console.out.print(tr("round.opened", period=found.period, n=found.tasks, deadline=found.deadline.isoformat()), style="green")


@round_app.command("deadline")
def round_deadline(
    period: Annotated[str, typer.Option("--period", help="轮次期间 round period, e.g. 2025")],
    reporter: Annotated[str, typer.Option("--reporter", help="填报单位代码或名称 reporter code or name")],
    deadline: Annotated[str, typer.Option("--deadline", help="截止日期 deadline YYYY-MM-DD")],
    database: DatabaseOpt = None,
    user: UserOpt = "admin",
) -> None:
    """为某填报单位单独设定截止日期 Give one reporter its own deadline."""
    from stpi.cli.data import _admin
    from stpi.store import rounds
    n = rounds.set_deadline(_admin(database, user, tr("action.round")), period=period, reporter=reporter, deadline=_date(deadline, "--deadline"), actor=user)
    console.out.print(tr("round.deadline_set", reporter=reporter, n=n, deadline=deadline), style="green")


@round_app.command("list")
def round_list(database: DatabaseOpt = None) -> None:
    """列出填报轮次 List rounds."""
    from stpi.store import rounds
    found = rounds.rounds(open_store(database))
    if not found:
        console.out.print(tr("round.none"))
        return
    rows = [[r.period, r.deadline.isoformat(), tr(f"round.{r.status}"), str(r.tasks), r.opened_by] for r in found]
    console.out.print(console.table(tr("round.list"), tr("round.columns").split("|"), rows, numeric_from=3))


@round_app.command("status")
def round_status(
    year: Annotated[Optional[int], typer.Option("--year", help="年度（默认：最近的轮次） year, default the latest round")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON output JSON")] = False,
    database: DatabaseOpt = None,
) -> None:
    """轮次完成情况：各部门、各县区、各指标，谁已逾期 Completeness of a round and who is overdue."""
    from stpi.queries.due import round_view
    view = round_view(reader(database), year=year)
    if as_json:
        typer.echo(json.dumps(view, ensure_ascii=False, indent=2))
        return
    if view["year"] is None:
        console.out.print(tr("round.none"))
        return
    total = view["total"]
    rows = [[r["reporter_name"], str(r["approved"]), str(r["tasks"]), "、".join(r["overdue"])] for r in view["departments"] + view["counties"]]
    console.out.print(console.table(tr("round.status_title", year=view["year"], approved=total["approved"], tasks=total["tasks"]), tr("round.status_columns").split("|"), rows))


def _rows(items: list[dict[str, Any]]) -> list[list[str]]:
    return [[t["reporter_name"], t["code"], t["name"], t["status_text"], t["deadline"], str(t["days_left"]), t["comment"]] for t in items]


@app.command()
def due(
    year: Annotated[Optional[int], typer.Option("--year", help="年度 year")] = None,
    reporter: Annotated[Optional[str], typer.Option("--reporter", help="填报单位代码或名称 reporter code or name")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON output JSON")] = False,
    database: DatabaseOpt = None,
) -> None:
    """待报清单：谁该报什么、何时截止、还剩几天 What is due from whom by when."""
    from stpi.queries.due import due_list
    items = due_list(reader(database), year=year, reporter=reporter)
    if as_json:
        typer.echo(json.dumps(items, ensure_ascii=False, indent=2))
        return
    if not items:
        console.out.print(tr("due.none"))
        return
    console.out.print(console.table(tr("due.title", n=len(items)), tr("due.columns").split("|"), _rows(items), numeric_from=5))
