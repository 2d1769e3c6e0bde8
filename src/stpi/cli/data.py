"""Commands on the store: database, workflow, audit, accounts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Optional

import typer

from stpi import console
from stpi.cli.root import DatabaseOpt, UserOpt, app, open_store, reader
from stpi.i18n import add_messages, tr

if TYPE_CHECKING:
    from stpi.errors import Problem
    from stpi.store.core import Store

db_app = typer.Typer(help="数据库:升级、备份、恢复 Database.", no_args_is_help=True)
user_app = typer.Typer(help="账号:添加、列出、停用 Accounts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")

YearOpt = Annotated[Optional[int], typer.Option("--year", help="年份 year")]
RegionOpt = Annotated[Optional[list[str]], typer.Option("--region", help="地区(可多次) region code or name (repeatable)")]
CodeOpt = Annotated[Optional[list[str]], typer.Option("--code", help="指标代码(可多次) indicator code (repeatable)")]
KeyFileOpt = Annotated[Optional[str], typer.Option("--key-file", help="备份密钥文件(默认:环境变量 STPI_BACKUP_KEY,或数据目录中的 backup.key) backup key file")]


def _admin(database: str | None, user: str, action: str) -> Store:
    from stpi.store.rules import acting_user, check_admin
    store = open_store(database)
    check_admin(acting_user(store, user), action)
    return store


@db_app.command("upgrade")
def db_upgrade(database: DatabaseOpt = None) -> None:
    """升级数据库结构到最新版本(首次使用时创建并写入内置实施方案) Migrate the schema."""
    from stpi.store.core import Store
    from stpi.store.db import current_revision, upgrade
    store = Store(database, prepare=False)
    copy = upgrade(store.engine)
    if copy is not None:
        console.out.print(tr("db_copy", path=copy))
    store.prepare()
    console.out.print(tr("db_at", url=store.engine.url.render_as_string(hide_password=True), rev=current_revision(store.engine)), style="green")


@db_app.command("info")
def db_info(database: DatabaseOpt = None) -> None:
    """数据库位置、版本与内容概况 Where the database is and what it holds."""
    from stpi.store import observations as ob
    from stpi.store.core import Store
    from stpi.store.db import current_revision, head_revision
    store = open_store(database)
    rows = [
        [tr("db_url"), store.engine.url.render_as_string(hide_password=True)],
        [tr("db_revision"), f"{current_revision(store.engine)} (head {head_revision()})"],
        [tr("db_regions"), str(len(store.regions()))],
        [tr("db_frameworks"), "; ".join(f"{y}: {t}" for y, t, _, _ in store.framework_versions())],
        [tr("db_figures"), str(len(ob.observations(store)))],
        [tr("db_locked"), ", ".join(map(str, ob.locked_years(store))) or "—"],
    ]
    console.out.print(console.table("stpi", ["", ""], rows))


@db_app.command("backup")
def db_backup(file: Annotated[str, typer.Argument(help="备份文件 backup file (.zip)")], database: DatabaseOpt = None, key_file: KeyFileOpt = None) -> None:
    """备份整个数据库到一个文件(SQLite 与 PostgreSQL 通用,以备份密钥签名) Back up the whole store (signed with the backup key)."""
    from stpi.store import backup as backups
    from stpi.store.core import Store
    from stpi.store.backupkey import load_key
    counts = backups.backup(open_store(database), file, key_file=key_file)
    key = load_key(key_file)
    console.out.print(tr("backed_up", path=file, n=sum(counts.values()), keyfile=key.origin if key else "?"), style="green")


@db_app.command("restore")
def db_restore(
    file: Annotated[str, typer.Argument(help="备份文件 backup file (.zip)")],
    database: DatabaseOpt = None,
    yes: Annotated[bool, typer.Option("--yes", help="确认用备份替换当前全部数据 confirm replacing all current data")] = False,
    key_file: KeyFileOpt = None,
) -> None:
    """用备份替换数据库内容(全部成功或全部不变;会话密钥随之更换) Restore the store from a backup (the session key is renewed)."""
    from stpi.store import backup as backups
    from stpi.store.core import Store
    if not yes:
        typer.confirm(tr("confirm_restore"), abort=True)
    counts = backups.restore(open_store(database), file, key_file=key_file)
    console.out.print(tr("restored", path=file, n=sum(counts.values())), style="green")


def _transition(action: str, database: str | None, user: str, year: int | None, region: list[str] | None, code: list[str] | None, comment: str = "") -> None:
    """One workflow step; a figure someone else changed meanwhile makes it a conflict (exit 1, naming the figure), and nothing moves."""
    from stpi.store import observations as ob
    from stpi.store.core import Store
    from stpi.store.rules import acting_user, check_admin, submit_scope
    store = open_store(database)
    actor = acting_user(store, user)
    entered_by = None
    if action == "submit":  # a reporter submits only its own drafts
        scope = submit_scope(store, actor, regions=region, codes=code)
        region, code, entered_by = scope.regions, scope.codes, scope.entered_by
    else:
        check_admin(actor, tr(f"action.{action}"))
    n = ob.transition(store, action, actor=user, year=year, regions=region, codes=code, comment=comment, entered_by=entered_by)
    console.out.print(tr("transitioned", n=n, action=tr(f"action.{action}")), style="green")


@app.command()
def submit(year: YearOpt = None, region: RegionOpt = None, code: CodeOpt = None, database: DatabaseOpt = None, user: UserOpt = "admin") -> None:
    """把草稿或退回的数据报送审核 Submit draft or returned figures."""
    _transition("submit", database, user, year, region, code)


@app.command()
def approve(year: YearOpt = None, region: RegionOpt = None, code: CodeOpt = None, database: DatabaseOpt = None, user: UserOpt = "admin") -> None:
    """审核通过已报送的数据(市科技局) Approve submitted figures."""
    _transition("approve", database, user, year, region, code)


@app.command("return")
def return_(
    comment: Annotated[str, typer.Option("--comment", help="退回意见(必填) why the figures go back")],
    year: YearOpt = None,
    region: RegionOpt = None,
    code: CodeOpt = None,
    database: DatabaseOpt = None,
    user: UserOpt = "admin",
) -> None:
    """退回已报送的数据并附意见 Return submitted figures with a comment."""
    _transition("return", database, user, year, region, code, comment)


@app.command()
def lock(
    year: Annotated[int, typer.Option("--year", help="年份 year")],
    force: Annotated[bool, typer.Option("--force", help="尚有未通过的任务也锁定（须 --reason） lock although tasks are still open (needs --reason)")] = False,
    reason: Annotated[str, typer.Option("--reason", help="强制锁定的原因，显示在该年度的每个页面与文件中 why (shown wherever the year is shown)")] = "",
    database: DatabaseOpt = None,
    user: UserOpt = "admin",
) -> None:
    """锁定某年评价:此后修改只能作为修订并保留原值；尚有任务未通过时拒绝 Freeze a year's evaluation (refused while tasks are open)."""
    from stpi.store import observations as ob
    n = ob.lock_year(_admin(database, user, tr("action.lock")), year, actor=user, force=force, reason=reason)
    console.out.print(tr("locked", year=year, n=n), style="green")


