"""``stpi report warnings`` (预警) and ``stpi report counties`` (县区): checks on the plan's progress."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Optional

import pandas as pd
import typer

from stpi import console, service
from stpi.analysis.counties import county_index, county_targets, sum_check
from stpi.analysis.derived import derive_indicators
from stpi.analysis.jsonable import jsonable
from stpi.analysis.track import PATHS, track
from stpi.analysis.warnings import early_warnings
from stpi.cli.report import report_app
from stpi.cli.root import DatabaseOpt, Missing, OutputOpt
from stpi.framework.embedded import embedded_variables
from stpi.framework.model import Framework
from stpi.framework.plan import Plan
from stpi.i18n import add_messages, get_lang, tr
from stpi.store import observations as ob
from stpi.tables import safe_cell, write_table

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

FILL = {"red": "FFC7CE", "yellow": "FFEB9C"}


@dataclass(frozen=True)
class Sheet:
    """One worksheet: a header row, data rows and, per row, an optional fill (red/yellow)."""

    title: str
    header: list[str]
    rows: list[list[Any]]
    fills: list[str | None]


# ------------------------------------------------------------------ services


def warnings_report(database: str | None, *, year: int | None, years: int, path: str | None, missing: str) -> tuple[Plan, Framework, pd.DataFrame, int]:
    """The plan, framework, warned indicators (with department names) and the year examined."""
    plan, fw = service.plan_and_framework(database)
    tracked = track(plan, fw, service.store_figures(database), path=path, missing=missing)
    table = early_warnings(tracked, plan, fw, year=year, years=years)
    table["lead_names"] = [_names(plan, c) for c in table["lead"]]
    table["responsible_names"] = [_names(plan, c) for c in table["responsible"]]
    return plan, fw, table, int(tracked["year"].max()) if year is None else year


@dataclass(frozen=True)
class CountyReport:
    """Everything ``stpi report counties`` shows."""

    city: str
    counties: list[str]
    year: int | None
    index: pd.DataFrame
    targets: pd.DataFrame
    sums: pd.DataFrame
    tolerance: float


def counties_report(database: str | None, *, year: int | None, tolerance: float, missing: str) -> tuple[Plan, Framework, CountyReport]:
    """Read the store and compute the county index, targets and sum check."""
    store = service.open_store(database)
    try:
        plan, fw = store.plan(), store.framework()
        city = store.region(plan.region)
        counties = [r.name for r in store.regions(level="county") if r.parent == city.code]
        raw = ob.frame(store, years=None if year is None else [year])
    finally:
        store.close()
    variables, formulas = embedded_variables()
    figures = derive_indicators(raw, formulas) if not raw.empty else raw
    report = CountyReport(
        city.name, counties, year,
        county_index(fw, figures, counties, missing=missing),
        county_targets(plan, fw, figures, counties, year=year),
        sum_check(raw, variables, city=city.name, counties=counties, tolerance=tolerance),
        tolerance,
    )
    return plan, fw, report


def _names(plan: Plan, codes: str, lang: str = "zh") -> str:
    return "、".join(plan.department(c).label(lang) for c in codes.split(";") if c)


# ------------------------------------------------------------------ files


def write_xlsx(sheets: list[Sheet], notes: list[str], output: str) -> None:
    """Formatted workbook: bold frozen header, column widths, fills by severity, a notes sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    book = Workbook()
    book.remove(book.active)
    for sheet in sheets + [Sheet("说明 Notes", ["说明 Notes"], [[n] for n in notes], [None] * len(notes))]:
        ws = book.create_sheet(sheet.title)
        ws.append(sheet.header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row, fill in zip(sheet.rows, sheet.fills):
            ws.append([safe_cell(_cell(v)) for v in row])
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, float):
                    cell.number_format = "#,##0.00##"
                if fill:
                    cell.fill = PatternFill("solid", start_color=FILL[fill], end_color=FILL[fill])
        ws.freeze_panes = "A2"
        for i, col in enumerate(sheet.header):
            width = max([_width(col)] + [_width(r[i]) for r in sheet.rows[:300]])
            ws.column_dimensions[ws.cell(1, i + 1).column_letter].width = min(60, max(8, width + 2))
    buffer = io.BytesIO()
    book.save(buffer)
    Path(output).write_bytes(buffer.getvalue())


def _cell(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return None
    return value.item() if hasattr(value, "item") else value


def _width(value: Any) -> int:
    text = "" if value is None else f"{value:.2f}" if isinstance(value, float) else str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)  # CJK characters are twice as wide


def _label_lines(fw: Framework) -> list[str]:
    if not fw.is_illustrative:
        return [tr("official")]
    return ["【示意参数 illustrative parameters】权重与标准值并非甘肃省官方数值 weights and standards are not the official Gansu values", *fw.parameter_rules()]


WARN_HEADER = ["序号 No.", "代码 Code", "指标 Indicator", "单位 Unit", "年度 Year", "值 Value", "里程碑 Milestone", "目标 Target", "状态 Status", "预警级别 Level",
               "连续偏离年数 Years off track", "与里程碑差距(指标单位) Gap (unit)", "指数差距(点) Gap (index pts)", "有效权重 Effective weight", "牵头单位 Lead", "责任单位 Responsible"]
