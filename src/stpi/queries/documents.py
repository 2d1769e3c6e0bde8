"""The documents and exports the web app offers for download, each made by the same code as its command.

One function per document: ``(snap, year, fmt) -> (filename, media type, bytes)``. The writers
that need a path write into a temporary directory that is removed before the bytes are returned.
CSV files start with a UTF-8 byte-order mark so that Excel and WPS open the Chinese text correctly;
after the mark the bytes are those the command line writes.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stpi.readmodel import Snapshot
from stpi import service
from stpi.errors import NotFoundError
from stpi.framework.io import export_framework
from stpi.i18n import MESSAGES, add_messages, tr
from stpi.store.records import AuditEntry
from stpi.tables import safe_cell, write_table

__all__ = ["BOM", "DOCUMENTS", "MEDIA", "Document", "Kind", "audit_log", "catalogue", "document_years", "make_document"]

add_messages({
    "doc.bulletin": ("进展通报", "Progress bulletin"),
    "doc.bulletin.about": ("指数与目标、红黄绿灯、变动分析、县区排名、部门进度与下一步工作重点(公文格式)", "Index and targets, traffic lights, what moved the index, counties, departments, recommended focus (official layout)"),
    "doc.assessment": ("部门年度考核", "Department assessment"),
    "doc.assessment.about": ("各部门考核得分、名次与逐项计分依据(示意规则,可配置)", "Each department's score, rank and the rule behind every point (illustrative, configurable rules)"),
    "doc.warnings": ("指标预警", "Early warnings"),
    "doc.warnings.about": ("低于里程碑或进展有限/倒退的指标、责任单位与差距", "Indicators behind their milestone or deteriorating, with owners and gaps"),
    "doc.counties": ("县区报告", "Counties report"),
    "doc.counties.about": ("各县区指数与排名、县区目标达成、县区合计与全市数据核对", "County indices and ranks, county targets, county sums against the city's figures"),
    "doc.workbook": ("监测工作簿", "Monitoring workbook"),
    "doc.workbook.about": ("指标框架、实施方案、数据及来源版本、结果、目标与进度、考核,一个工作簿", "Framework, plan, figures with sources and vintages, results, progress and assessment in one workbook"),
    "doc.plan": ("实施方案指标表", "Plan table"),
    "doc.plan.about": ("32项指标的基期值、目标值、牵头与责任单位", "The indicators' baselines, targets, lead and responsible departments"),
    "doc.framework": ("指标框架", "Indicator framework"),
    "doc.framework.about": ("该年度适用的指标体系、权重、标准值及其来源", "The framework valid in the year: tree, weights, standards and their provenance"),
    "doc.values": ("审核通过的数据", "Approved figures"),
    "doc.values.about": ("该年度审核通过的当前数据,含来源、版本与填报人", "The year's current approved figures with source, vintage and reporter"),
    "doc.audit": ("审计日志", "Audit log"),
    "doc.unknown": ("没有该下载项:{name}(可选:{names})", "no such download: {name} (available: {names})"),
    "doc.no_year": ("{year}年没有数据,无法生成;有数据的年份:{years}", "no figures for {year}; years with figures: {years}"),
})

Document = tuple[str, str, bytes]  # filename, media type, content

BOM = b"\xef\xbb\xbf"
MEDIA = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "yaml": "application/yaml; charset=utf-8",
}
MISSING = "reweight"  # the web shows every index under this policy, so the documents use it too


def _region(snap: Snapshot) -> str:
    return snap.plan().region


def document_years(snap: Snapshot) -> list[int]:
    """Years a document can be made for: the plan's baseline year and every year with approved figures."""
    plan = snap.plan()
    figures = snap.figures()
    return sorted({plan.baseline_year, *(int(y) for y in figures["year"].unique())})


def _check_year(snap: Snapshot, year: int) -> None:
    years = document_years(snap)
    if year not in years:
        raise NotFoundError(tr("doc.no_year", year=year, years="、".join(map(str, years))))


def _written(write: Callable[[Path], object], suffix: str) -> bytes:
    """Let ``write`` make its file in a private temporary directory; return the bytes and remove the directory."""
    with tempfile.TemporaryDirectory(prefix="stpi-doc-") as folder:
        path = Path(folder) / f"document.{suffix}"
        write(path)
        return path.read_bytes()


