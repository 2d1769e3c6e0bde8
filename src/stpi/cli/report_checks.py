"""``stpi report warnings`` (预警) and ``stpi report counties`` (县区): checks on the plan's progress."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from stpi import console
from stpi.defaults import MILESTONE_PATHS as PATHS
from stpi.cli.report import report_app
from stpi.cli.root import DatabaseOpt, Missing, OutputOpt, reader
from stpi.i18n import add_messages, get_lang, tr

if TYPE_CHECKING:
    from stpi.framework.model import Framework
    from stpi.framework.plan import Plan
    from stpi.queries.checks import CountyReport
    import pandas as pd

add_messages({
    "rchk.warn_title": ("{region} {year}年 指标预警(连续 {years} 年低于里程碑或进展有限/倒退)", "{region} {year}: early warnings (off track {years} year(s) running)"),
    "rchk.none": ("{year}年没有需要预警的指标", "No indicator needs a warning in {year}"),
    "rchk.baseline": ("目前只有基期数据,无法判断进度,不作预警", "Only the baseline has data: no warnings can be judged"),
    "rchk.summary": ("预警 {n} 项:红色 {red} 项,黄色 {yellow} 项", "{n} warnings: {red} red, {yellow} yellow"),
    "rchk.red": ("红", "red"),
    "rchk.yellow": ("黄", "yellow"),
    "rchk.gap": ("差距(单位)", "Gap (unit)"),
    "rchk.gap_points": ("差距(指数点)", "Gap (index pts)"),
    "rchk.run": ("连续年数", "Years"),
    "rchk.severity": ("级别", "Level"),
    "rchk.county_title": ("{city} 各县区综合科技进步水平指数与县区间排名", "{city}: county indices and ranks among the counties"),
    "rchk.no_county_data": ("数据库中还没有审核通过的县区数据", "No approved county figures in the store yet"),
    "rchk.county_targets": ("县区目标:{items};其余指标沿用全市目标", "County targets: {items}; other indicators use the city's targets"),
    "rchk.targets_met": ("{year}年县区达标情况(已达标/有数据)", "{year}: county targets met (met / with a value)"),
    "rchk.sum_title": ("县区合计与全市数据不一致(相对容差 {tol})", "County sums differing from the city's figure (tolerance {tol})"),
    "rchk.sum_ok": ("县区合计核对:{ok} 项一致,{bad} 项不一致", "County sums: {ok} agree, {bad} differ"),
    "rchk.year": ("年度", "Year"),
    "rchk.rank": ("县区间排名", "Rank"),
    "rchk.county": ("县区", "County"),
    "rchk.indicators": ("有数据指标", "Indicators"),
    "rchk.output": ("--output 应为 .xlsx 或 .csv 文件", "--output must be an .xlsx or .csv file"),
    "rchk.output_xlsx": ("--output 应为 .xlsx 文件", "--output must be an .xlsx file"),
})


@report_app.command("warnings")
def warnings_command(
    year: Annotated[Optional[int], typer.Option("--year", help="预警年度(默认最新) year examined (default: latest)")] = None,
    years: Annotated[int, typer.Option("--years", min=1, help="连续偏离里程碑的年数 consecutive years off track")] = 1,
    path: Annotated[Optional[str], typer.Option("--path", help="里程碑路径 milestone path: linear / compound")] = None,
    missing: Annotated[Missing, typer.Option(help="缺失值处理 missing-value policy")] = Missing.reweight,
    output: OutputOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON output JSON")] = False,
    database: DatabaseOpt = None,
) -> None:
    """指标预警:偏离里程碑或进展有限/倒退的指标、责任单位与差距 Early warnings."""
    from stpi import service
    from stpi.queries.checks import warnings_payload, warnings_report
    from stpi.reports.checks import write_warnings
    console.demo_notice(database)
    if path is not None and path not in PATHS:
        raise typer.BadParameter(f"{path!r}: {', '.join(PATHS)}", param_hint="--path")
    if output and Path(output).suffix.lower() not in (".xlsx", ".csv"):
        raise typer.BadParameter(tr("rchk.output"), param_hint="--output")
    plan, fw, table, shown = warnings_report(snap := reader(database), year=year, years=years, path=path, missing=missing.value)
    if output:
        write_warnings(table, fw, shown, output, demo=snap.demo)
        console.err.print(tr("wrote", path=output))
    if as_json:
        typer.echo(json.dumps(warnings_payload(plan, fw, table, shown, years), ensure_ascii=False, indent=2))
        return
    _print_warnings(plan, fw, table, shown, years)


def _print_warnings(plan: Plan, fw: Framework, table: pd.DataFrame, year: int, years: int) -> None:
    from stpi.queries.checks import department_names
    lang = get_lang()
    console.out.print(console.illustrative_label(fw.is_illustrative, fw.parameter_rules()))
    if year <= plan.baseline_year:
        console.out.print(tr("rchk.baseline"), style="yellow")
        return
    if table.empty:
        console.out.print(tr("rchk.none", year=year), style="green")
        return
    body = [
        [str(r.no), plan.indicator(r.code).label(lang), console.fmt(r.value, plan.indicator(r.code).decimals), console.fmt(r.milestone, plan.indicator(r.code).decimals),
         tr(f"status.{r.status}"), f"[{'red' if r.severity == 'red' else 'yellow'}]{tr('rchk.' + r.severity)}[/]", str(r.years_off_track), console.fmt(r.gap, plan.indicator(r.code).decimals + 1), console.fmt(r.gap_points, 3),
         department_names(plan, r.lead, lang), department_names(plan, r.responsible, lang)]
        for r in table.itertuples()
    ]
    cols = [tr("no"), tr("name"), str(year), tr("track.milestone"), tr("status"), tr("rchk.severity"), tr("rchk.run"), tr("rchk.gap"), tr("rchk.gap_points"), tr("lead"), tr("responsible")]
    console.out.print(console.table(tr("rchk.warn_title", region=plan.region_label(lang), year=year, years=years), cols, body, numeric_from=2))
    counts = table["severity"].value_counts()
    console.out.print(tr("rchk.summary", n=len(table), red=int(counts.get("red", 0)), yellow=int(counts.get("yellow", 0))))


@report_app.command("counties")
def counties_command(
    year: Annotated[Optional[int], typer.Option("--year", help="年度(默认全部年度) year (default: every year)")] = None,
    tolerance: Annotated[float, typer.Option("--tolerance", min=0.0, help="县区合计与全市值的相对容差 relative tolerance of county sums")] = 0.005,
    missing: Annotated[Missing, typer.Option(help="缺失值处理 missing-value policy")] = Missing.reweight,
    output: OutputOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON output JSON")] = False,
    database: DatabaseOpt = None,
) -> None:
    """县区:各县区指数与排名、县区目标、县区合计与全市数据核对 Counties."""
    from stpi import service
    from stpi.queries.checks import counties_payload, counties_report
    from stpi.reports.checks import write_counties
    console.demo_notice(database)
    if output and Path(output).suffix.lower() != ".xlsx":
        raise typer.BadParameter(tr("rchk.output_xlsx"), param_hint="--output")
    plan, fw, rep = counties_report(snap := reader(database), year=year, tolerance=tolerance, missing=missing.value)
    if output:
        write_counties(rep, fw, output, demo=snap.demo)
        console.err.print(tr("wrote", path=output))
    if as_json:
        typer.echo(json.dumps(counties_payload(rep, fw), ensure_ascii=False, indent=2))
        return
    _print_counties(plan, fw, rep)


def _print_counties(plan: Plan, fw: Framework, rep: CountyReport) -> None:
    lang = get_lang()
    console.out.print(console.illustrative_label(fw.is_illustrative, fw.parameter_rules()))
    if rep.index.empty:
        console.out.print(tr("rchk.no_county_data"), style="yellow")
    else:
        body = [[str(r.year), str(r.rank), r.region, console.fmt(r.index, 2), f"{r.indicators}/{len(fw.leaves)}"] for r in rep.index.itertuples()]
        cols = [tr("rchk.year"), tr("rchk.rank"), tr("rchk.county"), tr("index"), tr("rchk.indicators")]
        console.out.print(console.table(tr("rchk.county_title", city=plan.region_label(lang)), cols, body, numeric_from=3))
    subs = rep.targets[rep.targets["target_scope"] == "counties"].drop_duplicates("code")
    items = "、".join(f"{r.code} {plan.indicator(r.code).label(lang)} {r.target:g}{r.unit}({tr('target')} {plan.indicator(r.code).target:g})" for r in subs.itertuples())
    console.out.print(tr("rchk.county_targets", items=items or "—"))
    have = rep.targets[rep.targets["met"].notna()]
    if not have.empty:
        met = have.groupby("region", sort=False)["met"].agg(["sum", "count"])
        console.out.print(tr("rchk.targets_met", year=rep.targets["year"].iloc[0]) + ":" + "、".join(f"{c} {int(m['sum'])}/{int(m['count'])}" for c, m in met.iterrows()))
    bad = rep.sums[rep.sums["status"] == "mismatch"]
    if not bad.empty:
        body = [[str(r.year), f"{r.variable} {r.name}", console.fmt(r.city_value, 2), console.fmt(r.county_sum, 2), console.fmt(r.difference, 2), f"{r.relative:+.2%}" if r.relative == r.relative else "—", r.counties_missing or "—"] for r in bad.itertuples()]
        cols = ["年度 Year", "变量 Variable", "全市值 City", "县区合计 Sum", "差额 Difference", "相对差 Relative", "未报县区 Missing"]
        console.out.print(console.table(tr("rchk.sum_title", tol=f"{rep.tolerance:.2%}"), cols, body, numeric_from=2))
    console.out.print(tr("rchk.sum_ok", ok=int((rep.sums["status"] == "ok").sum()), bad=len(bad)))

