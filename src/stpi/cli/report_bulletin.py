"""``stpi report bulletin``: the progress bulletin (进展通报) as Word, HTML or PDF, gathered from the store."""

from __future__ import annotations

from datetime import date
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from stpi import console
from stpi.defaults import MILESTONE_PATHS as PATHS
from stpi.cli.report import report_app
from stpi.cli.root import DatabaseOpt, Missing, open_store, reader
from stpi.i18n import add_messages, tr
from stpi.defaults import ISSUER as DEFAULT_ISSUER

__all__ = ["bulletin_command"]

add_messages({
    "bull.copy_to": ("--copy-to 应列出至少一个抄送机关(以顿号或逗号分隔)", "--copy-to must name at least one body (separated by 、 or commas)"),
    "bull.format": ("--format 应为 docx、html 或 pdf(或由 --output 的后缀 .docx/.html/.pdf 推断)", "--format must be docx, html or pdf (or inferred from an --output ending in .docx/.html/.pdf)"),
})


class BulletinFormat(str, Enum):
    docx = "docx"
    html = "html"
    pdf = "pdf"


@report_app.command("bulletin")
def bulletin_command(
    output: Annotated[str, typer.Option("--output", "-o", help="输出文件 output file (.docx / .html / .pdf)")],
    year: Annotated[int | None, typer.Option("--year", help="通报年度(默认最新) year (default: latest)")] = None,
    fmt: Annotated[BulletinFormat | None, typer.Option("--format", help="docx / html / pdf(默认按后缀 default: from the suffix)")] = None,
    issuer: Annotated[str, typer.Option("--issuer", help="发文机关 issuing body")] = DEFAULT_ISSUER,
    doc_number: Annotated[str | None, typer.Option("--doc-number", help="发文字号 document number (默认占位 default: a placeholder 陇科领办〔YYYY〕X号)")] = None,
    issued: Annotated[str | None, typer.Option("--date", help="成文日期 YYYY-MM-DD (默认今天 default: today)")] = None,
    path: Annotated[str | None, typer.Option("--path", help="里程碑路径 milestone path: linear / compound")] = None,
    missing: Annotated[Missing, typer.Option(help="缺失值处理 missing-value policy")] = Missing.reweight,
    top: Annotated[int, typer.Option("--top", min=1, help="列出的指标数 how many movers / focus indicators")] = 8,
    copy_to: Annotated[str | None, typer.Option("--copy-to", help="抄送机关,以顿号或逗号分隔(默认设置 bulletin_copy_to) copy-to list (default: the setting bulletin_copy_to)")] = None,
    user: Annotated[str | None, typer.Option("--user", envvar="STPI_USER", help="记入审计日志的账号(默认 cli) account recorded in the audit log (default: cli)")] = None,
    database: DatabaseOpt = None,
) -> None:
    """进展通报:指数、红黄绿灯、变动分析、县区排名、部门进度与工作重点 Progress bulletin (Word/HTML/PDF)."""
    from stpi.queries.bulletin import gather_bulletin, render_charts, split_names
    from stpi.queries.changes import record_bulletin
    from stpi.reports.bulletin import write_docx, write_html
    from stpi.store.rules import acting_user
    console.demo_notice(database)
    kind = fmt.value if fmt else Path(output).suffix.lower().lstrip(".")
    if kind not in ("docx", "html", "pdf"):
        raise typer.BadParameter(tr("bull.format"), param_hint="--format")
    if path is not None and path not in PATHS:
        raise typer.BadParameter(f"{path!r}: {', '.join(PATHS)}", param_hint="--path")
    try:
        when = date.fromisoformat(issued) if issued else None
    except ValueError:
        raise typer.BadParameter(f"{issued!r}: YYYY-MM-DD", param_hint="--date") from None
    names = split_names(copy_to) if copy_to is not None else None
    if copy_to is not None and not names:
        raise typer.BadParameter(tr("bull.copy_to"), param_hint="--copy-to")
    store = open_store(database)
    actor = acting_user(store, user).username if user else "cli"
    b = gather_bulletin(reader(database), year=year, missing=missing.value, path=path, issuer=issuer, doc_number=doc_number, issued=when, top=top, copy_to=names)
    if kind == "pdf":  # reportlab is loaded only when a PDF is asked for
        from stpi.reports.bulletin_pdf import write_pdf

        write_pdf(b, output, render_charts(b))
    else:
        (write_docx if kind == "docx" else write_html)(b, output, render_charts(b))
    record_bulletin(store, actor=actor, fmt=kind, year=b.year, name=Path(output).name)  # "since the last bulletin" counts this one, as a web download
    console.err.print(tr("wrote", path=output))