def _doc(name: str, fmt: str, content: bytes) -> Document:
    return f"{name}.{fmt}", MEDIA[fmt], BOM + content if fmt == "csv" else content


def bulletin(snap: Snapshot, year: int, fmt: str) -> Document:
    """The progress bulletin (``stpi report bulletin``) as docx, html or pdf."""
    from stpi.queries.bulletin import gather_bulletin, render_charts
    from stpi.reports.bulletin import write_docx, write_html

    _check_year(snap, year)
    b = gather_bulletin(snap, year=year, missing=MISSING)
    charts = render_charts(b)
    if fmt == "pdf":  # reportlab is loaded only when a PDF is asked for
        from stpi.reports.bulletin_pdf import write_pdf

        data = _written(lambda p: write_pdf(b, p, charts), fmt)
    else:
        data = _written(lambda p: (write_docx if fmt == "docx" else write_html)(b, p, charts), fmt)
    return _doc(f"{b.region}{year}年进展通报", fmt, data)


def assessment(snap: Snapshot, year: int, fmt: str) -> Document:
    """The departments' annual assessment (``stpi report assessment``) as xlsx or docx."""
    from stpi.queries.assessment import gather_assessment
    from stpi.reports.assessment_doc import write_assessment

    _check_year(snap, year)
    plan, result = gather_assessment(snap, year=year)
    return _doc(f"{plan.region}{year}年部门考核", fmt, _written(lambda p: write_assessment(result, plan, p), fmt))


def warnings(snap: Snapshot, year: int, fmt: str) -> Document:
    """The early warnings (``stpi report warnings``) as xlsx."""
    from stpi.queries.checks import warnings_report
    from stpi.reports.checks import write_warnings

    _check_year(snap, year)
    plan, fw, table, shown = warnings_report(snap, year=year, years=1, path=None, missing=MISSING)
    return _doc(f"{plan.region}{year}年指标预警", fmt, _written(lambda p: write_warnings(table, fw, shown, str(p), demo=snap.demo), fmt))


def counties(snap: Snapshot, year: int, fmt: str) -> Document:
    """The counties report (``stpi report counties``) as xlsx."""
    from stpi.queries.checks import counties_report
    from stpi.reports.checks import write_counties

    _check_year(snap, year)
    plan, fw, rep = counties_report(snap, year=year, tolerance=0.005, missing=MISSING)
    return _doc(f"{plan.region}{year}年县区报告", fmt, _written(lambda p: write_counties(rep, fw, str(p), demo=snap.demo), fmt))


def workbook(snap: Snapshot, year: int, fmt: str) -> Document:
    """The monitoring workbook (``stpi report workbook``) of one year as xlsx; demo stores label every sheet."""
    from stpi.queries.workbook import gather_workbook
    from stpi.reports.workbook import write_workbook

    _check_year(snap, year)
    demo = snap.demo
    data = gather_workbook(snap, year=year, missing=MISSING, demo=demo)
    return _doc(f"{data.region}{year}年监测工作簿", fmt, _written(lambda p: write_workbook(data, p), fmt))


def plan(snap: Snapshot, year: int, fmt: str) -> Document:
    """The plan table (``stpi plan export``) as xlsx or csv; the plan is the same in every year."""
    the_plan, fw = (snap.plan(), snap.framework())
    return _doc(f"{the_plan.region}实施方案指标表", fmt, service.plan_export(the_plan, fw, fmt, None))


def framework(snap: Snapshot, year: int, fmt: str) -> Document:
    """The framework valid in ``year`` (``stpi framework export``) as xlsx, yaml or csv."""
    fw = snap.framework(year)
    return _doc(f"{_region(snap)}{year}年指标框架", fmt, export_framework(fw, fmt))