@app.command()
def audit(
    actor: Annotated[Optional[str], typer.Option("--actor", help="操作人 who")] = None,
    entity: Annotated[Optional[str], typer.Option("--entity", help="对象 observation/framework/user/year/upload")] = None,
    action: Annotated[Optional[str], typer.Option("--action", help="操作 create/update/revise/approve/…")] = None,
    key: Annotated[Optional[str], typer.Option("--key", help="包含该文字的对象键 key containing this text")] = None,
    limit: Annotated[int, typer.Option(help="最多显示条数 rows at most")] = 100,
    database: DatabaseOpt = None,
) -> None:
    """查看审计日志(谁、何时、改了什么、原值、新值、原因) The audit log."""
    from stpi.store.core import Store
    entries = open_store(database).audit(actor=actor, entity=entity, action=action, key=key, limit=limit)
    rows = [[e.at.strftime("%Y-%m-%d %H:%M:%S"), e.actor, e.action, e.entity, e.key, e.old[:40], e.new[:40], e.reason] for e in entries]
    cols = [tr("audit.at"), tr("audit.actor"), tr("audit.action"), tr("audit.entity"), tr("audit.key"), tr("audit.old"), tr("audit.new"), tr("audit.reason")]
    console.out.print(console.table(tr("audit.title", n=len(rows)), cols, rows))