WARN_FIELDS = ["no", "code", "name", "unit", "year", "value", "milestone", "target", "status", "severity", "years_off_track", "gap", "gap_points", "effective_weight", "lead_names", "responsible_names"]
SEVERITY_TEXT = {"red": "红色 red", "yellow": "黄色 yellow"}
STATUS_TEXT = {"limited": "进展有限 limited", "deterioration": "倒退 deterioration", "moderate": "进展一般 moderate", "on_track": "按进度推进 on track"}


def warning_rows(table: pd.DataFrame, fw: Framework) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of the warnings file (the index-points column labelled when illustrative)."""
    header = list(WARN_HEADER)
    if fw.is_illustrative:
        header[12] = "指数差距(点,示意参数) Gap (index pts, illustrative)"
    rows = []
    for r in table.to_dict("records"):
        r = dict(r, status=STATUS_TEXT.get(r["status"], r["status"]), severity=SEVERITY_TEXT[r["severity"]])
        rows.append([r[f] for f in WARN_FIELDS])
    return header, rows


def county_sheets(rep: CountyReport, fw: Framework) -> list[Sheet]:
    """The three sheets of the counties workbook."""
    label = ",示意参数 illustrative" if fw.is_illustrative else ""
    index = Sheet("县区指数 Index", ["县区 County", "年度 Year", f"综合指数(%{label}) Index", "县区间排名 Rank", "参与排名县区数 Counties ranked", "有数据指标数 Indicators"],
                  rep.index[["region", "year", "index", "rank", "counties_ranked", "indicators"]].astype(object).values.tolist(), [None] * len(rep.index))
    t = rep.targets
    targets = Sheet("县区目标 Targets", ["县区 County", "序号 No.", "代码 Code", "指标 Indicator", "单位 Unit", "目标 Target", "目标口径 Target scope", "年度 Year", "值 Value", "是否达标 Met"],
                    [[*r[:6], "县区目标 counties" if r[6] == "counties" else "全市目标 city", r[7], r[8], "" if r[9] is None else ("是 yes" if r[9] else "否 no")] for r in t.astype(object).values.tolist()],
                    [None] * len(t))
    s = rep.sums
    sums = Sheet("县区合计核对 Sums", ["地区 Region", "年度 Year", "变量 Variable", "名称 Name", "单位 Unit", "类型 Kind", "全市值 City value", "县区合计 County sum", "差额 Difference",
                                   "相对差 Relative", "已报县区数 Counties reported", "未报县区 Counties missing", "结果 Result"],
                 [[*r[:12], "不一致 mismatch" if r[12] == "mismatch" else "一致 ok"] for r in s.astype(object).values.tolist()],
                 ["red" if st == "mismatch" else None for st in s["status"]])
    return [index, targets, sums]


# ------------------------------------------------------------------ commands


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
    if path is not None and path not in PATHS:
        raise typer.BadParameter(f"{path!r}: {', '.join(PATHS)}", param_hint="--path")
    if output and Path(output).suffix.lower() not in (".xlsx", ".csv"):
        raise typer.BadParameter(tr("rchk.output"), param_hint="--output")
    plan, fw, table, shown = warnings_report(database, year=year, years=years, path=path, missing=missing.value)
    if output:
        header, rows = warning_rows(table, fw)
        if Path(output).suffix.lower() == ".csv":
            write_table([dict(zip(header, [safe_cell(_cell(v)) for v in r])) for r in rows], header, output, fmt="csv")
        else:
            write_xlsx([Sheet(f"预警 Warnings {shown}", header, rows, list(table["severity"]))], _label_lines(fw), output)
        console.err.print(tr("wrote", path=output))
    if as_json:
        payload = {"region": plan.region, "year": shown, "years": years, "illustrative_parameters": fw.is_illustrative, "parameter_rules": list(fw.parameter_rules()), "rows": table.to_dict("records")}
        typer.echo(json.dumps(jsonable(payload), ensure_ascii=False, indent=2))
        return
    _print_warnings(plan, fw, table, shown, years)


def _print_warnings(plan: Plan, fw: Framework, table: pd.DataFrame, year: int, years: int) -> None:
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
         _names(plan, r.lead, lang), _names(plan, r.responsible, lang)]
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
    if output and Path(output).suffix.lower() != ".xlsx":
        raise typer.BadParameter(tr("rchk.output_xlsx"), param_hint="--output")
    plan, fw, rep = counties_report(database, year=year, tolerance=tolerance, missing=missing.value)
    if output:
        write_xlsx(county_sheets(rep, fw), _label_lines(fw), output)
        console.err.print(tr("wrote", path=output))
    if as_json:
        payload = {"city": rep.city, "counties": rep.counties, "year": rep.year, "tolerance": rep.tolerance, "illustrative_parameters": fw.is_illustrative,
                   "index": rep.index.astype(object).to_dict("records"), "targets": rep.targets.to_dict("records"), "sums": rep.sums.to_dict("records")}
        typer.echo(json.dumps(jsonable(payload), ensure_ascii=False, indent=2))
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

