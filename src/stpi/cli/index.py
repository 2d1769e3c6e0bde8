"""Commands on the index: status, compute, contributions, framework, plan."""

from __future__ import annotations

import json
from typing import Annotated, Optional

import typer

from stpi import console
from stpi.cli.root import DatabaseOpt, FrameworkOpt, Missing, OutputOpt, PlanFormat, TableFormat, UserOpt, app, emit, framework_app, plan_app, open_store, reader
from stpi.i18n import tr


@app.command()
def status(
    missing: Annotated[Missing, typer.Option(help="缺失值处理 missing-value policy for the incomplete baseline")] = Missing.reweight,
    framework: FrameworkOpt = None,
    top: Annotated[int, typer.Option(help="每张排行表的行数 rows per ranking")] = 8,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON output JSON")] = False,
    database: DatabaseOpt = None,
) -> None:
    """实施方案基期与目标的综合指数、一二级指标、贡献与提升空间、责任单位 The plan's index at baseline and targets."""
    from stpi.analysis import plan_status
    from stpi import service
    snap = reader(database)
    plan, fw = snap.plan(), service.resolve_framework(framework, snap)
    s = plan_status(plan, fw, missing=missing.value)
    if as_json:
        typer.echo(json.dumps(s.to_dict(), ensure_ascii=False, indent=2))
    else:
        console.print_status(s, plan, top=top)


@app.command()
def compute(
    data: Annotated[Optional[str], typer.Option("--data", "-d", help="长表数据 long table region,year,indicator,value[,level][,parent] (CSV/XLSX),可选 level/parent 列分组排名 optional level/parent columns: ranks within each group; 省略则用数据库中审核通过的数据(按层级与上级分组排名) omitted: the store's approved figures, ranked among regions of one level and parent")] = None,
    framework: FrameworkOpt = None,
    output: OutputOpt = None,
    basis: Annotated[str, typer.Option(help="数据库口径 store basis: latest(最新修订) / evaluated(评价时)")] = "latest",
    missing: Annotated[Missing, typer.Option(help="缺失值处理 missing-value policy")] = Missing.propagate,
    normalise: Annotated[str, typer.Option(help="标准化方法 normalisation method (official: ratio)")] = "ratio",
    aggregate: Annotated[str, typer.Option(help="加权方法 aggregation method (official: arithmetic)")] = "arithmetic",
    database: DatabaseOpt = None,
) -> None:
    """计算每个地区、每年、每个节点的指数与排名 Compute every node for every region and year."""
    import pandas as pd
    from stpi import service
    recipe = service.make_recipe(missing.value, normalise, aggregate)
    if data is None:
        console.demo_notice(database)
    with console.err.status(tr("computing", path=data or database or "stpi.db")):
        if data is None:
            results, derived = service.compute_store(reader(database), recipe, basis=basis, framework=framework)
            if len(derived):
                console.err.print(tr("derived", n=len(derived), codes=", ".join(sorted(set(derived["indicator"])))), style="cyan")
        else:
            results = [service.compute_file(framework, data, recipe, None if framework else reader(database))]
    if not recipe.is_official:
        console.err.print(tr("not_official_method", recipe=json.dumps(recipe.to_dict())), style="yellow")
    if any(r.framework.is_illustrative for r in results):
        console.err.print(tr("illustrative"), style="yellow")
    gaps = pd.concat([r.values.missing() for r in results])
    if len(gaps):
        console.err.print(tr("missing_inputs", policy=recipe.aggregate.missing), style="yellow")
        console.err.print(gaps.to_string(index=False, max_rows=50))
    with console.err.status(tr("writing", n=sum(r.built.scores.size for r in results))):
        if output is None:
            emit(service.result_csv(results), None)
        else:
            service.write_result(results, data, output)
    if output is not None:
        console.err.print(tr("wrote", path=output))


