"""Departments' progress notes on the measures behind indicators, and published official results.

Published results are the province's: a region's index and rank (:func:`add_published_result`),
and its feedback report (评价反馈) with the score of every node (:func:`import_published_scores`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from stpi.errors import InputError, NotFoundError, Problem
from stpi.framework.model import Framework
from stpi.store import models as m
from stpi.store.accounts import store_region_id
from stpi.store.core import Store, now
from stpi.store.records import ProgressNote, PublishedResult

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from stpi.ingest.published import PublishedRow

__all__ = [
    "PublishedImport", "PublishedScore", "add_progress_note", "add_published_result", "import_published_scores", "progress_notes", "published_results", "published_scores",
]


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
    root = store.framework().root.code
    with store.session() as s:
        rid = store_region_id(s, region)
        old = s.scalars(select(m.PublishedResultRow).where(m.PublishedResultRow.region_id == rid, m.PublishedResultRow.year == year)).first()
        if old is not None:
            Store.audit_in(s, actor, "update", "published_result", f"{region}/{year}", f"{old.index_value} #{old.rank}", f"{index_value} #{rank}", source)
            old.index_value, old.rank, old.source, old.note = index_value, rank, source, note
        else:
            s.add(m.PublishedResultRow(region_id=rid, year=year, index_value=index_value, rank=rank, source=source, note=note))
            Store.audit_in(s, actor, "create", "published_result", f"{region}/{year}", "", f"{index_value} #{rank}", source)
        # the feedback report's root score is this index: keep the two in step
        score = s.scalars(select(m.PublishedScoreRow).where(m.PublishedScoreRow.region_id == rid, m.PublishedScoreRow.year == year, m.PublishedScoreRow.code == root)).first()
        if score is not None:
            if index_value is None:
                s.delete(score)
            else:
                score.score, score.rank, score.source = index_value, rank, source
    return PublishedResult(store.region(region).code, year, index_value, rank, source, note)


def published_results(store: Store, *, year: int | None = None) -> list[PublishedResult]:
    """Published official results, by year and rank."""
    with store.session() as s:
        codes = {r.id: r.code for r in s.scalars(select(m.RegionRow))}
        q = select(m.PublishedResultRow).order_by(m.PublishedResultRow.year, m.PublishedResultRow.rank)
        rows = [PublishedResult(codes[r.region_id], r.year, r.index_value, r.rank, r.source, r.note) for r in s.scalars(q)]
    return [r for r in rows if year is None or r.year == year]




@dataclass(frozen=True)
class PublishedScore:
    """One node's score (and rank) for a region and year as the province published it."""

    region: str
    year: int
    code: str
    score: float
    rank: int | None
    source: str


@dataclass(frozen=True)
class PublishedImport:
    """What an import of published scores did."""

    created: int
    changed: int
    unchanged: int
    regions: tuple[str, ...]
    years: tuple[int, ...]


def import_published_scores(store: Store, path: str | Path, *, source: str, actor: str) -> PublishedImport:
    """Read a feedback report ``region,year,code,score[,rank]`` and store it, all or nothing.

    A row of the root also records the region's published index and rank (as ``add_published_result``).
    """
    from stpi.ingest.published import read_published_scores

    if not source.strip():
        raise InputError([Problem(str(path), None, "source", "须注明出处 published scores need their source")])
    frameworks: dict[int | None, Framework] = {}

    def framework_of(year: int | None) -> Framework:
        if year not in frameworks:
            try:
                frameworks[year] = store.framework(year)
            except NotFoundError:  # a year before the first stored version: the codes are the newest's
                frameworks[year] = store.framework()
        return frameworks[year]

    names = {key: r.code for r in store.regions() for key in (r.code, r.name, r.name_en) if key}

    def region_of(text: str) -> str:
        if text not in names:
            raise NotFoundError(text)
        return names[text]

    rows = read_published_scores(path, framework_of=framework_of, region_of=region_of)
    counts = [0, 0, 0]
    with store.session(write=True) as s:
        ids = {r.code: r.id for r in s.scalars(select(m.RegionRow))}
        old = {(r.region_id, r.year, r.code): r for r in s.scalars(select(m.PublishedScoreRow))}
        at = now()
        for row in rows:
            key = (ids[row.region], row.year, row.code)
            have = old.get(key)
            if have is None:
                s.add(m.PublishedScoreRow(region_id=key[0], year=row.year, code=row.code, score=row.score, rank=row.rank, source=source, created_at=at, created_by=actor))
                counts[0] += 1
            elif (have.score, have.rank, have.source) != (row.score, row.rank, source):
                Store.audit_in(s, actor, "update", "published_score", f"{row.region}/{row.year}/{row.code}", f"{have.score} #{have.rank}", f"{row.score} #{row.rank}", source)
                have.score, have.rank, have.source, have.created_at, have.created_by = row.score, row.rank, source, at, actor
                counts[1] += 1
            else:
                counts[2] += 1
            if row.code == framework_of(row.year).root.code:
                _root_result(s, key[0], row, source, actor)
        Store.audit_in(s, actor, "import", "published_score", Path(path).name, "", f"{len(rows)} scores: {counts[0]} new, {counts[1]} changed", source)
    return PublishedImport(counts[0], counts[1], counts[2], tuple(sorted({r.region for r in rows})), tuple(sorted({r.year for r in rows})))


def _root_result(s: Session, region_id: int, row: PublishedRow, source: str, actor: str) -> None:
    """The root's published score is the region's published index: keep the two in step."""
    res = s.scalars(select(m.PublishedResultRow).where(m.PublishedResultRow.region_id == region_id, m.PublishedResultRow.year == row.year)).first()
    if res is None:
        s.add(m.PublishedResultRow(region_id=region_id, year=row.year, index_value=row.score, rank=row.rank, source=source, note=""))
    elif (res.index_value, res.rank) != (row.score, row.rank if row.rank is not None else res.rank):
        Store.audit_in(s, actor, "update", "published_result", f"{row.region}/{row.year}", f"{res.index_value} #{res.rank}", f"{row.score} #{row.rank}", source)
        res.index_value, res.source = row.score, source
        res.rank = row.rank if row.rank is not None else res.rank


def published_scores(store: Store, *, year: int | None = None, region: str | None = None) -> list[PublishedScore]:
    """Published node scores by region, year and node; a recorded index fills the root where no score row has it."""
    with store.session() as s:
        codes = {r.id: r.code for r in s.scalars(select(m.RegionRow))}
        rows = [PublishedScore(codes[r.region_id], r.year, r.code, r.score, r.rank, r.source) for r in s.scalars(select(m.PublishedScoreRow).order_by(m.PublishedScoreRow.id))]
    root = store.framework().root.code
    have = {(r.region, r.year) for r in rows if r.code == root}
    rows += [PublishedScore(p.region, p.year, root, p.index_value, p.rank, p.source) for p in published_results(store) if p.index_value is not None and (p.region, p.year) not in have]
    wanted = None if region is None else store.region(region).code
    return [r for r in rows if (year is None or r.year == year) and (wanted is None or r.region == wanted)]