@app.command("values")
def values_(
    year: YearOpt = None,
    region: Annotated[Optional[str], typer.Option("--region", help="地区 region")] = None,
    code: Annotated[Optional[str], typer.Option("--code", help="指标代码 indicator code")] = None,
    history: Annotated[bool, typer.Option("--history", help="显示全部版本 every vintage")] = False,
    database: DatabaseOpt = None,
) -> None:
    """查看已填报的数据及其状态、版本与来源 Reported figures with status, vintage and source."""
    from stpi.store import observations as ob
    from stpi.store.core import Store
    console.demo_notice(database)
    store = open_store(database)
    items = ob.observations(store, year=year, region=region, code=code, history=history)
    leaves = {n.code for n in store.framework().leaves}
    names = {r.code: r.name for r in store.regions()}
    rows = [
        [names.get(o.region, o.region), o.period, o.code, tr("kind.indicator") if o.code in leaves else tr("kind.variable"), console.fmt(o.value, 4), tr(f"status.{o.status}"), str(o.vintage), "✓" if o.current else "", o.source, o.note, o.created_by]
        for o in items
    ]
    cols = [tr("region"), tr("period"), tr("code"), tr("kind"), tr("value"), tr("status"), tr("vintage"), tr("current"), tr("source"), tr("note"), tr("audit.actor")]
    console.out.print(console.table(tr("values.title", n=len(rows)), cols, rows, numeric_from=99))


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="用户名 username")],
    role: Annotated[str, typer.Option("--role", help="admin / department / county / viewer")],
    name: Annotated[str, typer.Option("--name", help="显示名称 display name")] = "",
    department: Annotated[Optional[str], typer.Option("--department", help="部门代码或名称 department (for role department)")] = None,
    region: Annotated[Optional[str], typer.Option("--region", help="县区代码或名称 county (for role county)")] = None,
    password: Annotated[Optional[str], typer.Option("--password", prompt=True, hide_input=True, confirmation_prompt=True, help="密码 password (asked when not given)")] = None,
    database: DatabaseOpt = None,
    user: UserOpt = "admin",
) -> None:
    """添加账号(密码以 argon2 散列保存) Add an account."""
    from stpi.store import accounts
    store = _admin(database, user, tr("action.user"))
    added = accounts.add_user(store, username, role=role, actor=user, display_name=name, department=department, region=region, password=password)
    console.out.print(tr("user_added", user=added.username, role=added.role), style="green")


@user_app.command("list")
def user_list(database: DatabaseOpt = None) -> None:
    """列出账号 List accounts."""
    from stpi.store.core import Store
    rows = [[u.username, u.display_name, u.role, u.department or "", u.region or "", "✓" if u.active else "✗"] for u in open_store(database).users()]
    console.out.print(console.table(tr("users"), [tr("audit.actor"), tr("name"), tr("role"), tr("department"), tr("region"), tr("active")], rows))


@user_app.command("disable")
def user_disable(username: Annotated[str, typer.Argument(help="用户名 username")], database: DatabaseOpt = None, user: UserOpt = "admin") -> None:
    """停用账号(账号不会被删除) Disable an account."""
    from stpi.store import accounts
    accounts.set_active(_admin(database, user, tr("action.user")), username, False, actor=user)
    console.out.print(tr("user_disabled", user=username), style="green")


@app.command()
def template(
    year: Annotated[int, typer.Option("--year", help="填报年度 year")],
    output: Annotated[str, typer.Option("--output", "-o", help="输出的 Excel 文件 output .xlsx")],
    department: Annotated[Optional[str], typer.Option("--department", help="部门代码或名称 department code or name")] = None,
    county: Annotated[Optional[str], typer.Option("--county", help="县区代码或名称 county code or name")] = None,
    database: DatabaseOpt = None,
) -> None:
    """生成部门或县区的 Excel 填报模板 Write a department's or county's reporting workbook."""
    from stpi import submissions
    spec = submissions.make_template(reader(database), output, year=year, department=department, county=county)
    console.out.print(tr("template_written", path=output, who=spec.reporter, n=len(spec.rows)), style="green")


