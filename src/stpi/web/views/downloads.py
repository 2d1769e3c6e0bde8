"""Downloads (下载): every document and export, made by the same code as the command line, for a chosen year."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from stpi import service
from stpi.i18n import add_messages, get_lang
from stpi.queries.documents import DOCUMENTS, catalogue, document_years, make_document
from stpi.store.core import Store, now
from stpi.web.auth import allowed, require
from stpi.web.render import cached, page, snap_of, store_of
from stpi.web.views.audit import AuditFilters, audit_export, audit_filters

__all__ = ["attachment", "downloads_context", "router"]

add_messages({
    "web.dl.title": ("文档与数据下载", "Documents and data"),
    "web.dl.intro": ("以下文件与命令行生成的完全一致,按所选年度即时生成;每次下载记入审计日志。", "These files are made on request for the chosen year by the same code as the command line; every download is recorded in the audit log."),
    "web.dl.year": ("年度", "Year"),
    "web.dl.show": ("切换", "Show"),
    "web.dl.no_year": ("{year}年没有数据,已改为显示{shown}年", "No figures for {year}; showing {shown}"),
    "web.dl.document": ("文档", "Document"),
    "web.dl.about": ("内容", "Contents"),
    "web.dl.formats": ("下载", "Download"),
    "web.dl.command": ("同一文件的命令", "Same file from the command line"),
    "web.dl.any_year": ("与年度无关", "same in every year"),
    "web.dl.templates": ("填报模板", "Reporting templates"),
    "web.dl.template_own": ("下载本单位{year}年填报模板(Excel)", "Download my {year} reporting template (Excel)"),
    "web.dl.template_about": ("模板只含本单位负责的指标与原始数据项,填好后在“数据填报”页上传。", "The template holds only the indicators and raw figures you report; upload it on the Data page when filled in."),
    "web.dl.template_department": ("部门", "Department"),
    "web.dl.template_county": ("县区", "County"),
    "web.dl.template_get": ("下载模板", "Download template"),
    "web.dl.audit": ("审计日志导出", "Audit log export"),
    "web.dl.audit_about": ("全部审计记录(CSV,Excel/WPS 可直接打开);在“审计日志”页可按条件筛选后导出。", "The whole audit log (CSV, opens in Excel/WPS); filter it on the Audit log page first to export a part."),
})

router = APIRouter()
YearQuery = Query(None, ge=1900, le=2100, description="年度(默认有数据的最新年度) year (default: the latest with figures)")


def attachment(data: bytes, media: str, filename: str, fallback: str) -> Response:
    """A file download: the Chinese name (RFC 5987 ``filename*``) with an ASCII name for old clients."""
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
    return Response(data, media_type=media, headers={"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})


def _years(request: Request) -> list[int]:
    years: list[int] = cached(request, ("document_years",), lambda: document_years(snap_of(request)))
    return years


def downloads_context(request: Request, year: int | None) -> dict[str, Any]:
    """The list of documents for a year (the latest with figures unless asked), with their URLs."""
    user = require(request, "read")
    years = _years(request)
    shown = year if year in years else years[-1]
    snap = snap_of(request)
    plan, fw = snap.plan(), snap.framework()
    admin = user.role == "admin"
    city = snap.region(plan.region).code if admin else ""
    return {
        "year": shown, "years": years, "asked_year": year, "documents": catalogue(shown),
        "template_url": f"/data/template.xlsx?year={shown}" if allowed(user, "report") else None,
        "template_departments": [{"code": d.code, "name": d.label(get_lang())} for d in plan.departments] if admin else [],
        "template_counties": [{"code": r.code, "name": r.name} for r in snap.regions(level="county") if r.parent == city] if admin else [],
        "audit_url": "/downloads/audit.csv" if allowed(user, "audit") else None,
        "illustrative": fw.is_illustrative, "parameter_rules": list(fw.parameter_rules()),
    }


@router.get("/api/downloads", tags=["pages"], summary="可下载的文档 Downloads")
def downloads_json(request: Request, year: int | None = YearQuery) -> dict[str, Any]:
    """What can be downloaded (kind, formats, title, URLs) for a year."""
    return downloads_context(request, year)


@router.get("/downloads", response_class=HTMLResponse, include_in_schema=False)
def downloads_page(request: Request, year: int | None = YearQuery) -> HTMLResponse:
    """The downloads page."""
    return page(request, "downloads.html", downloads_context(request, year))


# declared before /downloads/{kind}.{fmt}, which would otherwise take this path
@router.get("/downloads/audit.csv", tags=["downloads"], summary="审计日志导出 Audit log as CSV", response_class=Response)
def audit_download(request: Request, f: AuditFilters = Depends(audit_filters)) -> Response:
    """The audit log with the /api/audit filters as CSV (UTF-8 with BOM, formula-safe); needs the audit right."""
    name, media, data = audit_export(request, f)
    return attachment(data, media, name, f"stpi-audit-{now():%Y%m%d}.csv")


@router.get("/downloads/{kind}.{fmt}", tags=["downloads"], summary="下载文档 Download a document", response_class=Response)
def download(
    request: Request,
    kind: str = Path(max_length=32, description=f"文档 document: {', '.join(DOCUMENTS)}"),
    fmt: str = Path(max_length=8, description="格式 format: docx, html, pdf, xlsx, csv, yaml"),
    year: int | None = YearQuery,
) -> Response:
    """A document made for ``year`` by the same code as its command; 404 for an unknown one or a year without figures."""
    user = require(request, "read")
    store = store_of(request)
    chosen = year if year is not None else _years(request)[-1]
    name, media, data = make_document(snap_of(request), kind, fmt, chosen)
    yearly = DOCUMENTS[kind].yearly
    with store.session() as s:
        Store.audit_in(s, user.username, "download", "document", f"{kind}.{fmt}" + (f"?year={chosen}" if yearly else ""), "", name)
    return attachment(data, media, name, f"stpi-{kind}-{chosen}.{fmt}" if yearly else f"stpi-{kind}.{fmt}")
