"""Supervision notices (督办单): the bureau asks a department to explain and act by a deadline; the department replies.

A notice is issued (open), replied to (replied), sent back with a comment (returned, to be replied to again) or
closed (办结). Each step is one write transaction: it names the version it saw (compare-and-set), is audited, and
writes its messages and deliveries (see :mod:`stpi.store.notices`) in the same transaction, so none is lost.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from stpi.errors import ConflictError, ForbiddenError, InputError, NotFoundError, Problem
from stpi.store import models as m
from stpi.store.core import Store, now
from stpi.store.notice_words import supervision_notice
from stpi.store.notices import bureau, department, notify_in

__all__ = ["ORIGINS", "STATUSES", "Attachment", "Step", "Supervision", "attachment", "close", "issue", "number_of", "reply", "send_back", "supervision",
           "supervisions"]

ORIGINS = ("warning", "indicator", "task", "free")  # 预警 / 进度滞后指标 / 逾期任务 / 自行发起
STATUSES = ("open", "replied", "returned", "closed")
_WORDS = {"open": "待反馈", "replied": "已反馈", "returned": "已退回", "closed": "已办结"}
TEXT_MAX = 4000
MAX_FILES = 10


@dataclass(frozen=True)
class Attachment:
    """A file attached to a reply."""

    id: int
    filename: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Step:
    """One step of a notice: issue / reply / return / close."""

    id: int
    at: datetime
    actor: str
    kind: str
    measures: str
    effect: str
    comment: str
    files: tuple[Attachment, ...]


@dataclass(frozen=True)
class Supervision:
    """One supervision notice with its steps; ``overdue``: not replied to (or sent back) and past its deadline."""

    id: int
    number: str  # 督办〔2026〕3号
    year: int
    seq: int
    department: str  # code
    department_name: str
    subject: str
    request: str
    deadline: date
    origin: str
    origin_ref: str
    status: str
    version: int
    issued_at: datetime
    issued_by: str
    replied_at: datetime | None
    closed_at: datetime | None
    overdue: bool
    replied_on_time: bool | None  # the first reply by the deadline; None before any reply
    steps: tuple[Step, ...] = ()


def number_of(year: int, seq: int) -> str:
    """The notice's number in the official style."""
    return f"督办〔{year}〕{seq}号"


def _text(field: str, value: str, *, required: bool = True, limit: int = TEXT_MAX) -> list[Problem]:
    value = value.strip()
    if required and not value:
        return [Problem("<supervision>", None, field, "必填 required")]
    if len(value) > limit:
        return [Problem("<supervision>", None, field, f"不超过 {limit} 字 at most {limit} characters", value[:40])]
    return []


def issue(store: Store, *, department_code: str, subject: str, request: str, deadline: date, actor: str, origin: str = "free", origin_ref: str = "",
          today: date | None = None) -> Supervision:
    """Issue a notice to a department (code or name); the department's reporters are told at once."""
    problems = _text("subject", subject, limit=256) + _text("request", request) + _text("origin_ref", origin_ref, required=False, limit=128)
    if origin not in ORIGINS:
        problems.append(Problem("<supervision>", None, "origin", f"可选 valid: {', '.join(ORIGINS)}", origin))
    if origin in ("warning", "indicator", "task") and not origin_ref.strip():
        problems.append(Problem("<supervision>", None, "origin_ref", "须注明来源（指标代码或任务） name the indicator or task it comes from"))
    if deadline < (today or now().date()):
        problems.append(Problem("<supervision>", None, "deadline", "截止日期不能早于今天 the deadline cannot be in the past", deadline.isoformat()))
    if problems:
        raise InputError(problems)
    stamp = now()
    with store.session(write=True) as s:
        dep = next((d for d in s.scalars(select(m.DepartmentRow)) if department_code in (d.code, d.name)), None)
        if dep is None:
            raise InputError([Problem("<supervision>", None, "department", "没有该部门 no such department", department_code)])
        seq = int(s.scalar(select(func.max(m.SupervisionRow.seq)).where(m.SupervisionRow.year == stamp.year)) or 0) + 1
        row = m.SupervisionRow(year=stamp.year, seq=seq, department_id=dep.id, subject=subject.strip(), request=request.strip(), deadline=deadline, origin=origin,
                               origin_ref=origin_ref.strip(), status="open", version=1, issued_at=stamp, issued_by=actor)
        s.add(row)
        s.flush()
        step = _step(s, row.id, actor, "issue", comment=request.strip())
        Store.audit_in(s, actor, "issue", "supervision", number_of(row.year, seq), "", f"{dep.code}: {row.subject} (by {deadline.isoformat()})", row.request)
        notify_in(s, department(dep.code), supervision_notice("supervision", row.id, number_of(row.year, seq), row.subject, dep.name, deadline=deadline.isoformat(),
                                                              text=row.request, step=step))
        sid = row.id
    return supervision(store, sid)


