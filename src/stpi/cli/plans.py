"""``stpi plan import`` and ``stpi init``: a plan from a file as a new version; a store for another region."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from stpi import console
from stpi.cli.root import DatabaseOpt, UserOpt, app, plan_app, open_store
from stpi.i18n import add_messages, tr

__all__ = ["county_import", "init_command", "plan_import", "plan_versions_command"]

add_messages({
    "plan.checked": ("实施方案文件无误：{title}，{k}项指标，{d}个部门（未导入）", "The plan file is valid: {title}, {k} indicators, {d} departments (not imported)"),
    "plan.imported": ("已导入实施方案“{title}”（{k}项指标，{d}个部门），自{year}年起适用；此前的版本仍保留", "Imported the plan {title} ({k} indicators, {d} departments), valid from {year}; earlier versions are kept"),
    "plan.county": ("已导入{n}项县区目标（已审核）", "Imported {n} county targets (approved)"),
    "plan.versions": ("实施方案版本", "Plan versions"),
    "plan.init": ("已为{region}建库：{n}个地区（{peers}个同级地区、{counties}个县区），实施方案“{title}”，指标框架“{fw}”；管理员账号 admin 须先设置密码（stpi user password admin）",
                  "Set up a store for {region}: {n} regions ({peers} peers, {counties} counties), the plan {title}, the framework {fw}; set the admin's password first (stpi user password admin)"),
})


@plan_app.command("import")
def plan_import(
    file: Annotated[str, typer.Argument(help="实施方案文件 plan file: XLSX (plan, departments, meta), CSV (the plan table) or YAML")],
    valid_from: Annotated[Optional[int], typer.Option(help="自该年起适用 valid from this year (default: the plan's baseline year)")] = None,
    check: Annotated[bool, typer.Option("--check", help="只校验,不导入 check only, import nothing")] = False,
    database: DatabaseOpt = None,
    user: UserOpt = "admin",
) -> None:
    """导入实施方案(目标、部门、责任分工、举措),逐项列出全部问题,全部无误才导入 Import a plan, every problem located, all or nothing."""
    from stpi.planning import import_plan

    plan, version = import_plan(file, store=open_store(database), actor=user, valid_from=valid_from, dry_run=check)
    if version is None:
        console.out.print(tr("plan.checked", title=plan.title, k=len(plan.indicators), d=len(plan.departments)), style="green")
    else:
        console.out.print(tr("plan.imported", title=plan.title, k=len(plan.indicators), d=len(plan.departments), year=version.valid_from), style="green")


@plan_app.command("county-import")
def county_import(
    file: Annotated[str, typer.Argument(help="县区目标文件 county plan file (CSV/XLSX): region, code, target[, baseline, target_at_least, sub_targets]")],
    database: DatabaseOpt = None,
    user: UserOpt = "admin",
) -> None:
    """导入各县区自己的指标目标(县区实施方案),逐项校验,全部无误才导入 Import the counties' own targets, all or nothing."""
    from pathlib import Path

    from stpi import service
    from stpi.ingest.county_plan import read_county_plan
    from stpi.store.county_targets import set_county_targets
    from stpi.store.rules import acting_user

    store = open_store(database)
    acting = acting_user(store, user)
    city = store.region(store.plan().region)
    entries = read_county_plan(file, plan=store.plan(), counties=[r for r in store.regions(level="county") if r.parent == city.code])
    n = set_county_targets(store, entries, user=acting, source=Path(file).name)
    console.out.print(tr("plan.county", n=n), style="green")


@plan_app.command("versions")
def plan_versions_command(database: DatabaseOpt = None) -> None:
    """列出实施方案的各个版本 List the plan's versions."""
    from stpi import service
    from stpi.store.plans import plan_versions

    console.out.print(tr("plan.versions"))
    for v in plan_versions(open_store(database)):
        console.out.print(f"{v.valid_from}\t{v.code}\t{v.title}\t{v.created_at:%Y-%m-%d %H:%M}\t{v.created_by}\t{v.source}")


@app.command("init")
def init_command(
    region: Annotated[str, typer.Option("--region", help="地区名称或 GB/T 2260 代码 region name or GB/T 2260 code (e.g. 天水市, 620500)")],
    plan: Annotated[str, typer.Option("--plan", help="该地区的实施方案文件 the region's plan file (XLSX with meta and departments, or YAML)")],
    framework: Annotated[Optional[str], typer.Option("--framework", help="指标框架文件(默认内置框架) framework file (default: the embedded one)")] = None,
    database: DatabaseOpt = None,
) -> None:
    """为其他地区新建数据库:地区取自 GB/T 2260 行政区划,导入实施方案与指标框架 Set up a store for another region."""
    from stpi.planning import init_store

    store = init_store(database, region=region, plan_path=plan, framework_path=framework)
    try:
        p, fw, regions = store.plan(), store.framework(), store.regions()
        me = store.region(p.region)
        peers = sum(r.level == me.level and r.parent == me.parent for r in regions)
        counties = sum(r.parent == me.code for r in regions)
        console.out.print(tr("plan.init", region=p.region, n=len(regions), peers=peers, counties=counties, title=p.title, fw=fw.title), style="green")
    finally:
        store.close()