def values(snap: Snapshot, year: int, fmt: str) -> Document:
    """The year's current approved figures (the workbook's figures sheet, as ``stpi values`` lists them) as csv or xlsx."""
    from stpi.queries.workbook import figure_table
    from stpi.reports.workbook import FIGURE_COLUMNS, FIGURE_STATUS, KIND

    _check_year(snap, year)
    frame = figure_table(snap, snap.framework(year), year=year, history=False)
    frame["kind"] = frame["kind"].map(lambda k: KIND.get(k, k))
    frame["status"] = frame["status"].map(lambda s: FIGURE_STATUS.get(s, s))
    headers = {key: header for key, header, _ in FIGURE_COLUMNS}
    rows = [{headers[k]: _cell(v) for k, v in row.items() if k in headers} for row in frame.to_dict("records")]
    return _doc(f"{snap.plan().region}{year}年审核通过数据", fmt, write_table(rows, list(headers.values()), None, fmt=fmt, sheet=f"数据 {year}"))


def _cell(value: Any) -> Any:
    """A JSON/spreadsheet-friendly cell: timestamps as text, booleans as 是/否, text guarded against formulas."""
    if isinstance(value, bool):
        return "是 yes" if value else "否 no"
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ", timespec="seconds")
    return safe_cell(value)


@dataclass(frozen=True)
class Kind:
    """One downloadable document: its formats, the function that makes it and the command that makes the same file."""

    kind: str
    formats: tuple[str, ...]
    make: Callable[[Snapshot, int, str], Document]
    command: str
    yearly: bool = True  # False: the same file whatever the year


DOCUMENTS: dict[str, Kind] = {k.kind: k for k in (
    Kind("bulletin", ("docx", "html", "pdf"), bulletin, "stpi report bulletin --year Y --output F"),
    Kind("assessment", ("xlsx", "docx"), assessment, "stpi report assessment --year Y --output F"),
    Kind("warnings", ("xlsx",), warnings, "stpi report warnings --year Y --output F"),
    Kind("counties", ("xlsx",), counties, "stpi report counties --year Y --output F"),
    Kind("workbook", ("xlsx",), workbook, "stpi report workbook --year Y --output F"),
    Kind("plan", ("xlsx", "csv"), plan, "stpi plan export --format FMT", yearly=False),
    Kind("framework", ("xlsx", "yaml", "csv"), framework, "stpi framework export --format FMT"),
    Kind("values", ("csv", "xlsx"), values, "stpi values --year Y"),
)}


def make_document(snap: Snapshot, kind: str, fmt: str, year: int) -> Document:
    """The document ``kind`` in ``fmt`` for ``year``; unknown kinds or formats are a NotFoundError."""
    known = DOCUMENTS.get(kind)
    if known is None or fmt not in known.formats:
        names = "、".join(f"{k.kind}.{f}" for k in DOCUMENTS.values() for f in k.formats)
        raise NotFoundError(tr("doc.unknown", name=f"{kind}.{fmt}", names=names))
    return known.make(snap, year, fmt)


def catalogue(year: int) -> list[dict[str, Any]]:
    """What can be downloaded for ``year``: kind, title, description, formats with their URLs, the same command."""
    return [{"kind": k.kind, "title": tr(f"doc.{k.kind}"), "description": tr(f"doc.{k.kind}.about"), "formats": list(k.formats), "yearly": k.yearly,
             "urls": {f: f"/downloads/{k.kind}.{f}" + (f"?year={year}" if k.yearly else "") for f in k.formats}, "command": k.command}
            for k in DOCUMENTS.values()]


AUDIT_COLUMNS = ("id", "at", "actor", "action", "entity", "key", "old", "new", "reason")


def audit_log(entries: Sequence[AuditEntry], stamp: str) -> Document:
    """Audit entries as CSV (UTF-8 with BOM for Excel/WPS; every text cell guarded against formulas)."""
    header = ["编号 ID", *(" ".join(MESSAGES[f"audit.{c}"]) for c in AUDIT_COLUMNS[1:])]  # Chinese and English, as the workbooks
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for e in entries:
        writer.writerow([e.id, e.at.strftime("%Y-%m-%d %H:%M:%S"), *(safe_cell(getattr(e, c)) for c in AUDIT_COLUMNS[2:])])
    return f"审计日志{stamp}.csv", MEDIA["csv"], BOM + buffer.getvalue().encode("utf-8")