def _step(s: Session, sid: int, actor: str, kind: str, *, measures: str = "", effect: str = "", comment: str = "") -> int:
    ev = m.SupervisionEventRow(supervision_id=sid, at=now(), actor=actor, kind=kind, measures=measures, effect=effect, comment=comment)
    s.add(ev)
    s.flush()
    return ev.id


def _move(s: Session, sid: int, version: int, sources: Sequence[str], values: dict[str, object]) -> m.SupervisionRow:
    """Compare-and-set: the notice moves only from the version and a status the caller saw."""
    row = s.get(m.SupervisionRow, sid)
    if row is None:
        raise NotFoundError(f"没有该督办单 no supervision notice #{sid}")
    done = s.execute(update(m.SupervisionRow).where(m.SupervisionRow.id == sid, m.SupervisionRow.version == version, m.SupervisionRow.status.in_(list(sources)))
                     .values(version=version + 1, **values).returning(m.SupervisionRow.id), execution_options={"synchronize_session": False}).first()
    if done is None:
        s.refresh(row)
        raise ConflictError(f"{number_of(row.year, row.seq)}已被他人处理或修改（现为{_WORDS.get(row.status, row.status)}，第{row.version}版），请刷新后重试 "
                            f"changed by someone else meanwhile (now {row.status}, version {row.version}); reload and try again")
    s.refresh(row)
    return row


