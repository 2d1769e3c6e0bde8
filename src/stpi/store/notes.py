"""Departments' progress notes on the measures behind indicators, and published official results."""

from __future__ import annotations

from sqlalchemy import select

from stpi.errors import InputError, Problem
from stpi.store import models as m
from stpi.store.accounts import store_region_id
from stpi.store.core import Store, now
from stpi.store.records import ProgressNote, PublishedResult

__all__ = ["add_progress_note", "progress_notes", "add_published_result", "published_results"]


def add_progress_note(store: Store, *, department: str, code: str, period: str, text: str, actor: str, done_on: str = "", done_by: str = "") -> ProgressNote:
    """Record what a department did for an indicator's measures (调度 progress dispatch)."""
    if not text.strip():
        raise InputError([Problem("<progress>", None, "text", "进展内容不能为空 the note is empty")])
    plan = store.plan()
    dep = plan.department(department)
    plan.indicator(code)
    with store.session() as s:
        dep_id = s.scalars(select(m.DepartmentRow.id).where(m.DepartmentRow.code == dep.code)).one()
        row = m.ProgressNoteRow(department_id=dep_id, code=plan.indicator(code).code, period=period, text=text, done_on=done_on, done_by=done_by, created_at=now(), created_by=actor)
        s.add(row)
        s.flush()
        Store.audit_in(s, actor, "create", "progress_note", f"{dep.code}/{row.code}/{period}", "", text[:200])
        return ProgressNote(row.id, dep.code, row.code, period, text, done_on, done_by, row.created_at, actor)


def progress_notes(store: Store, *, department: str | None = None, code: str | None = None) -> list[ProgressNote]:
    """Progress notes, oldest first, optionally of one department or indicator."""
    with store.session() as s:
        deps = {d.id: d.code for d in s.scalars(select(m.DepartmentRow))}
        q = select(m.ProgressNoteRow).order_by(m.ProgressNoteRow.id)
        out = [ProgressNote(r.id, deps[r.department_id], r.code, r.period, r.text, r.done_on, r.done_by, r.created_at, r.created_by) for r in s.scalars(q)]
    if department is not None:
        dep = store.plan().department(department).code
        out = [n for n in out if n.department == dep]
    return [n for n in out if code is None or n.code == code]


def add_published_result(store: Store, *, region: str, year: int, index_value: float | None, rank: int | None, source: str, actor: str, note: str = "") -> PublishedResult:
    """Record a region's index and rank as the province published them (one per region and year)."""
    if not source.strip():
        raise InputError([Problem("<published>", None, "source", "须注明出处 a published result needs its source")])
    with store.session() as s:
        rid = store_region_id(s, region)
        old = s.scalars(select(m.PublishedResultRow).where(m.PublishedResultRow.region_id == rid, m.PublishedResultRow.year == year)).first()
        if old is not None:
            Store.audit_in(s, actor, "update", "published_result", f"{region}/{year}", f"{old.index_value} #{old.rank}", f"{index_value} #{rank}", source)
            old.index_value, old.rank, old.source, old.note = index_value, rank, source, note
        else:
            s.add(m.PublishedResultRow(region_id=rid, year=year, index_value=index_value, rank=rank, source=source, note=note))
            Store.audit_in(s, actor, "create", "published_result", f"{region}/{year}", "", f"{index_value} #{rank}", source)
    return PublishedResult(store.region(region).code, year, index_value, rank, source, note)


def published_results(store: Store, *, year: int | None = None) -> list[PublishedResult]:
    """Published official results, by year and rank."""
    with store.session() as s:
        codes = {r.id: r.code for r in s.scalars(select(m.RegionRow))}
        q = select(m.PublishedResultRow).order_by(m.PublishedResultRow.year, m.PublishedResultRow.rank)
        rows = [PublishedResult(codes[r.region_id], r.year, r.index_value, r.rank, r.source, r.note) for r in s.scalars(q)]
    return [r for r in rows if year is None or r.year == year]