@app.command()
def contributions(
    data: Annotated[str, typer.Option("--data", "-d", help="长表数据 long table region,year,indicator,value")],
    region: Annotated[str, typer.Option(help="地区 region")],
    year: Annotated[int, typer.Option(help="年份 year")],
    from_year: Annotated[Optional[int], typer.Option(help="与该年比较并分解变化 decompose the change since this year")] = None,
    framework: FrameworkOpt = None,
    missing: Annotated[Missing, typer.Option(help="缺失值处理 missing-value policy")] = Missing.propagate,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON output JSON")] = False,
    database: DatabaseOpt = None,
) -> None:
    """各指标的有效权重、贡献、提升空间;可分解两年间的变化 Contributions, headroom, change decomposition."""
    from stpi import service
    result = service.compute_file(framework, data, service.make_recipe(missing.value, "ratio", "arithmetic"), None if framework else reader(database))
    frames = {"contributions": result.contributions(region, year)}
    if from_year is not None:
        frames["decomposition"] = result.decompose(region, from_year, year)
    if as_json:
        payload = {k: json.loads(v.to_json(orient="records", force_ascii=False)) for k, v in frames.items()}
        payload["illustrative_parameters"] = result.framework.is_illustrative
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    console.out.print(console.illustrative_label(result.framework.is_illustrative, result.framework.parameter_rules()))
    console.print_contributions(frames["contributions"], tr("contrib_title", region=region, year=year))
    if from_year is not None:
        console.print_decomposition(frames["decomposition"], tr("decomp_title", region=region, start=from_year, end=year))


@framework_app.command("show")
def framework_show(framework: FrameworkOpt = None, database: DatabaseOpt = None) -> None:
    """以树形表格显示指标框架 Show the tree with weights, standards and provenance."""
    from stpi import service
    console.print_framework(service.resolve_framework(framework, None if framework else reader(database)))


@framework_app.command("export")
def framework_export(
    format: Annotated[TableFormat, typer.Option("--format", help="csv / yaml / xlsx")] = TableFormat.yaml,
    output: OutputOpt = None,
    framework: FrameworkOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """导出指标框架 Export the framework (the one in force unless --framework)."""
    from stpi.framework import export_framework
    from stpi import service
    emit(export_framework(service.resolve_framework(framework, None if framework else reader(database)), format.value), output)


@framework_app.command("validate")
def framework_validate(file: Annotated[str, typer.Argument(help="框架文件 framework file")]) -> None:
    """校验指标框架文件,一次列出全部问题 Validate a framework file, listing every problem."""
    from stpi.framework import load_framework
    fw = load_framework(file)
    console.out.print(tr("valid", n=len(fw.nodes), k=len(fw.leaves)), style="green")


@framework_app.command("import")
def framework_import(
    file: Annotated[str, typer.Argument(help="官方参数表 official parameter table (YAML/CSV/XLSX)")],
    source: Annotated[Optional[str], typer.Option(help="官方来源(文件未注明时必填) official source, when the file states none")] = None,
    valid_from: Annotated[Optional[int], typer.Option(help="自该年起适用 valid from this year (default: the plan's baseline year)")] = None,
    county: Annotated[bool, typer.Option("--county", help="作为县区版框架(用于县区指数,可只含部分指标) as the county version, used for the counties' indices")] = False,
    database: DatabaseOpt = None,
    user: UserOpt = "admin",
) -> None:
    """导入官方权重与标准值,替换示意参数 Import the official weights and standards."""
    from stpi import service
    fw, year = service.import_framework(file, source, store=open_store(database), actor=user, valid_from=valid_from, scope="county" if county else "city")
    console.out.print(tr("imported", title=fw.title, k=len(fw.leaves), year=year), style="green")
    if fw.is_illustrative:
        console.err.print(tr("still_illustrative"), style="yellow")


@plan_app.command("show")
def plan_show(database: DatabaseOpt = None) -> None:
    """显示实施方案的32项指标 Show the plan's indicators."""
    from stpi.store.core import Store  # the store alone: no analysis libraries for a table of the plan

    console.print_plan(open_store(database).plan())


@plan_app.command("export")
def plan_export(
    format: Annotated[PlanFormat, typer.Option("--format", help="csv / xlsx")] = PlanFormat.csv,
    output: OutputOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """导出实施方案指标表 Export the plan table."""
    from stpi import service
    snap = reader(database)
    plan, fw = snap.plan(), snap.framework()
    emit(service.plan_export(plan, fw, format.value, output), output)