@app.command("import")
def import_(
    file: Annotated[str, typer.Argument(help="填好的模板或长表 filled template (.xlsx) or long table (.csv/.xlsx)")],
    draft: Annotated[bool, typer.Option("--draft", help="存为草稿,暂不报送 keep as draft")] = False,
    revise: Annotated[bool, typer.Option("--revise", help="修订已锁定年度的数据(须 --reason) revise figures of a locked year")] = False,
    reason: Annotated[str, typer.Option("--reason", help="修订原因 why")] = "",
    on_behalf_of: Annotated[Optional[str], typer.Option("--on-behalf-of", help="代填报单位录入（部门或县区代码、名称） enter for this reporter (department or county)")] = None,
    received_on: Annotated[Optional[str], typer.Option("--received-on", help="收到数据的日期（及时性按此判断，默认今天） date the figures were received YYYY-MM-DD (default: now)")] = None,
    database: DatabaseOpt = None,
    user: UserOpt = "admin",
) -> None:
    """校验并导入数据:先列出全部问题,无误才一次性全部写入 Validate, then import all or nothing."""
    from stpi import submissions
    received = None
    if received_on is not None:
        from datetime import date, datetime
        try:
            received = datetime.combine(date.fromisoformat(received_on.strip()), datetime.min.time())
        except ValueError:
            raise typer.BadParameter(f"日期应为 YYYY-MM-DD expected a date YYYY-MM-DD, got {received_on!r}", param_hint="--received-on") from None
    flagged: list[Problem] = []
    with console.err.status(tr("importing", path=file)):
        result = submissions.import_submission(open_store(database), file, actor=user, status="draft" if draft else "submitted", revise=revise, reason=reason,
                                               on_behalf_of=on_behalf_of, received_at=received, warnings=flagged)
    console.out.print(tr("imported_figures", n=result.written, same=result.unchanged, upload=result.upload_id), style="green")
    if flagged:  # saved, but a reviewer should look at them
        console.print_problems(flagged, title=tr("flagged_for_review"))


progress_app = typer.Typer(help="部门工作进展(调度):记录与查看 Departments' progress notes.", no_args_is_help=True)
published_app = typer.Typer(help="省里公布的各地区指数、排名与评价反馈 Published official results and feedback reports.", no_args_is_help=True)
add_messages({
    "flagged_for_review": ("已保存,但以下数值待复核 saved, but flagged for review", "Saved, but flagged for review"),
    "published_imported": ("已导入 {n} 个公布得分(新增 {new},修改 {changed}):{regions} 个地区,{years} 年", "Imported {n} published scores ({new} new, {changed} changed): {regions} regions, {years}"),
    "published_scores_title": ("公布的节点得分({n} 条)", "Published node scores ({n})"),
    "published_nodes": ("节点得分数", "Node scores"),
})
app.add_typer(progress_app, name="progress")
app.add_typer(published_app, name="published")


@progress_app.command("add")
def progress_add(
    department: Annotated[str, typer.Option("--department", help="部门代码或名称 department")],
    code: Annotated[str, typer.Option("--code", help="指标代码或序号 indicator")],
    period: Annotated[str, typer.Option("--period", help="期间 period, e.g. 2024Q2")],
    text: Annotated[str, typer.Option("--text", help="做了什么 what was done")],
    done_on: Annotated[str, typer.Option("--date", help="完成时间 when")] = "",
    done_by: Annotated[str, typer.Option("--by", help="由谁完成 by whom")] = "",
    database: DatabaseOpt = None,
    user: UserOpt = "admin",
) -> None:
    """记录部门围绕某指标举措的工作进展 Record a department's progress on an indicator's measures."""
    from stpi.store import notes
    from stpi.store.core import Store
    note = notes.add_progress_note(open_store(database), department=department, code=code, period=period, text=text, actor=user, done_on=done_on, done_by=done_by)
    console.out.print(tr("progress_added", dep=note.department, code=note.code, period=note.period), style="green")


