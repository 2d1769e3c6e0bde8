"""``stpi report workbook``: the plan's framework, figures, results and progress in one XLSX."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from stpi import console
from stpi.cli.report import report_app
from stpi.cli.root import DatabaseOpt, Missing, reader
from stpi.i18n import add_messages, tr

__all__ = ["workbook"]

add_messages({
    "wb.wrote": ("已生成工作簿 {path}:{figures} 条数据,{results} 个结果{scenarios}", "Wrote the workbook {path}: {figures} figures, {results} results{scenarios}"),
    "wb.scenarios": ("(库中尚无审核通过的数据,结果为实施方案基期与目标情景)", " (no approved figures yet: the plan's baseline and target scenarios)"),
    "wb.suffix": ("输出文件须为 .xlsx", "the output must be an .xlsx file"),
    "wb.folder": ("输出目录不存在", "the output folder does not exist"),
})


@report_app.command("workbook")
def workbook(
    output: Annotated[str, typer.Option("--output", "-o", help="输出文件 output file (.xlsx)")],
    year: Annotated[Optional[int], typer.Option("--year", help="只含该年度 only this year (default: all years)")] = None,
    history: Annotated[bool, typer.Option("--history", help="数据表含全部版本 every vintage of the figures")] = False,
    missing: Annotated[Missing, typer.Option(help="缺失值处理 missing-value policy for results and progress")] = Missing.reweight,
    demo: Annotated[bool, typer.Option("--demo", help="库中为演示数据:每个工作表标注“演示数据” label every sheet as demo data")] = False,
    database: DatabaseOpt = None,
) -> None:
    """生成工作簿:说明、指标框架、实施方案、数据、结果、目标与进度、考核 The plan's workbook (XLSX)."""
    from stpi.queries.workbook import gather_workbook
    from stpi.reports.workbook import write_workbook
    console.demo_notice(database)
    if Path(output).suffix.lower() != ".xlsx":
        raise typer.BadParameter(tr("wb.suffix"), param_hint="--output")
    if not Path(output).resolve().parent.is_dir():
        raise typer.BadParameter(tr("wb.folder"), param_hint="--output")
    data = gather_workbook(reader(database), year=year, history=history, missing=missing.value, demo=demo)
    write_workbook(data, output)
    extra = tr("wb.scenarios") if data.scenarios else ""
    console.err.print(tr("wb.wrote", path=output, figures=len(data.figures), results=len(data.results), scenarios=extra), style="green")