def _files(store: Store, files: Sequence[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    from stpi.store.settings import get_setting

    mb = int(get_setting(store, "upload_limit_mb"))  # type: ignore[call-overload]
    kept = [(os.path.basename(name.replace("\\", "/")).strip()[:200] or "附件", content) for name, content in files if name or content]
    problems = []
    if len(kept) > MAX_FILES:
        problems.append(Problem("<reply>", None, "files", f"附件不超过 {MAX_FILES} 个 at most {MAX_FILES} files", str(len(kept))))
    if sum(len(c) for _, c in kept) > mb * 1024 * 1024:
        problems.append(Problem("<reply>", None, "files", f"附件合计不超过 {mb} MB the files may total at most {mb} MB"))
    if problems:
        raise InputError(problems)
    return kept


def reply(store: Store, sid: int, *, version: int, actor: str, as_department: str | None, measures: str, effect: str,
          files: Sequence[tuple[str, bytes]] = ()) -> Supervision:
    """The department's reply: measures taken, the effect expected, files (within the upload limit); the bureau is told."""
    problems = _text("measures", measures) + _text("effect", effect)
    if problems:
        raise InputError(problems)
    kept = _files(store, files)
    with store.session(write=True) as s:
        row = s.get(m.SupervisionRow, sid)
        if row is None:
            raise NotFoundError(f"没有该督办单 no supervision notice #{sid}")
        dep = s.get(m.DepartmentRow, row.department_id)
        assert dep is not None
        if as_department != dep.code:
            raise ForbiddenError(f"{actor}：只有{dep.name}的填报员可以反馈此督办单 only {dep.name}'s reporters may reply to this notice")
        stamp = now()
        row = _move(s, sid, version, ("open", "returned"), {"status": "replied", "replied_at": row.replied_at or stamp})
        step = _step(s, sid, actor, "reply", measures=measures.strip(), effect=effect.strip())
        for name, content in kept:
            s.add(m.SupervisionFileRow(event_id=step, filename=name, sha256=hashlib.sha256(content).hexdigest(), size=len(content), content=content))
        number = number_of(row.year, row.seq)
        Store.audit_in(s, actor, "reply", "supervision", number, "open", "replied", f"{measures.strip()[:200]} | {len(kept)} files")
        notify_in(s, bureau(), supervision_notice("reply", sid, number, row.subject, dep.name, text=measures.strip()[:300], step=step))
    return supervision(store, sid)


def send_back(store: Store, sid: int, *, version: int, actor: str, comment: str, deadline: date | None = None) -> Supervision:
    """The bureau sends a reply back with a comment (and, if given, a new deadline); the department is told."""
    problems = _text("comment", comment)
    if problems:
        raise InputError(problems)
    with store.session(write=True) as s:
        values: dict[str, object] = {"status": "returned"}
        if deadline is not None:
            values["deadline"] = deadline
        row = _move(s, sid, version, ("replied",), values)
        dep = s.get(m.DepartmentRow, row.department_id)
        assert dep is not None
        step = _step(s, sid, actor, "return", comment=comment.strip())
        number = number_of(row.year, row.seq)
        Store.audit_in(s, actor, "return", "supervision", number, "replied", "returned", comment.strip())
        notify_in(s, department(dep.code), supervision_notice("sent_back", sid, number, row.subject, dep.name, deadline=row.deadline.isoformat(), text=comment.strip(), step=step))
    return supervision(store, sid)


def close(store: Store, sid: int, *, version: int, actor: str, comment: str = "") -> Supervision:
    """The bureau closes the notice (办结); the department is told."""
    problems = _text("comment", comment, required=False)
    if problems:
        raise InputError(problems)
    with store.session(write=True) as s:
        row = _move(s, sid, version, ("open", "replied", "returned"), {"status": "closed", "closed_at": now()})
        dep = s.get(m.DepartmentRow, row.department_id)
        assert dep is not None
        step = _step(s, sid, actor, "close", comment=comment.strip())
        number = number_of(row.year, row.seq)
        Store.audit_in(s, actor, "close", "supervision", number, "", "closed", comment.strip())
        notify_in(s, department(dep.code), supervision_notice("closed", sid, number, row.subject, dep.name, text=comment.strip(), step=step))
    return supervision(store, sid)


def _record(row: m.SupervisionRow, dep: m.DepartmentRow, today: date, steps: tuple[Step, ...] = ()) -> Supervision:
    overdue = row.status in ("open", "returned") and today > row.deadline
    on_time = None if row.replied_at is None else row.replied_at.date() <= row.deadline
    return Supervision(row.id, number_of(row.year, row.seq), row.year, row.seq, dep.code, dep.name, row.subject, row.request, row.deadline, row.origin, row.origin_ref,
                       row.status, row.version, row.issued_at, row.issued_by, row.replied_at, row.closed_at, overdue, on_time, steps)


def supervisions(store: Store, *, department_code: str | None = None, status: str | None = None, year: int | None = None, today: date | None = None) -> list[Supervision]:
    """Notices, newest first, optionally of one department (code or name), status (or "overdue") and year of issue."""
    today = today or now().date()
    q = select(m.SupervisionRow, m.DepartmentRow).join(m.DepartmentRow, m.DepartmentRow.id == m.SupervisionRow.department_id)
    if department_code:
        q = q.where((m.DepartmentRow.code == department_code) | (m.DepartmentRow.name == department_code))
    if year is not None:
        q = q.where(m.SupervisionRow.year == year)
    if status and status != "overdue":
        q = q.where(m.SupervisionRow.status == status)
    with store.session() as s:
        found = [_record(r, d, today) for r, d in s.execute(q.order_by(m.SupervisionRow.id.desc()))]
    return [f for f in found if status != "overdue" or f.overdue]


def supervision(store: Store, sid: int, *, today: date | None = None) -> Supervision:
    """One notice with its steps and their files."""
    with store.session() as s:
        row = s.get(m.SupervisionRow, sid)
        if row is None:
            raise NotFoundError(f"没有该督办单 no supervision notice #{sid}")
        dep = s.get(m.DepartmentRow, row.department_id)
        assert dep is not None
        events = list(s.scalars(select(m.SupervisionEventRow).where(m.SupervisionEventRow.supervision_id == sid).order_by(m.SupervisionEventRow.id)))
        files: dict[int, list[Attachment]] = {}
        q = select(m.SupervisionFileRow.id, m.SupervisionFileRow.event_id, m.SupervisionFileRow.filename, m.SupervisionFileRow.size, m.SupervisionFileRow.sha256)
        for fid, eid, name, size, digest in s.execute(q.where(m.SupervisionFileRow.event_id.in_([e.id for e in events])).order_by(m.SupervisionFileRow.id)):
            files.setdefault(eid, []).append(Attachment(fid, name, size, digest))
        steps = tuple(Step(e.id, e.at, e.actor, e.kind, e.measures, e.effect, e.comment, tuple(files.get(e.id, []))) for e in events)
        return _record(row, dep, today or now().date(), steps)


def attachment(store: Store, sid: int, file_id: int) -> tuple[str, bytes]:
    """A reply's file (name, bytes), if it belongs to this notice."""
    with store.session() as s:
        q = (select(m.SupervisionFileRow.filename, m.SupervisionFileRow.content).join(m.SupervisionEventRow, m.SupervisionEventRow.id == m.SupervisionFileRow.event_id)
             .where(m.SupervisionFileRow.id == file_id, m.SupervisionEventRow.supervision_id == sid))
        found = s.execute(q).first()
    if found is None:
        raise NotFoundError(f"没有该附件 no file #{file_id} on notice #{sid}")
    return str(found[0]), bytes(found[1])