@progress_app.command("list")
def progress_list(
    department: Annotated[Optional[str], typer.Option("--department", help="部门 department")] = None,
    code: Annotated[Optional[str], typer.Option("--code", help="指标代码 indicator")] = None,
    database: DatabaseOpt = None,
) -> None:
    """查看工作进展 List progress notes."""
    from stpi.store import notes
    from stpi.store.core import Store
    rows = [[n.period, n.department, n.code, n.text, n.done_on, n.done_by, n.created_by] for n in notes.progress_notes(open_store(database), department=department, code=code)]
    console.out.print(console.table(tr("progress_title", n=len(rows)), [tr("period"), tr("department"), tr("code"), tr("progress_text"), tr("progress_on"), tr("progress_by"), tr("audit.actor")], rows))


@published_app.command("add")
def published_add(
    region: Annotated[str, typer.Option("--region", help="地区 region")],
    year: Annotated[int, typer.Option("--year", help="评价年度 evaluation year")],
    source: Annotated[str, typer.Option("--source", help="出处(必填) where it was published")],
    index_value: Annotated[Optional[float], typer.Option("--index", help="综合指数(%) index")] = None,
    rank: Annotated[Optional[int], typer.Option("--rank", help="全省排名 rank")] = None,
    note: Annotated[str, typer.Option("--note", help="备注 note")] = "",
    database: DatabaseOpt = None,
    user: UserOpt = "admin",
) -> None:
    """录入省里公布的某地区某年指数与排名 Record a published result."""
    from stpi.store import notes
    store = _admin(database, user, tr("action.published"))
    r = notes.add_published_result(store, region=region, year=year, index_value=index_value, rank=rank, source=source, actor=user, note=note)
    console.out.print(tr("published_added", region=r.region, year=r.year), style="green")


@published_app.command("list")
def published_list(
    year: YearOpt = None,
    nodes: Annotated[bool, typer.Option("--nodes", help="列出各节点得分(评价反馈) list every node's published score (feedback report)")] = False,
    region: Annotated[Optional[str], typer.Option("--region", help="地区 region (with --nodes)")] = None,
    database: DatabaseOpt = None,
) -> None:
    """查看已录入的公布结果 List published results."""
    from stpi.store import notes
    from stpi.store.core import Store
    store = open_store(database)
    names = {r.code: r.name for r in store.regions()}
    if nodes:
        fw = store.framework()
        scores = notes.published_scores(store, year=year, region=region)
        rows = [[str(p.year), names.get(p.region, p.region), p.code, fw.node(p.code).name if p.code in fw else "", console.fmt(p.score), "" if p.rank is None else str(p.rank), p.source] for p in scores]
        console.out.print(console.table(tr("published_scores_title", n=len(rows)), [tr("year"), tr("region"), tr("code"), tr("name"), tr("score"), tr("rank_published"), tr("source")], rows))
        return
    counts: dict[tuple[str, int], int] = {}
    for p in notes.published_scores(store, year=year):
        counts[(p.region, p.year)] = counts.get((p.region, p.year), 0) + 1
    rows = [[str(r.year), names.get(r.region, r.region), console.fmt(r.index_value), "" if r.rank is None else str(r.rank), str(counts.get((r.region, r.year), 0)), r.source, r.note]
            for r in notes.published_results(store, year=year)]
    cols = [tr("year"), tr("region"), tr("index"), tr("rank_published"), tr("published_nodes"), tr("source"), tr("note")]
    console.out.print(console.table(tr("published_title", n=len(rows)), cols, rows))


@published_app.command("import")
def published_import(
    file: Annotated[str, typer.Argument(help="评价反馈长表 feedback report region,year,code,score[,rank] (.csv/.xlsx)")],
    source: Annotated[str, typer.Option("--source", help="出处(必填) where it was published")],
    database: DatabaseOpt = None,
    user: UserOpt = "admin",
) -> None:
    """导入省评价反馈:各地区各节点(总指数、一级、二级、三级指标)的公布得分,全部无误才写入 Import the province's feedback report (every node's score), all or nothing."""
    from stpi.store import notes
    store = _admin(database, user, tr("action.published"))
    with console.err.status(tr("importing", path=file)):
        done = notes.import_published_scores(store, file, source=source, actor=user)
    years = ", ".join(map(str, done.years))
    console.out.print(tr("published_imported", n=done.created + done.changed + done.unchanged, new=done.created, changed=done.changed, regions=len(done.regions), years=years), style="green")
