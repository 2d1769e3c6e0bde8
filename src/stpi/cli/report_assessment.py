"""``stpi report assessment``: departments' annual assessment scores (年度考核)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from stpi import console
from stpi.cli.report import report_app
from stpi.cli.root import DatabaseOpt, reader
from stpi.i18n import add_messages, get_lang, tr

add_messages({
    "assess.suffix": ("输出文件应为 .xlsx 或 .docx", "the output must be .xlsx or .docx"),
})


@report_app.command("assessment")
def assessment(
    year: Annotated[int, typer.Option("--year", help="考核年度 the assessed year")],
    rules: Annotated[Optional[str], typer.Option("--rules", help="考核规则 YAML rules file (默认内置示意规则 default: the illustrative rules)")] = None,
    output: Annotated[Optional[str], typer.Option("--output", "-o", help="输出文件 output: .xlsx / .docx")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="在标准输出给出 JSON print JSON")] = False,
    database: DatabaseOpt = None,
) -> None:
    """各部门年度考核得分、名次与逐项计分依据 Departments' annual assessment."""
    from stpi.queries.assessment import gather_assessment
    from stpi.reports.assessment_doc import SUMMARY_COLUMNS, assessment_payload, write_assessment
    console.demo_notice(database)
    if output and Path(output).suffix.lower() not in (".xlsx", ".docx"):
        raise typer.BadParameter(tr("assess.suffix"), param_hint="--output")
    plan, result = gather_assessment(reader(database), year=year, rules_path=rules)
    if output:
        write_assessment(result, plan, output)
        console.err.print(tr("wrote", path=output))
    if as_json:
        typer.echo(json.dumps(assessment_payload(result, plan), ensure_ascii=False, indent=2, default=str))
    elif not output:
        names = {d.code: d.label(get_lang()) for d in plan.departments}
        if result.rules.illustrative:
            console.out.print(tr("assess.illustrative"), style="bold yellow")
        body = [[str(r["rank"]), names[r["department"]], str(r["indicators"]), str(r["lead"]), str(r["responsible"]), *(console.fmt(r[k]) for k in SUMMARY_COLUMNS[5:10]), r["capped"]] for r in result.summary.to_dict(orient="records")]
        cols = [tr(f"col.{'department' if k == 'name' else k}") for k in SUMMARY_COLUMNS]
        console.out.print(console.table(tr("assess.title", region=plan.region_label(get_lang()), year=year), cols, body, numeric_from=2))
